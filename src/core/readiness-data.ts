// The readiness check of a group's data stores (`standby-data`, docs/readiness.md): whether each
// store's copy in a standby region could become its primary now by a planned failover, the one
// Tandem asks for without `allowDataLoss`. It judges what the data lever read (DataState), and
// names the store, the region, what is wrong and the command a person runs to look or fix. Pure.
import type { DataCopy, DataState } from "./levers.js";
import type { CheckResult } from "./readiness.js";
import { result } from "./readiness-checks.js";

/** A data store of the group (`groups[].data[]`), as the data check needs it. */
export interface ReadinessStore {
  readonly name: string;
  readonly kind: string;
  /** The kind's own fields as configured (`servers`, `failoverGroup`, `resourceId`, `locations`), for the commands a fix names. */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/** What the data lever answered for a store: its state, or why it could not be read. */
export type StoreRead = { readonly state: DataState } | { readonly problem: string };

/**
 * The replication state in which a SQL geo-secondary is synchronised and continuously follows
 * its primary (sys.dm_geo_replication_link_status, Microsoft Learn: 0 PENDING, 1 SEEDING,
 * 2 CATCH_UP, 4 SUSPENDED); the kind's `caughtUp` is what decides, this only words the fix.
 */
const SQL_SYNCHRONISING = "CATCH_UP";

/** One store's copy in one standby region: could it become the primary now, without data loss? */
export function dataCheck(
  store: ReadinessStore,
  region: string,
  read: StoreRead | undefined,
  rpoSeconds: number | undefined,
): CheckResult {
  const name = store.name;
  const help = commandsFor(store, region);
  const said = (verdict: CheckResult["verdict"], evidence: string, fix?: string) => ({
    ...result("standby-data", region, verdict, evidence, fix),
    store: name,
  });
  if (read === undefined || "problem" in read)
    // As an unread lever: not enough to judge, never taken for a failure of the store.
    return said(
      "unknown",
      `data store ${name} has not been read${read ? ` (${read.problem})` : ""}`,
      `Check that Tandem may read it (docs/permissions.md) and that it exists as configured: ${help.show}.`,
    );
  const { state } = read;
  if (state.changing)
    return said(
      "unknown",
      `a change of data store ${name}'s primary is under way`,
      `Wait for it to end, and see where it went: ${help.show}.`,
    );
  if (state.primary === region)
    return said("ready", `${region} holds data store ${name}'s primary copy`);
  const copy = state.regions[region];
  if (!copy)
    return said(
      "not-ready",
      `data store ${name} has no copy in ${region}: its data cannot follow traffic there`,
      help.add,
    );
  if (!copy.reachable)
    return said(
      "not-ready",
      `${region}'s copy of data store ${name} does not answer`,
      help.unreachable,
    );
  const source = state.primary === undefined ? undefined : state.regions[state.primary];
  if (source && !source.reachable)
    return said(
      "not-ready",
      `data store ${name}'s primary copy in ${state.primary} does not answer: a planned failover to ${region} cannot go ahead (only a forced one, losing what was not replicated)`,
      `A planned failover needs both copies up: see ${help.show}. Tandem forces one only when the store's \`allowDataLoss\` is true.`,
    );
  if (!copy.caughtUp)
    return said(
      "not-ready",
      `${region}'s copy of data store ${name} is ${copy.replication ?? "not synchronising"}, not caught up: a planned failover to it would be refused`,
      help.replication(copy.replication),
    );
  if (rpoSeconds !== undefined && copy.lagSeconds !== undefined && copy.lagSeconds > rpoSeconds)
    return said(
      "not-ready",
      `${region}'s copy of data store ${name} is ${copy.lagSeconds} s behind the primary, over the objective of ${rpoSeconds} s`,
      `Writes that reach the primary faster than they replicate would be lost in a forced failover: ${help.lag}`,
    );
  const lag = lagWords(copy, rpoSeconds);
  return said(
    "ready",
    `${region}'s copy of data store ${name} is ${copy.replication ?? "caught up"}${lag ? `, ${lag}` : ""}`,
  );
}

/** The copy's lag against the objective, in words; an unknown lag is said, never failed. */
function lagWords(copy: DataCopy, rpoSeconds: number | undefined): string {
  if (copy.lagSeconds !== undefined)
    return `${copy.lagSeconds} s behind the primary${rpoSeconds === undefined ? "" : ` (objective ${rpoSeconds} s)`}`;
  return rpoSeconds === undefined
    ? ""
    : `its lag is not reported, so it is not compared with the objective (${rpoSeconds} s)`;
}

interface StoreCommands {
  /** How a person sees the store's replication: a command, or where to look. */
  readonly show: string;
  /** What to do when the region's copy does not answer. */
  readonly unreachable: string;
  /** What to do when the region has no copy. */
  readonly add: string;
  /** What to do when the copy is not in its synchronising state. */
  readonly replication: (state: string | undefined) => string;
  /** What to do when the copy lags more than the objective. */
  readonly lag: string;
}

const text = (settings: ReadinessStore["settings"], key: string): string | undefined => {
  const value = settings?.[key];
  return typeof value === "string" ? value : undefined;
};

const entry = (settings: ReadinessStore["settings"], key: string, region: string) => {
  const value = settings?.[key];
  return value && typeof value === "object"
    ? text(value as Record<string, unknown>, region)
    : undefined;
};

/** The commands a fix names, by the store's kind; words for a kind without its own. */
function commandsFor(store: ReadinessStore, region: string): StoreCommands {
  if (store.kind === "sql-failover-group") return sqlCommands(store, region);
  if (store.kind === "cosmosdb") return cosmosCommands(store, region);
  const look = `the store's replication in the Azure portal`;
  return {
    show: look,
    unreachable: `Find why ${region}'s copy cannot be reached (the region's health in Azure Service Health, the copy in the Azure portal).`,
    add: `Give data store ${store.name} a copy in ${region}, and name it in the store's configuration.`,
    replication: () => `Wait for ${region}'s copy to catch up, or find why it does not: ${look}.`,
    lag: `find why ${region}'s copy falls behind (${look}), or agree a longer \`rpoSeconds\`.`,
  };
}

/**
 * Azure SQL failover groups: the group is a child of each server (`.../servers/{s}/failoverGroups/{fg}`,
 * its `replicationState` the partner's link state), and the per-database lag is only in
 * sys.dm_geo_replication_link_status on the primary (`replication_lag_sec`; Microsoft Learn).
 */
function sqlCommands(store: ReadinessStore, region: string): StoreCommands {
  const server = entry(store.settings, "servers", region) ?? `<${region}'s server id>`;
  const group = text(store.settings, "failoverGroup") ?? "<failover group>";
  const show = `\`az sql failover-group show --ids ${server}/failoverGroups/${group}\``;
  const links =
    "run `SELECT partner_server, replication_state_desc, replication_lag_sec FROM sys.dm_geo_replication_link_status` in each database of the group on the primary";
  return {
    show,
    unreachable: `Find why ${region}'s server cannot be reached (the region's health in Azure Service Health, then \`az sql server show --ids ${server}\`).`,
    add: `Make ${region}'s server the partner of failover group ${group} (\`az sql failover-group create\` on the primary's server with \`--partner-server\`), and name it in \`servers\` of data store ${store.name}.`,
    replication: (state) =>
      state === "SEEDING" || state === "PENDING"
        ? `The copy is still being made (${state}): wait until it reaches ${SQL_SYNCHRONISING} (${show}).`
        : `Replication is ${state ?? "not synchronising"} (SUSPENDED mostly means the link lacks bandwidth for the primary's writes): ${links}, and ${show}.`,
    lag: `${links}; lower the write rate or agree a longer \`rpoSeconds\`.`,
  };
}

/**
 * Cosmos DB: a region is online while it is listed in the account's read or write locations; an
 * offline one comes back by the account's `onlineRegion` action (Database Accounts - Online Region,
 * Microsoft.DocumentDB REST reference). The lag is the P99 replication latency the lever read from
 * the account's percentile metrics; Azure Monitor has the same as `ReplicationLatency`, by
 * `SourceRegion` and `TargetRegion` (supported metrics of Microsoft.DocumentDB/databaseAccounts).
 */
function cosmosCommands(store: ReadinessStore, region: string): StoreCommands {
  const account = text(store.settings, "resourceId") ?? "<account id>";
  const location = entry(store.settings, "locations", region) ?? region;
  const show = `\`az cosmosdb show --ids ${account} --query "{write: writeLocations[].locationName, read: readLocations[].locationName, locations: locations[].{name: locationName, state: provisioningState, priority: failoverPriority}}"\``;
  return {
    show,
    // An offline region is in neither location list, so the lever reads it as unreachable.
    unreachable: `${location} is offline in the account: once the region is healthy, bring it online (\`az rest --method post --url "https://management.azure.com${account}/onlineRegion?api-version=2026-03-15" --body '{"region": "${location}"}'\`), and see ${show}.`,
    add: `Add ${location} to the account's regions (\`az cosmosdb update --ids ${account} --locations regionName=... failoverPriority=...\`, every region listed, the new one last).`,
    replication: (state) =>
      `The account or ${location} is busy, or the account writes in several regions (${state ?? "unknown"}): a planned change of write region needs every region online and no operation running; ${show}.`,
    lag: `see the replication latency to each region (\`az monitor metrics list --resource ${account} --metric ReplicationLatency --filter "TargetRegion eq '*'" --interval PT5M\`), lower the write rate, or agree a longer \`rpoSeconds\`.`,
  };
}
