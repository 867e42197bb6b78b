// Every Azure Resource Manager call the Cosmos DB lever makes (Microsoft.DocumentDB, api-version
// 2026-03-15, what @azure/arm-cosmosdb 17 sends), with the permission it needs. The lever names
// these when it calls; docs/permissions.md, the role definitions and the emulator's routes are
// made from this list. Why each exists is in docs/data-cosmosdb.md.
import { armResource } from "../arm-resource.js";
import type { ArmOperation } from "../types.js";

/** The api-version the lever sends: @azure/arm-cosmosdb 17's, a stable one. */
export const COSMOSDB_API_VERSION = "2026-03-15";

/** An account; every operation's path starts with its path (the same three parameters). */
export const ACCOUNT = armResource("Microsoft.DocumentDB/databaseAccounts", "{accountName}");

/** The percentile metrics of a source and a target region of an account. */
export const LATENCY_PATH =
  `${ACCOUNT.path}/sourceRegion/{sourceRegion}/targetRegion/{targetRegion}/percentile/metrics` as const;

export const COSMOSDB_OPERATIONS = {
  readAccount: ACCOUNT.read(
    "read the account's write region, its regions and whether a change runs",
  ),
  // The planned change of write region ("change write region", customer-managed failover): the
  // region given priority 0 becomes the write region once replication has caught up; no data is
  // lost, and it needs every region up.
  failoverPriorityChange: ACCOUNT.action(
    "failoverPriorityChange",
    "move the write region with no data loss (planned failover)",
  ),
  // The outage operation ("forced failover", Offline region in the portal): the lost write region
  // is taken offline and the read region next in failover priority takes writes at once; writes
  // not yet replicated out of it may be lost. Asked for only when the store allows data loss.
  offlineRegion: ACCOUNT.action(
    "offlineRegion",
    "take a lost write region offline so that the next region takes writes (forced failover, may lose data)",
  ),
  // The replication latency from the write region to a read region: the resource provider's
  // percentile metrics of a source and a target region, "only for PBS and Replication Latency
  // data" (PercentileSourceTarget_ListMetrics). Its RBAC action is not spelled from its path:
  // Microsoft.DocumentDB's operations list it as percentile/sourceRegion/targetRegion/metrics/read
  // ("Read latency metrics for a specific source and target region", "Azure permissions for
  // Databases", learn.microsoft.com). Read for readiness only, never by the runbook.
  readReplicationLatency: {
    action: `${ACCOUNT.type}/percentile/sourceRegion/targetRegion/metrics/read`,
    method: "GET",
    path: LATENCY_PATH,
    why: "read the P99 replication latency from the write region to each read region (readiness only)",
  } satisfies ArmOperation,
};
