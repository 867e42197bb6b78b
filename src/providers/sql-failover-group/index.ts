// Azure SQL Database failover groups as a data lever: the group's logical servers, one per region,
// hold the same failover group; a failover makes the region traffic moves to the primary.
import * as z from "zod";
import { resourceId } from "../../config/fields.js";
import type { DataMember, LeverSettings } from "../types.js";
import { dataProvider } from "../types.js";
import { SERVER, SQL_OPERATIONS } from "./operations.js";
import { sqlByHand } from "./by-hand.js";

const sqlFailoverGroupSchema = z
  .strictObject({
    kind: z
      .literal("sql-failover-group")
      .describe("An Azure SQL Database failover group across the group's regions."),
    servers: z
      .record(
        z.string().min(1, "must be a region name of the group"),
        resourceId("Microsoft.Sql", "servers"),
      )
      .refine((servers) => Object.keys(servers).length >= 2, {
        error:
          "must name at least two regions' servers (a failover group has a primary and a partner)",
      })
      .describe(
        "Region name to the resource ID of that region's logical server (`/subscriptions/…/providers/Microsoft.Sql/servers/{server}`), for each region of the group with a copy.",
      ),
    // Azure's naming rules for Microsoft.Sql servers/failoverGroups: 1 to 63 lower-case letters,
    // digits and hyphens, not starting or ending with a hyphen (it is a DNS name,
    // `{name}.database.windows.net`).
    failoverGroup: z
      .string({ error: "must be the failover group's name" })
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        "must be a failover group name: 1 to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
      )
      .describe("The failover group's name (the same on every server, as Azure names it)."),
    allowDataLoss: z
      .boolean()
      .default(false)
      .describe(
        "Whether Tandem may force a failover (forceFailoverAllowDataLoss) when the primary's server is unreachable: writes not yet replicated are lost. Without it, Tandem pages a person instead.",
      ),
  })
  .describe(
    "An Azure SQL Database failover group whose primary follows the group's traffic (docs/data-sql.md).",
  );

type Settings = z.output<typeof sqlFailoverGroupSchema> & LeverSettings;

/** A store of the configuration, as the lever takes it. */
const storeOf = (m: DataMember<Settings>) => ({
  group: m.group,
  store: m.store,
  failoverGroup: m.settings.failoverGroup,
  servers: new Map(Object.entries(m.settings.servers)),
  allowDataLoss: m.settings.allowDataLoss,
});

export const sqlFailoverGroup = dataProvider({
  kind: "sql-failover-group",
  title: "Azure SQL Database failover group",
  schema: sqlFailoverGroupSchema,
  operations: Object.values(SQL_OPERATIONS),
  scopeType: SERVER.type,
  scopes: (settings) => Object.values(settings.servers),
  scopeDescription: "every logical server a store names",
  // A planned failover synchronises first, then switches roles: typically under a minute for a
  // quiet database (an assumption for drills, not a figure Azure publishes).
  failoverMs: 60_000,
  create: async (members, { conn }) => {
    const { SqlFailoverGroupControl } = await import("./failover-group.js");
    return new SqlFailoverGroupControl(conn, members.map(storeOf));
  },
  byHand: sqlByHand,
  check: (settings, regions) => {
    const given = settings["servers"];
    if (typeof given !== "object" || given === null || Array.isArray(given)) return [];
    const problems: { path: string[]; message: string }[] = [];
    const seen = new Map<string, string>();
    for (const [region, id] of Object.entries(given as Record<string, unknown>)) {
      if (!regions.includes(region))
        problems.push({
          path: ["servers", region],
          message: `names a region that is not one of the group's (${regions.join(", ")}): each server is keyed by the region it is in`,
        });
      if (typeof id !== "string") continue;
      const other = seen.get(id.toLowerCase());
      if (other !== undefined)
        problems.push({
          path: ["servers", region],
          message: `is the same server as ${other}'s: a failover group's servers are in different regions`,
        });
      else seen.set(id.toLowerCase(), region);
    }
    return problems;
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
