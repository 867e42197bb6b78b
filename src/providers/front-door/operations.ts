// Every Azure Resource Manager call the Front Door lever makes (Microsoft.Cdn, api-version
// 2024-02-01), with the permission it needs. The router names these when it calls;
// docs/permissions.md, the role definitions and the emulator's routes are made from this list.
import { armResource } from "../arm-resource.js";

/** An origin group: the role is assigned on each one a group names. */
export const ORIGIN_GROUP = armResource("Microsoft.Cdn/profiles", "{profileName}").child(
  "originGroups",
  "{originGroupName}",
);
const ORIGIN = ORIGIN_GROUP.child("origins", "{originName}");

export const FD_OPERATIONS = {
  listOrigins: ORIGIN.list("read the origins' priority, enabled state and deployment status"),
  updateOrigin: ORIGIN.write(
    "PATCH",
    "change an origin's priority or enabled state (a long-running operation)",
  ),
  // Microsoft.Cdn's Azure-AsyncOperation URL is under the resource group of the profile, not the
  // subscription: `/subscriptions/{id}/resourcegroups/{group}/providers/Microsoft.Cdn/operationresults/{id}`,
  // as recorded from Azure in azure-sdk-for-js's arm-cdn test recordings. ARM checks the action
  // there, so the deployment assigns this action's role on that resource group.
  operationStatus: armResource("Microsoft.Cdn/operationresults", "{operationId}").read(
    "follow an origin update until it is done",
  ),
};
