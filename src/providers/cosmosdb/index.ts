// Azure Cosmos DB as a data lever: a single-write-region account whose write region follows the
// group's traffic (planned: change write region; forced: take the lost write region offline).
import * as z from "zod";
import { resourceId } from "../../config/fields.js";
import { dataProvider } from "../types.js";
import { ACCOUNT, COSMOSDB_OPERATIONS } from "./operations.js";
import { cosmosByHand } from "./by-hand.js";

const cosmosdbSchema = z
  .strictObject({
    kind: z
      .literal("cosmosdb")
      .default("cosmosdb")
      .describe("Azure Cosmos DB (an account with one write region)."),
    resourceId: resourceId("Microsoft.DocumentDB", "databaseAccounts").describe(
      "Resource ID of the Cosmos DB account.",
    ),
    locations: z
      .record(
        z.string(),
        z
          .string({ error: "must be a Cosmos DB location name, e.g. westeurope or West Europe" })
          .min(1),
      )
      .optional()
      .describe(
        "Region name to the account's location in it, where they differ (spaces and case aside); by default each region of the group is the location of the same name.",
      ),
    allowDataLoss: z
      .boolean()
      .default(false)
      .describe(
        "Whether Tandem may force a failover when the write region is lost: it takes that region offline and the next region by failover priority takes writes; writes not yet replicated out of it may be lost (unless the account uses strong consistency). Planned failovers never lose data.",
      ),
  })
  .describe(
    "A Cosmos DB account whose write region follows the group's traffic (see docs/data-cosmosdb.md).",
  );

export const cosmosdb = dataProvider({
  kind: "cosmosdb",
  title: "Azure Cosmos DB",
  schema: cosmosdbSchema,
  operations: Object.values(COSMOSDB_OPERATIONS),
  scopeType: ACCOUNT.type,
  scopes: (settings) => [settings.resourceId],
  scopeDescription: "the Cosmos DB account each store names",
  // A planned change of write region: minutes (replication catches up first); drills assume 5.
  failoverMs: 5 * 60_000,
  create: async (members, { conn }) => {
    const { CosmosDataControl } = await import("./account.js");
    for (const m of members)
      for (const region of Object.keys(m.settings.locations ?? {}))
        if (!m.regions.includes(region))
          throw new Error(
            `groups[${m.group}].data[${m.store}].locations names ${region}, which is not a region of group ${m.group} (its regions: ${m.regions.join(", ")})`,
          );
    return new CosmosDataControl(
      conn,
      members.map((m) => ({
        group: m.group,
        store: m.store,
        resourceId: m.settings.resourceId,
        locations: new Map(m.regions.map((r) => [r, m.settings.locations?.[r] ?? r])),
        allowDataLoss: m.settings.allowDataLoss,
      })),
    );
  },
  byHand: cosmosByHand,
  check: (settings, regions) => {
    const given = settings["locations"];
    const locations =
      typeof given === "object" && given !== null && !Array.isArray(given)
        ? (given as Record<string, unknown>)
        : {};
    const problems: { path: string[]; message: string }[] = [];
    for (const region of Object.keys(locations))
      if (!regions.includes(region))
        problems.push({
          path: ["locations", region],
          message: `names a region that is not one of the group's (${regions.join(", ")})`,
        });
    // Cosmos DB compares location names with spaces and case aside ("West Europe", westeurope).
    const key = (name: unknown) => String(name).replace(/\s+/g, "").toLowerCase();
    const seen = new Map<string, string>();
    for (const region of regions) {
      const location = key(locations[region] ?? region);
      const other = seen.get(location);
      if (other !== undefined)
        problems.push({
          path: region in locations ? ["locations", region] : ["locations"],
          message: `makes ${region} the same Cosmos DB location (${location}) as ${other}: each region of the group must be a location of its own, or the step would read the data as moved where it is not`,
        });
      else seen.set(location, region);
    }
    return problems;
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
