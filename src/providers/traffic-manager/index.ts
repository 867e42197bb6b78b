// Azure Traffic Manager as a traffic lever: a group's regions are endpoints of one profile
// (priority routing); Traffic Manager's own endpoint monitor is the group's witness.
import * as z from "zod";
import { resourceId } from "../../config/fields.js";
import { trafficProvider } from "../types.js";
import { TM_OPERATIONS } from "./operations.js";

export const trafficManagerSchema = z
  .strictObject({
    kind: z.literal("traffic-manager").describe("Azure Traffic Manager."),
    profileId: resourceId("Microsoft.Network", "trafficManagerProfiles").describe(
      "Resource ID of the Traffic Manager profile.",
    ),
  })
  .describe("Route with an Azure Traffic Manager profile (endpoint priority, weight, status).");

export const trafficManager = trafficProvider({
  kind: "traffic-manager",
  title: "Azure Traffic Manager",
  schema: trafficManagerSchema,
  operations: Object.values(TM_OPERATIONS),
  // Not its operations' `trafficManagerProfiles`: spelled as Traffic Manager's REST paths spell
  // it (trafficmanager.json 2022-04-01), as the deployment has named its role assignments since
  // the first release (ADR 27).
  scopeType: "Microsoft.Network/trafficmanagerprofiles",
  scopes: (settings) => [settings.profileId],
  scopeDescription: "the Traffic Manager profile each group names",
  create: async (groups, { conn, log }) => {
    const [{ TrafficManagerRouter }, { TrafficManagerWitness }] = await Promise.all([
      import("./router.js"),
      import("./witness.js"),
    ]);
    const router = new TrafficManagerRouter(
      conn,
      groups.map((g) => ({ name: g.name, profileId: g.settings.profileId, endpoints: g.members })),
    );
    return { router, witness: new TrafficManagerWitness(router, log) };
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
