// Every Azure Resource Manager call the Front Door lever makes (Microsoft.Cdn, api-version
// 2024-02-01), with the permission it needs. The router names these when it calls;
// docs/permissions.md, the role definitions and the emulator's routes are made from this list.
import type { ArmOperation } from "../types.js";

const ORIGINS =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Cdn/profiles/{profileName}/originGroups/{originGroupName}/origins";

export const FD_OPERATIONS = {
  listOrigins: {
    action: "Microsoft.Cdn/profiles/originGroups/origins/read",
    method: "GET",
    path: ORIGINS,
    why: "read the origins' priority, enabled state and deployment status",
  },
  updateOrigin: {
    action: "Microsoft.Cdn/profiles/originGroups/origins/write",
    method: "PATCH",
    path: `${ORIGINS}/{originName}`,
    why: "change an origin's priority or enabled state (a long-running operation)",
  },
  operationStatus: {
    action: "Microsoft.Cdn/operationresults/read",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.Cdn/locations/{location}/operationresults/{operationId}",
    why: "follow an origin update until it is done",
  },
} satisfies Record<string, ArmOperation>;
