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
import { armResource } from "../arm-resource.js";

/** A logical server: the role is assigned on each one a store names. */
export const SERVER = armResource("Microsoft.Sql/servers", "{serverName}");
const FAILOVER_GROUP = SERVER.child("failoverGroups", "{failoverGroupName}");

export const SQL_API_VERSION = "2020-11-01-preview";

export const SQL_OPERATIONS = {
  read: FAILOVER_GROUP.read(
    "read each server's failover group: its role, its partner's role, its replication state",
  ),
  // Both POSTs go to the failover group on the server that is to become primary (the secondary):
  // "Fails over from the current primary server to this server" (FailoverGroups.json); Azure
  // answers 400 FailoverGroupFailoverRequestOnPrimary when sent to the primary.
  failover: FAILOVER_GROUP.action(
    "failover",
    "planned failover (no data loss) to the server of the region traffic moves to",
  ),
  forceFailover: FAILOVER_GROUP.action(
    "forceFailoverAllowDataLoss",
    "forced failover (writes not yet replicated are lost), only for a store with allowDataLoss whose primary is unreachable",
  ),
  // The SDK polls the operation once when it starts it (beginFailover), under the subscription.
  pollOperation: armResource("Microsoft.Sql/locations", "{locationName}", "subscription")
    .child("failoverGroupAzureAsyncOperation", "{operationId}")
    .read("see that Azure took the failover on"),
};
