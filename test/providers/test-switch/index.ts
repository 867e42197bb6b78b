// A lever kind that exists only for tests, in this folder alone: a "switch" resource whose target
// names the region that gets the traffic (as a DNS record would). It can promote a region but not
// take one out of rotation. It has its settings schema, its ARM operations, a factory that builds
// its lever, and an emulated service; registered through withProviders(), nothing else changes.
import * as z from "zod";
import { trafficProvider } from "../../../src/providers/types.js";

export const SWITCH_API_VERSION = "2026-01-01";

export const SWITCH_OPERATIONS = {
  read: {
    action: "Microsoft.Test/switches/read",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Test/switches/{switchName}",
    why: "read where the switch points",
  },
  write: {
    action: "Microsoft.Test/switches/write",
    method: "PATCH",
    path: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Test/switches/{switchName}",
    why: "point the switch at another region",
  },
} as const;

export const switchSchema = z
  .strictObject({
    kind: z.literal("test-switch").describe("A switch that points traffic at one region."),
    switchId: z.string().min(1).describe("Resource ID of the switch."),
  })
  .describe("Route with a test switch.");

export const testSwitch = trafficProvider({
  kind: "test-switch",
  title: "Test switch",
  schema: switchSchema,
  operations: Object.values(SWITCH_OPERATIONS),
  scopes: (settings) => [settings.switchId],
  scopeDescription: "the switch each group names",
  scopeType: "Microsoft.Test/switches",
  create: async (groups, { conn }) => {
    const { SwitchRouter } = await import("./router.js");
    return { router: new SwitchRouter(conn, groups) };
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
