// The failover invariant under a slow control plane: every outage of the primary whose standby is
// healthy, while the lease holder can act (the store reachable, a live quorum, no holder lost),
// ends with traffic routed to the standby within the step timeout plus the time the lever itself
// took, and with exactly one failover incident for it: none failed, none opened again. The
// lever's time comes from the recorded calls: each call in flight, and after a call that failed
// the wait until the same process's next call (no longer than its Retry-After or the runbook's
// longest backoff). The runbook's steps before the traffic step are taken in the tick that decides
// (nothing is left to wait for), so no tick is allowed for them; each of the holder's ticks that
// lost a store call (random store errors) is, and a cold standby first gets the time its cluster
// took to run and its probes to pass.
import type { RoutingState } from "../../src/core/levers.js";
import { topRegions } from "../../src/core/levers.js";
import type { ArmCall } from "./arm-model.js";
import { leverTimeWithin } from "./arm-model.js";
import type { Faults } from "./simulate.js";
import { concurrentFaults } from "./detection.js";

/** Faults that leave the holder able to act and the standby healthy: the check still applies. */
const BENIGN = /^(store-errors|clock-skew|arm-)/;

export interface RouteRecord {
  readonly model: string;
  /** Outage start (virtual ms). */
  readonly outageFrom: number;
  /** Why the invariant does not apply to this outage (absent: it does). */
  readonly excused?: string;
  /** Outage start to the kept `down` verdict. */
  readonly detectedMs?: number;
  /** Outage start to traffic routed to the standby (for good, while the outage lasted). */
  readonly routedMs?: number;
  /** Between detection and routing (or the check's end): the lever's own time. */
  readonly leverMs: number;
  /** A cold standby's wake: detection until it ran and its probes could pass. */
  readonly wakeMs: number;
  /** The holder's ticks between detection and routing that lost a store call. */
  readonly storeLostTicks?: number;
  /** What the failover met on its way (see `causesOf`). */
  readonly met: readonly string[];
}

export interface RouteInput {
  readonly model: string;
  readonly primary: string;
  readonly standby: string;
  readonly outage: { readonly from: number; readonly to: number };
  /** When the faults stopped (the quiet period's start): the outage ends there at the latest. */
  readonly faultsEnd: number;
  readonly detectedAt?: number;
  readonly routings: readonly { readonly at: number; readonly state: RoutingState }[];
  /** Failover incidents: when each was first seen, how it ended, and when (virtual ms). */
  readonly incidents: readonly { id: string; firstSeen: number; step: string; endedAt?: number }[];
  readonly calls: readonly ArmCall[];
  /** The holder's ticks in which a store call failed: a tick the runbook could not count on. */
  readonly storeLostTicks: readonly number[];
  readonly faults: Faults;
  readonly holderCrashes: readonly number[];
  /** When the cold standby could first serve (virtual ms); undefined for a warm one. */
  readonly coldReadyAt?: number;
  readonly cold: boolean;
  /** Each incident's time in the data step (virtual ms; `to` absent while it lasted). */
  readonly dataSpans?: readonly { readonly from: number; readonly to?: number }[];
  readonly policy: {
    readonly stepTimeoutMs: number;
    readonly wakeTimeoutMs: number;
    readonly intervalMs: number;
    readonly successThreshold: number;
    readonly staleMs: number;
    readonly dataTimeoutMs?: number;
  };
}

const routedTo = (state: RoutingState, primary: string, standby: string) => {
  const top = topRegions(state);
  return top.includes(standby) && !top.includes(primary);
};

/** The first `t` from `from` at which time not spent on the lever since `from` reaches `budget`. */
function dueAt(calls: readonly ArmCall[], from: number, budget: number, limit: number): number {
  let [lo, hi] = [from + budget, limit];
  if (hi - leverTimeWithin(calls, from, hi) - from < budget) return Infinity;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid - leverTimeWithin(calls, from, mid) - from >= budget) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** What the failover met between `from` and `to`, one tag each. */
function causesOf(input: RouteInput, from: number, to: number): string[] {
  const met = new Set<string>();
  const inWindow = input.calls.filter((c) => c.from < to && (c.to ?? Infinity) > from);
  const overlaps = (w: { from: number; to: number }) => w.from < to && w.to > from;
  if (input.faults.arm?.throttle.some(overlaps)) met.add("429 burst");
  if (input.faults.arm?.errors.some(overlaps)) met.add("500 burst");
  for (const c of inWindow) {
    if (c.outcome === "timeout") met.add("a call past the client's timeout");
    if (c.outcome === "fenced") met.add("a call cut by the fence");
    if (c.outcome === "error") met.add("a lever error");
    if ((c.to ?? to) - c.from > 10_000) met.add("a call slower than 10 s");
    if (c.appliedAt !== undefined && c.to !== undefined && c.appliedAt > c.to)
      met.add("a write made after its client gave up");
  }
  return [...met].sort();
}

/**
 * The data step's time before traffic moved (data first: `before-traffic`), each incident's no
 * longer than the data timeout and one tick: the step waits for Azure to change the primary, and
 * past its timeout it lets traffic go anyway.
 */
function dataStepMs(input: RouteInput, until: number): number {
  const cap = (input.policy.dataTimeoutMs ?? 0) + input.policy.intervalMs;
  return (input.dataSpans ?? [])
    .map((span) => Math.min(span.to ?? until, until) - Math.max(span.from, input.outage.from))
    .filter((ms) => ms > 0)
    .reduce((sum, ms) => sum + Math.min(ms, cap), 0);
}

/** Checks one outage of the primary; returns its record and a violation, if any. */
export function checkRoute(input: RouteInput): { record: RouteRecord; violation?: string } {
  const { outage, primary, standby, policy } = input;
  const end = Math.min(outage.to, input.faultsEnd);
  const base = { model: input.model, outageFrom: outage.from, leverMs: 0, wakeMs: 0, met: [] };
  const excuse = (why: string) => ({ record: { ...base, excused: why } });
  const routingAt = (t: number) => input.routings.findLast((r) => r.at <= t)!.state;
  if (!topRegions(routingAt(outage.from)).includes(primary))
    return excuse("traffic was not on the primary when it went down");
  const routed = input.routings.find(
    (r) => r.at >= outage.from && r.at < end && routedTo(r.state, primary, standby),
  )?.at;
  // The holder must be able to act until traffic has moved and the incident has ended (its
  // verification too, or a fault after the shift could still fail it).
  const ours = input.incidents.filter((i) => i.firstSeen >= outage.from && i.firstSeen < end);
  const watchUntil = Math.min(end, Math.max(routed ?? end, ...ours.map((i) => i.endedAt ?? end)));
  const disturbing = concurrentFaults(
    input.faults,
    [primary, standby],
    { from: outage.from, to: watchUntil, staleMs: policy.staleMs },
    input.holderCrashes,
  ).filter((f) => !BENIGN.test(f));
  if (disturbing.length > 0) return excuse(disturbing.join(", "));

  const detectedAt = input.detectedAt;
  if (detectedAt === undefined) {
    const long = end - outage.from > 2 * 60_000;
    return long
      ? {
          record: { ...base, excused: "not detected" },
          violation: `the primary's outage at ${Math.round(outage.from / 1000)} s was never detected, with nothing to hold it back`,
        }
      : excuse("ended before it was detected");
  }
  // A cold standby first runs, then its probes pass; the step timeout starts from there.
  const wakeMs = input.cold
    ? Math.max(0, (input.coldReadyAt ?? detectedAt + policy.wakeTimeoutMs) - detectedAt) +
      (policy.successThreshold + 1) * policy.intervalMs
    : 0;
  // The steps before the one that moves traffic (detected, confirmed) are taken in the tick that
  // keeps the verdict: the traffic step's timeout, besides the lever's own time, from there.
  // A holder tick that lost a store call may have lost its step ("no step without a record"):
  // random store errors cost a tick each.
  const stepFrom = detectedAt + wakeMs;
  const lost = input.storeLostTicks.filter((t) => t >= detectedAt && t < (routed ?? end)).length;
  const budget = lost * policy.intervalMs + policy.stepTimeoutMs + dataStepMs(input, routed ?? end);
  const due = dueAt(input.calls, stepFrom, budget, input.faultsEnd);
  const until = Math.min(routed ?? Infinity, due, end);
  const leverMs = until > stepFrom ? leverTimeWithin(input.calls, stepFrom, until) : 0;
  const record: RouteRecord = {
    ...base,
    storeLostTicks: lost,
    detectedMs: detectedAt - outage.from,
    ...(routed !== undefined ? { routedMs: routed - outage.from } : {}),
    leverMs,
    wakeMs,
    met: causesOf(input, detectedAt, until),
  };
  const at = (t: number) => `${Math.round(t / 1000)} s`;
  const failed = ours.filter((i) => i.step === "failed");
  if (failed.length > 0)
    return {
      record,
      violation: `failover incident ${failed.map((i) => i.id).join(", ")} failed during the primary's outage at ${at(outage.from)} with a healthy standby (${ours.length} incident(s))`,
    };
  if (routed === undefined && due >= end)
    return { record: { ...record, excused: "the outage ended before the failover was due" } };
  if (routed === undefined || routed > due)
    return {
      record,
      violation: `the primary's outage at ${at(outage.from)} was detected at ${at(detectedAt)} but traffic ${routed === undefined ? "never reached" : `reached only at ${at(routed)}`} the standby: the step timeout and the lever's ${at(leverMs)} ended at ${at(due)}`,
    };
  const before = ours.filter((i) => i.firstSeen <= routed);
  if (before.length !== 1)
    return {
      record,
      violation: `${before.length} failover incidents for the primary's outage at ${at(outage.from)}: ${before.map((i) => `${i.id} (${i.step})`).join(", ")}`,
    };
  const back = input.routings.find(
    (r) => r.at > routed && r.at < end && topRegions(r.state).includes(primary),
  );
  if (back)
    return {
      record,
      violation: `traffic went back to the primary at ${at(back.at)} while its outage lasted`,
    };
  return { record };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** `median M s, p99 P s` of some durations (ms). */
export function medianP99(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return "none";
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `median ${s(percentile(sorted, 50))}, p99 ${s(percentile(sorted, 99))}, max ${s(sorted.at(-1)!)}`;
}

/** The ARM fault a slow failover met first, in this order; or none of ARM's. */
const CAUSES = [
  "429 burst",
  "500 burst",
  "a call past the client's timeout",
  "a call slower than 10 s",
  "a lever error",
] as const;

export function mainCause(r: RouteRecord): string {
  return CAUSES.find((c) => r.met.includes(c)) ?? "none of ARM's";
}

/** From when the standby could take traffic (detection, or a cold one's wake) until it had it. */
export const shiftMs = (r: RouteRecord) => r.routedMs! - r.detectedMs! - r.wakeMs;

/** The sweep's lines about failovers: time to route, and the slow ones by what they met. */
export function describeRoutes(routes: readonly RouteRecord[], slowMs: number): string[] {
  const checked = routes.filter((r) => r.excused === undefined && r.routedMs !== undefined);
  const lines = [
    `failovers with a healthy standby while the holder could act: ${checked.length} of ${routes.length} outages of the primary (the rest excused, below)`,
    `  detection:                    ${medianP99(checked.map((r) => r.detectedMs!))}`,
    `  outage to traffic routed:     ${medianP99(checked.map((r) => r.routedMs!))}`,
  ];
  for (const model of [...new Set(checked.map((r) => r.model))].sort())
    lines.push(
      `    ${model.padEnd(27)} ${medianP99(checked.filter((r) => r.model === model).map((r) => r.routedMs!))}`,
    );
  lines.push(
    `  standby ready to routed:      ${medianP99(checked.map(shiftMs))}`,
    `    of which the lever's time:  ${medianP99(checked.map((r) => r.leverMs))}`,
    `    the rest (ticks, store):    ${medianP99(checked.map((r) => shiftMs(r) - r.leverMs))}`,
  );
  const slow = checked.filter((r) => shiftMs(r) > slowMs);
  lines.push(
    `  standby ready to routed slower than ${slowMs / 1000} s: ${slow.length}, by the first ARM fault they met (lever's time / the rest, medians):`,
  );
  const byCause = new Map<string, RouteRecord[]>();
  for (const r of slow) byCause.set(mainCause(r), [...(byCause.get(mainCause(r)) ?? []), r]);
  const med = (xs: number[]) =>
    `${(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! / 1000).toFixed(0)} s`;
  for (const [cause, rs] of [...byCause].sort((a, b) => b[1].length - a[1].length))
    lines.push(
      `    ${String(rs.length).padStart(5)}  ${cause} (${med(rs.map((r) => r.leverMs))} / ${med(rs.map((r) => shiftMs(r) - r.leverMs))})`,
    );
  const excused = new Map<string, number>();
  for (const r of routes.filter((x) => x.excused !== undefined))
    for (const key of r.excused!.split(", ")) excused.set(key, (excused.get(key) ?? 0) + 1);
  lines.push(
    `  excused, by each fault that may rightly hold a failover back (one outage may have several):`,
  );
  for (const [key, n] of [...excused].sort((a, b) => b[1] - a[1]))
    lines.push(`    ${String(n).padStart(5)}  ${key}`);
  return lines;
}
