// The readiness run (docs/readiness.md): the lease holder judges every group's readiness every
// `policy.readiness.intervalMinutes`, beside its tick and never awaited by it, from what the tick
// already read (the agreement view, the lever views, the incidents) plus one store read (the last
// reports and drills). Each report is written to the store for every observer's status; a group
// that turns not ready, or ready again, is said as an event (and so alerted), and each check's
// verdict goes to telemetry. No Azure Resource Manager read of its own for the routing and the
// clusters (the ARM read budget is the lever views', ADR 23); the data stores, which the lever
// view does not keep, are read here once per run, and only while ARM's read bucket is nearly full.
import { errorText } from "../core/errors.js";
import type { Incident } from "../core/incident.js";
import { isCurrent } from "../core/liveness.js";
import type { LeverView } from "../core/levers.js";
import type {
  CheckResult,
  Readiness,
  ReadinessGroup,
  ReadinessReport,
  SeenProbe,
} from "../core/readiness.js";
import { assessReadiness, readinessChange, readinessLine } from "../core/readiness.js";
import type { StoreRead } from "../core/readiness-data.js";
import { PRACTICE_BY, practiceRecord } from "../core/practice.js";
import { isOpen } from "../core/incident.js";
import type { GroupConfig } from "../config/schema.js";
import type { DrillRecord, ReadinessRows } from "../ports/readiness-store.js";
import { lastFiring, parseCron } from "../core/cron.js";
import type { RunbookState, StoreCallOptions } from "../ports/state-store.js";
import type { AgreementView, GroupEvidence } from "./agreement.js";
import type { Caller } from "./audit.js";
import { NO_LONGER_NEEDED, settleWith } from "./bounded.js";
import { emit } from "./emit.js";
import { drill } from "./planner.js";
import { noteReadiness } from "./practice.js";
import type { Runtime } from "./runtime.js";
import { telemetryOf } from "./runtime.js";
import { readData } from "./situation.js";

interface ReadinessMemory {
  running?: Promise<void>;
  /** When this process last began a run (its clock); a new holder runs once the levers are read. */
  lastRunAt?: number;
  /** Since when a due run has waited for the first lever reads. */
  waitingSince?: number;
}

const memories = new WeakMap<Runtime, ReadinessMemory>();

function memoryOf(rt: Runtime): ReadinessMemory {
  let memory = memories.get(rt);
  if (!memory) memories.set(rt, (memory = {}));
  return memory;
}

/** Starts a readiness run when one is due and none is running; never waits for it. */
export function startReadiness(
  rt: Runtime,
  epoch: number,
  view: AgreementView,
  state: RunbookState,
): void {
  const memory = memoryOf(rt);
  const now = rt.clock.now();
  const every = rt.config.policy.readiness.intervalMinutes * 60_000;
  if (memory.running || (memory.lastRunAt !== undefined && now - memory.lastRunAt < every)) return;
  // A new holder's first run waits for the first lever reads (its first ticks), up to an interval:
  // a run on no view would only say unknown, and the next comes an interval later.
  const unread = rt.config.groups.some(
    (g) => (g.traffic || g.regions.some((r) => r.cluster)) && !state.leverViews[g.name],
  );
  if (unread && now - (memory.waitingSince ??= now) < every) return;
  memory.waitingSince = undefined;
  memory.lastRunAt = now;
  memory.running = runReadiness(rt, epoch, view, state)
    .catch((error: unknown) =>
      rt.log.warn(`readiness: the run failed (the next one tries again): ${errorText(error)}`),
    )
    .finally(() => {
      memory.running = undefined;
    });
}

/** Waits for the readiness run in progress, if any (hosts, the simulator and tests). */
export async function readinessSettled(rt: Runtime): Promise<void> {
  await memoryOf(rt).running;
}

async function runReadiness(
  rt: Runtime,
  epoch: number,
  view: AgreementView,
  state: RunbookState,
): Promise<void> {
  const call = { abortSignal: AbortSignal.timeout(30_000) };
  let stored = await rt.store.readReadiness(call);
  if (await practiceDrills(rt, epoch, stored)) stored = await rt.store.readReadiness(call);
  const operation = `${rt.instance}:readiness:${epoch}`;
  for (const evidence of view.groups) {
    const group = evidence.group;
    const previous = stored.reports[group.name];
    // While traffic is being moved, or a practice holds it on the standby for its dwell, the
    // standby is not standing by: judged now it would read as lost (and be told) by design. The
    // group keeps its last report until the move is over (ADR 32).
    const incidents = (state.incidents[group.name] ?? []).map((s) => s.incident);
    if (incidents.some(isOpen) || practiceRecord(incidents)?.outcome === "running") continue;
    // A run that outlived the lease spends no ARM read on its stores.
    if (rt.memory.said.leader?.epoch !== epoch) return;
    const data = group.data ? await readStores(rt, group) : undefined;
    const report = assessReadiness({
      group: readinessGroup(group),
      now: rt.clock.now(),
      ...withView(state.leverViews[group.name]),
      probes: seenProbes(view, evidence),
      wokenAt: wokenAt(incidents),
      ...withDrill(stored.drills[group.name]),
      coldStartWithinDays: rt.config.policy.readiness.coldStartWithinDays,
      ...(previous ? { previous } : {}),
      ...(data ? { data } : {}),
    });
    // Only the holder of this epoch writes and tells: a run that outlived the lease says nothing.
    if (rt.memory.said.leader?.epoch !== epoch) return;
    await rt.store.writeReadiness(report, call);
    noteReadiness(rt, group.name, report.verdict === "ready");
    tellReadiness(rt, operation, epoch, previous, report);
  }
}

/** Who the scheduled drills are audited as. */
const PRACTICE: Caller = { name: PRACTICE_BY, via: "schedule" };

/**
 * Runs the dry-run drill of every group whose practice schedule fired since its last drill (or
 * its last readiness run): each records its prediction for the `recovery-time` check. Says
 * whether any ran.
 */
async function practiceDrills(rt: Runtime, epoch: number, stored: ReadinessRows): Promise<boolean> {
  const schedule = rt.config.policy.practice.drill;
  const cron = schedule === undefined ? undefined : parseCron(schedule);
  if (cron === undefined || typeof cron === "string") return false;
  const now = rt.clock.now();
  const every = rt.config.policy.readiness.intervalMinutes * 60_000;
  let ran = false;
  for (const group of rt.config.groups) {
    const after = Math.max(
      stored.drills[group.name]?.at ?? -Infinity,
      stored.reports[group.name]?.at ?? now - every,
    );
    const fired = lastFiring(cron, after, now);
    if (fired === undefined || rt.memory.said.leader?.epoch !== epoch) continue;
    const outcome = await drill(
      rt,
      PRACTICE,
      group.name,
      `scheduled practice drill (policy.practice.drill "${schedule}", due ${new Date(fired).toISOString()})`,
    );
    if (outcome.kind !== "done")
      rt.log.warn(
        `${group.name}: the scheduled practice drill did not run: ${"message" in outcome ? outcome.message : outcome.kind}`,
      );
    ran = true;
  }
  return ran;
}

function tellReadiness(
  rt: Runtime,
  operation: string,
  epoch: number,
  previous: ReadinessReport | undefined,
  report: ReadinessReport,
): void {
  const telemetry = telemetryOf(rt);
  for (const check of report.checks)
    if (check.verdict !== "unknown")
      telemetry.metric("tandem.readiness", check.verdict === "ready" ? 1 : 0, {
        group: report.group,
        check: check.check,
        ...(check.region ? { region: check.region } : {}),
        ...(check.store ? { store: check.store } : {}),
      });
  if (report.verdict !== "unknown")
    telemetry.metric("tandem.readiness", report.verdict === "ready" ? 1 : 0, {
      group: report.group,
      check: "all",
    });
  const change = readinessChange(previous, report);
  if (!change) return;
  emit(
    rt,
    operation,
    {
      type: change === "lost" ? "readiness.lost" : "readiness.regained",
      group: report.group,
      checks: report.checks.filter((c) => c.verdict === "not-ready").map((c) => c.check),
      summary: readinessLine(report),
      since: report.at,
    },
    epoch,
  );
}

/**
 * ARM reads left in its bucket below which a run reads no data store: what one tick of failovers
 * may spend (orchestrate-tick.ts, READS_PER_TICK). The bucket holds 250 and refills 25 a second
 * (learn.microsoft.com, "Understand how Azure Resource Manager throttles requests"): readiness,
 * a slow signal, reads only while nothing else is pressing on it.
 */
const DATA_READ_RESERVE = 200;
/** Longest a group's data stores may take to answer a readiness run (the runtime's clock). */
const DATA_READ_MS = 30_000;

/**
 * What the data lever says of each of the group's stores, read side by side for this run (the
 * lever view does not keep them: the runbook's data step decides on its own reads). A store the
 * run does not read (no lever covers it, ARM asked to wait or its bucket is low, no answer in
 * time) or whose read fails is given the reason: its check is unknown, never failed.
 */
async function readStores(rt: Runtime, group: GroupConfig): Promise<Record<string, StoreRead>> {
  const names = (group.data ?? []).map((d) => d.name);
  const lever = rt.levers.data;
  const now = rt.clock.now();
  const throttled = rt.levers.armBudget?.throttledUntil();
  const remaining = rt.levers.armBudget?.remainingReads();
  const skip = !lever
    ? "no data lever is configured"
    : throttled !== undefined && throttled > now
      ? `Azure Resource Manager asked to wait until ${new Date(throttled).toISOString()}`
      : remaining !== undefined && remaining < DATA_READ_RESERVE + names.length
        ? `Azure Resource Manager's read budget is low (${remaining} left): left for the failovers`
        : undefined;
  const out: Record<string, StoreRead> = {};
  for (const name of names)
    out[name] = {
      problem:
        skip ?? (lever?.covers(group.name, name) ? "no answer in time" : "no data lever covers it"),
    };
  if (skip) return out;
  const controller = new AbortController();
  let late = false;
  // With each copy's replication lag, for the check against rpoSeconds (more reads: readiness only).
  const read = readData(
    lever,
    group.name,
    names,
    { abortSignal: controller.signal, lag: true },
    (store, error) => {
      if (!late) out[store] = { problem: errorText(error) };
    },
  );
  const settled = await settleWith(rt, read, now + DATA_READ_MS, controller);
  late = true;
  if (!settled.done) controller.abort(NO_LONGER_NEEDED);
  for (const [store, state] of Object.entries(settled.done ? settled.value : {}))
    out[store] = { state };
  return out;
}

const withView = (view: LeverView | undefined) => (view ? { view } : {});
const withDrill = (drill: DrillRecord | undefined) =>
  drill
    ? { drill: { at: drill.at, expectedSeconds: drill.expectedSeconds, outcome: drill.outcome } }
    : {};

/** What the checks need of a group's configuration. */
function readinessGroup(group: GroupConfig): ReadinessGroup {
  return {
    name: group.name,
    model: group.model,
    traffic: group.traffic !== undefined,
    ...(group.rtoSeconds === undefined ? {} : { rtoSeconds: group.rtoSeconds }),
    ...(group.rpoSeconds === undefined ? {} : { rpoSeconds: group.rpoSeconds }),
    ...(group.data
      ? { data: group.data.map((d) => ({ name: d.name, kind: d.kind, settings: d })) }
      : {}),
    regions: group.regions.map((r) => {
      const warning = r.probe["certificateWarningDays"];
      return {
        name: r.name,
        role: r.role,
        traffic: r.traffic !== undefined,
        ...(r.cluster ? { cluster: { nodePools: r.cluster.nodePools } } : {}),
        ...(r.probe.url.startsWith("https:") && typeof warning === "number"
          ? { certificateWarningDays: warning }
          : {}),
      };
    }),
  };
}

/** Per region, the latest observation of each usable observer from its current tick. */
function seenProbes(view: AgreementView, group: GroupEvidence): Record<string, SeenProbe[]> {
  const usable = new Map(
    view.observers
      .filter((o) => o.liveness !== "stale" && o.heartbeat && !o.heartbeat.impaired)
      .map((o) => [o.name, o.heartbeat!]),
  );
  const out: Record<string, SeenProbe[]> = {};
  for (const o of group.observations) {
    if (!usable.has(o.observer) || !isCurrent(o, usable.get(o.observer))) continue;
    (out[o.target] ??= []).push({
      observer: o.observer,
      ok: o.ok,
      ...(o.certificateDaysLeft === undefined
        ? {}
        : { certificateDaysLeft: o.certificateDaysLeft }),
      ...(o.error ? { error: o.error.kind } : {}),
    });
  }
  return out;
}

/**
 * Per region, when an incident last woke its cluster successfully: the step after waking
 * (`waiting-ready`) is taken only once the cluster runs with its pools scaled.
 */
function wokenAt(incidents: readonly Incident[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const incident of incidents) {
    const region = incident.wake?.region;
    if (!region) continue;
    const ran = incident.history.find((h) => h.step === "waiting-ready");
    if (ran && ran.at > (out[region] ?? 0)) out[region] = ran.at;
  }
  return out;
}

/** A group's readiness as `GET /api/status` and `tandem readiness` show it. */
export interface ReadinessView {
  readonly verdict: Readiness;
  /** "ready", or what is not, in one line. */
  readonly line: string;
  /** When the lease holder ran the checks, and how old that is by this process's clock. */
  readonly at: string;
  readonly ageSeconds: number;
  readonly primary: string | null;
  readonly standbys: readonly string[];
  readonly checks: readonly CheckResult[];
}

/**
 * Every group's latest readiness, by group. Readiness is not worth a failed status: when its rows
 * cannot be read, the status shows none (and the log says why).
 */
export async function readReadinessViews(
  rt: Runtime,
  call: StoreCallOptions,
): Promise<Record<string, ReadinessView>> {
  let reports: Readonly<Record<string, ReadinessReport>>;
  try {
    reports = (await rt.store.readReadiness(call)).reports;
  } catch (error) {
    rt.log.warn(`status: the readiness reports could not be read: ${errorText(error)}`);
    return {};
  }
  const now = rt.clock.now();
  const out: Record<string, ReadinessView> = {};
  for (const [group, report] of Object.entries(reports))
    out[group] = {
      verdict: report.verdict,
      line: readinessLine(report),
      at: new Date(report.at).toISOString(),
      ageSeconds: Math.max(0, Math.round((now - report.at) / 1000)),
      primary: report.primary ?? null,
      standbys: report.standbys,
      checks: report.checks,
    };
  return out;
}
