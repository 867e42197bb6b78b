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
  // Microsoft.Cdn's Azure-AsyncOperation URL is under the resource group of the profile, not the
  // subscription: `/subscriptions/{id}/resourcegroups/{group}/providers/Microsoft.Cdn/operationresults/{id}`,
  // as recorded from Azure in azure-sdk-for-js's arm-cdn test recordings. ARM checks the action
  // there, so the deployment assigns this action's role on that resource group.
  operationStatus: {
    action: "Microsoft.Cdn/operationresults/read",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Cdn/operationresults/{operationId}",
    why: "follow an origin update until it is done",
  },
} satisfies Record<string, ArmOperation>;
