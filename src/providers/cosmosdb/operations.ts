// Every Azure Resource Manager call the Cosmos DB lever makes (Microsoft.DocumentDB, api-version
// 2026-03-15, what @azure/arm-cosmosdb 17 sends), with the permission it needs. The lever names
// these when it calls; docs/permissions.md, the role definitions and the emulator's routes are
// made from this list. Why each exists is in docs/data-cosmosdb.md.
import type { ArmOperation } from "../types.js";

/** The api-version the lever sends: @azure/arm-cosmosdb 17's, a stable one. */
export const COSMOSDB_API_VERSION = "2026-03-15";

/** An account's path; every operation's path starts with it (the same three parameters). */
export const ACCOUNT =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.DocumentDB/databaseAccounts/{accountName}";

export const COSMOSDB_OPERATIONS = {
  readAccount: {
    action: "Microsoft.DocumentDB/databaseAccounts/read",
    method: "GET",
    path: ACCOUNT,
    why: "read the account's write region, its regions and whether a change runs",
  },
  // The planned change of write region ("change write region", customer-managed failover): the
  // region given priority 0 becomes the write region once replication has caught up; no data is
  // lost, and it needs every region up.
  failoverPriorityChange: {
    action: "Microsoft.DocumentDB/databaseAccounts/failoverPriorityChange/action",
    method: "POST",
    path: `${ACCOUNT}/failoverPriorityChange`,
    why: "move the write region with no data loss (planned failover)",
  },
  // The outage operation ("forced failover", Offline region in the portal): the lost write region
  // is taken offline and the read region next in failover priority takes writes at once; writes
  // not yet replicated out of it may be lost. Asked for only when the store allows data loss.
  offlineRegion: {
    action: "Microsoft.DocumentDB/databaseAccounts/offlineRegion/action",
    method: "POST",
    path: `${ACCOUNT}/offlineRegion`,
    why: "take a lost write region offline so that the next region takes writes (forced failover, may lose data)",
  },
} satisfies Record<string, ArmOperation>;
