// Every Azure Resource Manager call the SQL failover group lever makes (Microsoft.Sql, api-version
// 2020-11-01-preview: the version @azure/arm-sql 10 sends for failoverGroups), with the permission
// it needs. The lever names these when it calls; docs/permissions.md, the role definitions and the
// emulator's routes are made from this list.
//
// Actions: `Microsoft.Sql/servers/failoverGroups/{read,failover/action,forceFailoverAllowDataLoss/
// action}` are the operation names Azure's activity log and role definitions use for these calls
// (learn.microsoft.com, "Azure permissions for Databases", Microsoft.Sql). The operation status
// is Microsoft.Sql's resource type `locations/failoverGroupAzureAsyncOperation` ("Move operation
// support for resources", Microsoft.Sql), read under the subscription.
import type { ArmOperation } from "../types.js";

const FAILOVER_GROUP =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Sql/servers/{serverName}/failoverGroups/{failoverGroupName}";

export const SQL_API_VERSION = "2020-11-01-preview";

export const SQL_OPERATIONS = {
  read: {
    action: "Microsoft.Sql/servers/failoverGroups/read",
    method: "GET",
    path: FAILOVER_GROUP,
    why: "read each server's failover group: its role, its partner's role, its replication state",
  },
  // Both POSTs go to the failover group on the server that is to become primary (the secondary):
  // "Fails over from the current primary server to this server" (FailoverGroups.json); Azure
  // answers 400 FailoverGroupFailoverRequestOnPrimary when sent to the primary.
  failover: {
    action: "Microsoft.Sql/servers/failoverGroups/failover/action",
    method: "POST",
    path: `${FAILOVER_GROUP}/failover`,
    why: "planned failover (no data loss) to the server of the region traffic moves to",
  },
  forceFailover: {
    action: "Microsoft.Sql/servers/failoverGroups/forceFailoverAllowDataLoss/action",
    method: "POST",
    path: `${FAILOVER_GROUP}/forceFailoverAllowDataLoss`,
    why: "forced failover (writes not yet replicated are lost), only for a store with allowDataLoss whose primary is unreachable",
  },
  // The SDK polls the operation once when it starts it (beginFailover), under the subscription.
  pollOperation: {
    action: "Microsoft.Sql/locations/failoverGroupAzureAsyncOperation/read",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.Sql/locations/{locationName}/failoverGroupAzureAsyncOperation/{operationId}",
    why: "see that Azure took the failover on",
  },
} satisfies Record<string, ArmOperation>;
