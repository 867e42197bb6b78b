// What a Cosmos DB account's GET says, as the data lever's state: which region takes writes,
// which copies are online, whether a change is under way, and what a failover would send. Pure:
// the lever (account.ts) does the calls. The facts each rule rests on are in docs/data-cosmosdb.md.
import type { DataCopy, DataState } from "../../core/levers.js";

/** The members of an account's GET the lever reads (DatabaseAccountGetResults, 2026-03-15). */
export interface AccountView {
  readonly provisioningState?: string;
  readonly enableMultipleWriteLocations?: boolean;
  readonly writeLocations?: readonly LocationView[];
  readonly readLocations?: readonly LocationView[];
  readonly locations?: readonly LocationView[];
}

interface LocationView {
  readonly locationName?: string;
  /** The region's own endpoint (its gateway), e.g. https://acct-westeurope.documents.azure.com:443/ */
  readonly documentEndpoint?: string;
  readonly provisioningState?: string;
  readonly failoverPriority?: number;
}

/**
 * Cosmos DB spells a location as people do ("West Europe" in `locationName`), Tandem's regions
 * and the configuration as ARM's names ("westeurope"): one key for both.
 */
export const locationKey = (name: string): string => name.replace(/\s+/g, "").toLowerCase();

/** What a copy's `replication` says for a multi-region-write account: every copy takes writes. */
const MULTI_WRITE = "MultiRegionWrites";

/** What a copy's `replication` says for a region taken offline (forced failover). */
const OFFLINE = "Offline";

/**
 * Names the account's locations by Tandem's regions: `regionOf` maps a location key to the
 * region configured for it; a location the configuration does not name keeps Azure's name, so
 * that a write region outside the group shows as what it is.
 */
type RegionNames = (locationName: string) => string;

/** Whether the account or any of its regions is in the middle of an operation. */
function isChanging(account: AccountView): boolean {
  const busy = (state: string | undefined) => state !== undefined && state !== "Succeeded";
  return (
    busy(account.provisioningState) ||
    (account.locations ?? []).some((l) => busy(l.provisioningState))
  );
}

/** Online regions: those in the read or write locations (an offline region is in neither). */
function onlineLocations(account: AccountView): LocationView[] {
  return [...(account.writeLocations ?? []), ...(account.readLocations ?? [])].filter(
    (l) => l.locationName !== undefined,
  );
}

/** The read regions' names, as Cosmos DB spells them ("West Europe"); the write region's among them. */
export function readLocations(account: AccountView): string[] {
  return (account.readLocations ?? []).flatMap((l) =>
    l.locationName === undefined ? [] : [l.locationName],
  );
}

/**
 * The online regions' gateways, by location key: what the lever asks whether they answer. An
 * online region whose reply names no https gateway fails the read: a region never asked would
 * count as lost, and a lost write region opens the way to a forced failover.
 */
export function gatewaysOf(account: AccountView): Map<string, string> {
  const gateways = new Map<string, string>();
  for (const l of onlineLocations(account)) {
    const endpoint = l.documentEndpoint;
    if (
      endpoint === undefined ||
      !URL.canParse(endpoint) ||
      new URL(endpoint).protocol !== "https:"
    )
      throw new Error(
        `the account's reply gives ${l.locationName} no https documentEndpoint (${endpoint === undefined ? "none" : JSON.stringify(endpoint)}): whether that region answers cannot be told`,
      );
    gateways.set(locationKey(l.locationName!), endpoint);
  }
  return gateways;
}

/** The account's locations, by failover priority (the write region first). */
function byPriority(account: AccountView): LocationView[] {
  return [...(account.locations ?? [])]
    .filter((l) => l.locationName !== undefined)
    .sort((a, b) => (a.failoverPriority ?? Infinity) - (b.failoverPriority ?? Infinity));
}

/** The single write region, if the account has one and it is known. */
export function writeLocation(account: AccountView): LocationView | undefined {
  if (account.enableMultipleWriteLocations === true) return undefined;
  const [first] = account.writeLocations ?? [];
  return first?.locationName === undefined ? undefined : first;
}

/**
 * The account as the data lever's state, its regions named by `names`. A copy is reachable when
 * its region is online and its gateway answered (`answered`: location keys); its lag is what
 * `lags` holds for it (seconds, by location key), when the lever read one.
 */
export function dataStateOf(
  account: AccountView,
  names: RegionNames,
  answered: ReadonlySet<string>,
  lags: ReadonlyMap<string, number> = new Map(),
): DataState {
  const online = new Set(onlineLocations(account).map((l) => locationKey(l.locationName!)));
  const changing = isChanging(account);
  const multiWrite = account.enableMultipleWriteLocations === true;
  const writer = writeLocation(account);
  const writerKey = writer ? locationKey(writer.locationName!) : undefined;
  const reachable = (key: string) => online.has(key) && answered.has(key);
  // A planned change of write region needs the old and the new write region up (Azure checks
  // consistency between them first), and no other operation running.
  const movable = !multiWrite && !changing && writerKey !== undefined && reachable(writerKey);
  const regions: Record<string, DataCopy> = {};
  for (const location of byPriority(account)) {
    const key = locationKey(location.locationName!);
    const name = names(location.locationName!);
    if (key === writerKey) {
      regions[name] = { reachable: reachable(key), caughtUp: false };
      continue;
    }
    const replication = multiWrite
      ? MULTI_WRITE
      : online.has(key)
        ? (location.provisioningState ?? "Succeeded")
        : OFFLINE;
    const caughtUp = movable && reachable(key) && replication === "Succeeded";
    const lagSeconds = lags.get(key);
    regions[name] = {
      reachable: reachable(key),
      replication,
      caughtUp,
      ...(lagSeconds === undefined ? {} : { lagSeconds }),
    };
  }
  return {
    ...(writer ? { primary: names(writer.locationName!) } : {}),
    changing,
    regions,
    ...(multiWrite
      ? {
          unmovable:
            "the account takes writes in every region (multi-region writes): it has no single write region to move, and its clients write locally wherever traffic goes",
        }
      : {}),
  };
}

/**
 * The body of a planned change of write region to `target`: every region of the account listed
 * (Azure wants them all, priorities unique, 0 to n-1), `target` at 0 and the others keeping their
 * order behind it.
 */
export function prioritiesWith(
  account: AccountView,
  target: string,
): { failoverPolicies: { locationName: string; failoverPriority: number }[] } {
  const ordered = byPriority(account).map((l) => l.locationName!);
  const key = locationKey(target);
  const first = ordered.filter((n) => locationKey(n) === key);
  const rest = ordered.filter((n) => locationKey(n) !== key);
  return {
    failoverPolicies: [...first, ...rest].map((locationName, failoverPriority) => ({
      locationName,
      failoverPriority,
    })),
  };
}

/**
 * The region a forced failover would give writes to: the online read region with the lowest
 * failover priority (what Azure promotes when the write region is taken offline).
 */
export function nextInLine(account: AccountView): LocationView | undefined {
  const online = new Set(onlineLocations(account).map((l) => locationKey(l.locationName!)));
  const writerKey = locationKey(writeLocation(account)?.locationName ?? "");
  return byPriority(account).find((l) => {
    const key = locationKey(l.locationName!);
    return key !== writerKey && online.has(key);
  });
}
