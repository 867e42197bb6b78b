// The data invariants of a simulated run, checked from what was recorded (the stores' log of
// failover calls and reads, the asks the incidents recorded, the kept verdicts, the incidents and
// the alerts delivered), never by polling (docs/data.md, Safety):
// - no forced failover of a store without allowDataLoss, none in a practice, and none while the
//   primary's copy answered both when it was asked and at the asking process's last read of it;
// - per incident and store, one failover call, and another only after one the store refused for
//   sure (a definite 4xx: refusedForSure), which had ended before it; every call has its ask on
//   record before it;
// - no failover call (one that reached the store) to a region the kept verdicts did not hold
//   healthy when it was made (unless its ask was a person's override): an ask on record that the
//   lease holder refused before sending, the target's kept verdict having changed since its tick
//   began, moved nothing. A woken cold standby is kept `recovering` through the dwell
//   time after every observer passed it (the dwell is failback's guard against flapping, and
//   traffic goes there without it): there, `recovering` in its dwell counts as healthy, and
//   `recovering` below the success threshold does not;
// - at the end of the quiet period each store's primary is where traffic is, or where the last
//   incident meant to move the data put it with an automatic failback under `failback: manual`
//   since, or a person was told about that store in that incident, or in the last incident that
//   asked the store to move (`data.refused`, `data.stranded`, or a data timeout in the
//   incident's history).
import type { Incident } from "../../src/core/index.js";
import type { DataCall, DataRead, DataSetup } from "./data-model.js";

/** An ask as an incident recorded it, seen in the store write that recorded it (virtual ms). */
export interface AskRecord {
  readonly at: number;
  readonly by: string;
  readonly incident: string;
  readonly store: string;
  readonly region: string;
  readonly mode: string;
  readonly trigger: string;
  readonly override: boolean;
}

/** The kept verdicts as a holder wrote them (virtual ms). */
export interface KeptRecord {
  readonly at: number;
  readonly states: Readonly<
    Record<string, { readonly verdict: string; readonly recoveringSince?: number } | undefined>
  >;
}

export interface DataHistory {
  readonly setup: DataSetup;
  readonly calls: readonly DataCall[];
  readonly reads: readonly DataRead[];
  readonly asks: readonly AskRecord[];
  readonly kept: readonly KeptRecord[];
  /** The group's incidents in the order they were first seen. */
  readonly incidents: readonly Incident[];
  /** Keys of the alerts delivered. */
  readonly delivered: ReadonlySet<string>;
  /** Each store's primary at the end, and the traffic's. */
  readonly primaries: Readonly<Record<string, string | undefined>>;
  readonly traffic: string | undefined;
}

/** What the run's data step did, for the sweep's check that it was exercised. */
export interface DataTally {
  readonly asked: number;
  readonly planned: number;
  readonly forced: number;
  /** Failovers the store refused for sure, and asked again after. */
  readonly refusedByStore: number;
  readonly refusedByTandem: number;
  readonly stranded: number;
  /** Calls that may have reached Azure (no answer, 5xx, 429...): never asked again. */
  readonly unknown: number;
}

export const NO_DATA: DataTally = {
  asked: 0,
  planned: 0,
  forced: 0,
  refusedByStore: 0,
  refusedByTandem: 0,
  stranded: 0,
  unknown: 0,
};

export function addData(a: DataTally, b: DataTally): DataTally {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof DataTally)[]) out[key] += b[key];
  return out;
}

const s = (ms: number) => `${Math.round(ms / 1000)} s`;

/** Whether a person was told about `store` in `incident`. */
function told(h: DataHistory, incident: Incident, store: string): boolean {
  const prefix = `data:${incident.group}|${incident.id}|${store}|`;
  const alerted = [...h.delivered].some(
    (k) => k.startsWith(`${prefix}data.refused`) || k.startsWith(`${prefix}data.stranded`),
  );
  const timedOut = incident.history.some((l) =>
    new RegExp(`${store} did not make \\S+ its primary within`).test(l.note),
  );
  return alerted || timedOut;
}

/** Whether an incident moves the group's data (as src/core/runbook-data-steps.ts decides). */
const movesData = (h: DataHistory, i: Incident) =>
  i.shift.kind === "promote" &&
  (i.kind === "failover" || i.trigger !== "automatic" || h.setup.failback === "with-traffic");

function forcedChecks(h: DataHistory, call: DataCall, ask: AskRecord | undefined): string[] {
  if (call.mode !== "forced") return [];
  const out: string[] = [];
  const store = h.setup.stores.find((x) => x.name === call.store);
  if (!store?.allowDataLoss)
    out.push(
      `a forced failover of ${call.store} at ${s(call.from)}, which does not allow data loss`,
    );
  if (ask?.trigger === "practice")
    out.push(`a forced failover of ${call.store} at ${s(call.from)} in practice ${ask.incident}`);
  const read = h.reads.findLast(
    (r) => r.by === call.by && r.store === call.store && r.at <= call.from,
  );
  if (call.primaryReachable && (read === undefined || read.primaryReachable))
    out.push(
      `a forced failover of ${call.store} at ${s(call.from)} while its primary's copy in ${call.primary} answered (and ${read ? `at its last read, at ${s(read.at)}` : "no read of it came before"})`,
    );
  return out;
}

/** Per incident and store: one call; another only after one refused for sure, ended before it. */
function onceChecks(h: DataHistory, askOf: Map<DataCall, AskRecord>): string[] {
  const out: string[] = [];
  const byAsk = new Map<string, DataCall[]>();
  for (const call of h.calls) {
    const ask = askOf.get(call);
    if (!ask) {
      out.push(
        `a failover of ${call.store} to ${call.region} at ${s(call.from)} by ${call.by} with no ask on record before it`,
      );
      continue;
    }
    const key = `${ask.incident}|${call.store}`;
    byAsk.set(key, [...(byAsk.get(key) ?? []), call]);
  }
  for (const [key, calls] of byAsk)
    calls.forEach((call, i) => {
      const before = calls[i - 1];
      if (!before) return;
      const ended = before.to !== undefined && before.to <= call.from;
      if (!ended || before.outcome !== "refused")
        out.push(
          `${key.replace("|", ": ")} asked again at ${s(call.from)} after a call at ${s(before.from)} that ${ended ? `ended ${before.outcome} (${before.error ?? "no error"})` : "was still being made"}`,
        );
    });
  return out;
}

function healthyTargetChecks(h: DataHistory): string[] {
  return h.calls.flatMap((call) => {
    const ask = h.asks.findLast(
      (a) => a.store === call.store && a.region === call.region && a.at <= call.from,
    );
    if (ask?.override) return [];
    const kept = h.kept.findLast((k) => k.at <= call.from)?.states[call.region];
    const dwelling = kept?.verdict === "recovering" && kept.recoveringSince !== undefined;
    return kept?.verdict === "healthy" || dwelling
      ? []
      : [
          `${ask?.incident ?? "no incident"}: ${call.store} asked to move to ${call.region}, sent at ${s(call.from)} while the kept verdict was ${kept?.verdict ?? "none"}`,
        ];
  });
}

function endChecks(h: DataHistory): string[] {
  const out: string[] = [];
  const last = h.incidents.findLast((i) => movesData(h, i));
  const after = last ? h.incidents.slice(h.incidents.indexOf(last) + 1) : h.incidents;
  const onlyManualFailbacks = after.every((i) => !movesData(h, i));
  for (const { name } of h.setup.stores) {
    const primary = h.primaries[name];
    if (primary === h.traffic) continue;
    if (last && told(h, last, name)) continue;
    // An earlier incident may have moved the store and paged (aborted after its ask: stranded);
    // a later one found it already in its target, and ended without moving traffic.
    const asked = h.asks.findLast((a) => a.store === name);
    const asker = asked && h.incidents.find((i) => i.id === asked.incident);
    if (asker && told(h, asker, name)) continue;
    if (last && primary === last.to && onlyManualFailbacks && last.step === "completed") continue;
    out.push(
      `after the quiet period ${name}'s primary is ${primary} and traffic's ${h.traffic}, ${last ? `and incident ${last.id} (${last.kind}, ${last.step}, to ${last.to}) told no one about it` : "with no incident that moved data"}`,
    );
  }
  return out;
}

/** The data invariants; and what the run's data step did. */
export function checkData(h: DataHistory): { violations: string[]; tally: DataTally } {
  // Each call belongs to the latest ask its process recorded for the store before it.
  const askOf = new Map<DataCall, AskRecord>();
  for (const call of h.calls) {
    const ask = h.asks.findLast(
      (a) => a.by === call.by && a.store === call.store && a.at <= call.from,
    );
    if (ask && ask.region === call.region && ask.mode === call.mode) askOf.set(call, ask);
  }
  const violations = [
    ...h.calls.flatMap((call) => forcedChecks(h, call, askOf.get(call))),
    ...onceChecks(h, askOf),
    ...healthyTargetChecks(h),
    ...endChecks(h),
  ];
  const keys = [...h.delivered];
  const tally: DataTally = {
    asked: h.calls.length,
    planned: h.calls.filter((c) => c.outcome === "ok" && c.mode === "planned").length,
    forced: h.calls.filter((c) => c.outcome === "ok" && c.mode === "forced").length,
    refusedByStore: h.calls.filter((c) => c.outcome === "refused").length,
    refusedByTandem: keys.filter((k) => k.startsWith("data:") && k.includes("|data.refused"))
      .length,
    stranded: keys.filter((k) => k.startsWith("data:") && k.includes("|data.stranded")).length,
    unknown: h.calls.filter((c) => c.outcome === "unknown").length,
  };
  return { violations, tally };
}
