// Azure Front Door Standard/Premium as a traffic lever: a group's regions are origins of one
// origin group. Changes take minutes to reach the edge, which verification waits out.
import * as z from "zod";
import { resourceId } from "../../config/fields.js";
import { trafficProvider } from "../types.js";
import { FD_OPERATIONS, ORIGIN_GROUP } from "./operations.js";

export const frontDoorSchema = z
  .strictObject({
    kind: z.literal("front-door").describe("Azure Front Door Standard/Premium."),
    profileId: resourceId("Microsoft.Cdn", "profiles").describe(
      "Resource ID of the Front Door profile.",
    ),
    originGroup: z
      .string({ error: "must be an origin group name" })
      .min(1, "must be an origin group name")
      .describe("Origin group whose origins are this group's regions."),
  })
  .describe(
    "Route with an Azure Front Door Standard/Premium origin group (origin priority, weight, enabled state).",
  );

export const frontDoor = trafficProvider({
  kind: "front-door",
  title: "Azure Front Door",
  schema: frontDoorSchema,
  operations: Object.values(FD_OPERATIONS),
  scopeType: ORIGIN_GROUP.type,
  scopes: (settings) => [`${settings.profileId}/originGroups/${settings.originGroup}`],
  scopeDescription: "the origin group each group names (not the rest of the profile)",
  create: async (groups, { conn }) => {
    const { FrontDoorRouter } = await import("./router.js");
    return {
      router: new FrontDoorRouter(
        conn,
        groups.map((g) => ({
          name: g.name,
          profileId: g.settings.profileId,
          originGroup: g.settings.originGroup,
          origins: g.members,
        })),
      ),
    };
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
