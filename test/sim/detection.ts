// What held a detection back. A chaos run injects many faults at once, and most of them may
// rightly keep a region from being judged down (docs/agreement.md): with the store down nobody
// may act; with one of the two outside observers lost, one alone is not a quorum and the
// simulator has no witness to complete it; a silent observer's last view counts until the stale
// bound. So the sweep reports detection with none of those faults apart from all of it, and says,
// for each slow detection, what held the verdict back for longest, from the holder's own evidence.
import type { RegionEvidence } from "../../src/core/verdict.js";
import type { Faults } from "./simulate.js";

/** A detection of the primary's hard outage, and what else was going on meanwhile. */
export interface Detection {
  /** Outage start to the first kept `down` verdict. */
  readonly ms: number;
  /**
   * The injected faults that overlapped it (from a stale bound before the outage's start to the
   * verdict), by kind. See `UNDISTURBED` for the ones that may hold a verdict back.
   */
  readonly during: readonly string[];
  /** Per 10-second slot of the wait, what held the verdict back (see `holdOf`), in ms. */
  readonly heldBy: Readonly<Record<string, number>>;
}

/**
 * Fault kinds that may rightly delay a verdict. A detection that overlapped none of them is
 * undisturbed; clock skew, ARM's latency and its 429 and 500 bursts, random store errors and faults of the other region must not
 * delay one, so they stay in.
 */
const DISTURBING =
  /^(store-outage|observer-|holder-crashed|partition-primary|flapping-primary|gray-primary)/;
export const undisturbed = (d: Detection) => !d.during.some((f) => DISTURBING.test(f));

/**
 * The kinds of the faults that overlapped [from - staleMs, to): an observer lost up to a stale
 * bound before the outage still holds the verdict back.
 */
export function concurrentFaults(
  faults: Faults,
  regions: readonly string[],
  window: { readonly from: number; readonly to: number; readonly staleMs: number },
  holderCrashes: readonly number[],
): string[] {
  const { from, to, staleMs } = window;
  const overlaps = (w: { from: number; to: number }) => w.from < to && w.to > from - staleMs;
  const primary = regions[0];
  const which = (region: string) => (region === primary ? "primary" : "secondary");
  const during = new Set<string>();
  if (faults.storeOutages.some(overlaps)) during.add("store-outage");
  if (faults.storeErrorRate > 0) during.add("store-errors");
  for (const d of faults.down.filter(overlaps))
    during.add(
      `observer-${d.crash ? "crashed" : "paused"}${d.observer === primary ? "-inside" : ""}`,
    );
  for (const i of faults.impaired.filter(overlaps))
    during.add(`observer-impaired${i.observer === primary ? "-inside" : ""}`);
  for (const p of faults.partitions.filter(overlaps))
    during.add(`partition-${which(p.region)}${p.observer === p.region ? "-inside" : ""}`);
  if (holderCrashes.some((t) => t >= from - staleMs && t < to)) during.add("holder-crashed");
  if (Object.values(faults.skew).some((ms) => ms !== 0)) during.add("clock-skew");
  if (faults.arm) during.add("arm-latency");
  if (faults.arm?.throttle.some(overlaps)) during.add("arm-429");
  if (faults.arm?.errors.some(overlaps)) during.add("arm-500");
  for (const region of regions) {
    if ((faults.flapping?.[region] ?? []).some(overlaps)) during.add(`flapping-${which(region)}`);
    if ((faults.gray[region] ?? []).some(overlaps)) during.add(`gray-${which(region)}`);
    if (region !== primary && (faults.outages[region] ?? []).some(overlaps))
      during.add("outage-secondary");
  }
  return [...during].sort();
}

/** Normal progress, not something that held the verdict back. */
export const COUNTING = "counting failures";

/** Why an observer outside the region is missing from the evidence at a moment: a fault kind. */
export type LostWhy = (observer: string) => string;

/**
 * What kept the lease holder's evaluation of the region from `down`, by its evidence (not its
 * reason text). `lost` names the injected fault of an observer missing from the evidence.
 */
export function holdOf(
  evidence: RegionEvidence,
  outsideObservers: readonly string[],
  lost: LostWhy,
): string {
  if (evidence.verdict === "down") return "down";
  const { inside } = evidence;
  const views = [...evidence.outside, ...(inside && !inside.silent ? [inside] : [])];
  // Hard down, yet seen up: that observer went quiet, and its last view counts until it is stale.
  if (views.some((v) => v.view === "passing" || v.view === "recovering"))
    return "a quiet observer's last view (stale bound)";
  const missing = outsideObservers.filter(
    (o) => !evidence.outside.some((v) => v.observer === o) && !evidence.blocking.includes(o),
  );
  if (missing.length > 0)
    return `outside observer lost (${[...new Set(missing.map(lost))].sort().join(", ")}): no quorum without the witness`;
  if (evidence.blocking.length > 0) return "an outside observer without a current view";
  return COUNTING;
}

/** When no holder evaluated the region in a slot: why, from the ticks that ran. */
export function noHolder(ticks: readonly { leader: boolean; outcome: string }[]): string {
  if (ticks.some((t) => t.leader)) return "no verdict: the holder's reads failed";
  if (ticks.some((t) => t.outcome === "store-unavailable")) return "no holder: store unreachable";
  return "no holder: the lease of a holder that stopped";
}

/** The longest hold of a detection other than counting failures (COUNTING when none). */
export function mainHold(d: Detection): string {
  let best = COUNTING;
  let most = 0;
  for (const [hold, ms] of Object.entries(d.heldBy))
    if (hold !== COUNTING && hold !== "down" && ms > most) [best, most] = [hold, ms];
  return best;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** `median M ms, p99 P ms (N outages)` of some detections. */
export function describeDetections(ds: readonly Detection[]): string {
  const sorted = ds.map((d) => d.ms).sort((a, b) => a - b);
  if (sorted.length === 0) return "none";
  return `median ${percentile(sorted, 50)} ms, p99 ${percentile(sorted, 99)} ms (${sorted.length} outages)`;
}

/** Slow detections counted by their main hold, most first. */
export function slowByHold(ds: readonly Detection[], slowerThanMs: number): [string, number][] {
  const counts = new Map<string, number>();
  for (const d of ds)
    if (d.ms > slowerThanMs) counts.set(mainHold(d), (counts.get(mainHold(d)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
