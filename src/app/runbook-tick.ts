// The lease holder's runbook step for one group: read the store (incidents, pause flags) and the
// levers it needs, ask the core what to do, persist the incident (conditionally, fenced), then
// carry out its effects (each fenced, each in the audit log). What happened is emitted as events.
//
// Azure Resource Manager is read when it matters (an open incident, a changed verdict, the slow
// reconcile), and only what the step needs; otherwise the step works from the lever view kept in
// the store. Nothing here waits for ARM past the tick's deadline: a read or an effect still
// running then goes on in the background, and the group's next step waits for it with a note.
// Never throws.
import { randomUUID } from "node:crypto";
import type { Incident } from "../core/incident.js";
import { isOpen, moveTo } from "../core/incident.js";
import type { DataState, LeverView } from "../core/levers.js";
import type {
  Effect,
  LeverFailure,
  LeverNeeds,
  Refusal,
  RunbookGroup,
  RunbookResult,
} from "../core/runbook.js";
import { leverNeeds, runbookStep } from "../core/runbook.js";
import { readDueAt, slowWait } from "../core/runbook-pace.js";
import { LEVER_ALLOWANCE_MS } from "../core/runbook-retry.js";
import { reconcileNeeds } from "../core/readiness.js";
import type { RegionEvidence, RegionState } from "../core/verdict.js";
import type { GroupConfig } from "../config/schema.js";
import type { StoreCallOptions, StoredIncident } from "../ports/state-store.js";
import { DataFailoverRefused, refusedByStore, refusedForSure } from "../ports/data-control.js";
import { errorText } from "../core/errors.js";
import type { TandemEvent } from "../core/events.js";
import { emit, incidentEvents, publish } from "./emit.js";
import { recordEvent } from "./event-audit.js";
import type { AlertRegion } from "../core/alerts.js";
import { alertRegions, boundForStorage, incidentAlerts } from "../core/alerts.js";
import { wanted } from "./alerts/setup.js";
import { eventAlert } from "../core/event-alerts.js";
import { settleBy } from "./bounded.js";
import { runFenced } from "./fence.js";
import type { Runtime } from "./runtime.js";
import { telemetryOf } from "./runtime.js";
import type { LeverRead } from "./lever-view.js";
import {
  effectPending,
  forgetReads,
  holdEffect,
  merged,
  noteFailure,
  readBackoff,
  readLeversBy,
  routingRead,
  pendingFailure,
  queueWait,
  settleFailure,
  stepLeverMs,
  tracked,
} from "./lever-view.js";
import {
  applyEffect,
  describeEffect,
  leverOf,
  tickContextOf,
  readGroupStore,
  type GroupStore,
  runbookGroup,
  runbookPolicy,
  situationOf,
  worldOf,
} from "./situation.js";
import { effectivePolicy } from "../config/policy.js";

export { runbookGroup, runbookPolicy } from "./situation.js";
export type { World } from "./situation.js";

export interface RunbookOutcome {
  readonly incident?: Incident;
  readonly refusal?: Refusal;
  readonly problems: readonly string[];
  /** What the group waits for that is expected to take a while (a cluster starting): not a problem. */
  readonly waiting?: readonly string[];
}

/** Audits and says a refusal once while it stands, not every tick. */
async function recordRefusal(
  rt: Runtime,
  group: string,
  refusal: Refusal | undefined,
  epoch: number,
  operation: string,
  anchor?: string,
): Promise<void> {
  const key = refusal ? `${refusal.rule}: ${refusal.reason}` : "";
  if (rt.memory.decisions.refusals.get(group) === key) return;
  rt.memory.decisions.refusals.set(group, key);
  if (!refusal) return;
  await recordEvent(
    rt,
    operation,
    {
      type: "automation.refused",
      group,
      rule: refusal.rule,
      reason: refusal.reason,
      ...(anchor === undefined ? {} : { anchor }),
    },
    epoch,
  );
}

/**
 * The alerts an incident's new history lines call for, to be written with it: derived from the
 * lines' events (stamped, published once the write succeeds), whose ids they carry.
 */
function alertsOf(
  rt: Runtime,
  before: Incident | undefined,
  after: Incident,
  regions: readonly AlertRegion[] | undefined,
  epoch: number,
  events: readonly TandemEvent[],
) {
  const first = before?.history.length ?? 0;
  const alerts = incidentAlerts(
    before,
    after,
    regions,
    { observer: rt.observer, epoch, at: rt.clock.now() },
    (line) => events[line - first]?.id,
  )
    // A data store's ask or refusal is written with the incident that records it, like its steps.
    .concat(events.flatMap((e) => (e.type.startsWith("data.") ? (eventAlert(e) ?? []) : [])))
    .filter((a) => wanted(rt.alerts, a))
    .map(boundForStorage);
  // The sender looks at the outbox after this tick (a refused write leaves nothing to find).
  if (alerts.length > 0) rt.memory.alerts.dirty = true;
  return alerts;
}

/**
 * The open incident the runbook advances: the oldest. An operator's command and an automatic
 * detection can each open one at the same moment (the API does not hold the lease); a younger one
 * that has taken no step is ended as superseded, so no incident is left open and unattended.
 */
async function activeIncident(
  rt: Runtime,
  group: string,
  stored: readonly StoredIncident[],
  epoch: number,
  problems: string[],
  operation: string,
): Promise<StoredIncident | undefined> {
  // By opening time, not by id: a keyed operator request's id is not time-ordered.
  const open = stored
    .filter((s) => isOpen(s.incident))
    .sort(
      (a, b) =>
        a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
    );
  const [first, ...younger] = open;
  for (const other of younger) {
    // One that has acted (a step taken, or a cluster started as it opened) is not undone here.
    if (other.incident.history.length > 1 || other.incident.startedCluster) {
      problems.push(
        `${group}: incident ${other.incident.id} is open beside ${first!.incident.id} and has taken steps: a person should look`,
      );
      continue;
    }
    const ended = moveTo(
      other.incident,
      "aborted",
      rt.clock.now(),
      epoch,
      `superseded: incident ${first!.incident.id} was already open`,
    );
    const events = incidentEvents(rt, operation, other.incident, ended, epoch);
    const written = await runFenced(
      rt,
      { name: "incident aborted", group, operation },
      (abortSignal) =>
        rt.store.writeIncident(ended, other.etag, {
          abortSignal,
          alerts: alertsOf(rt, other.incident, ended, undefined, epoch, events),
        }),
    );
    if (written.ok) for (const event of events) publish(rt, event);
  }
  return first;
}

export interface RunbookTickOptions {
  /** When the tick stops waiting for the levers (the runtime's clock). */
  readonly deadline: number;
  /** A kept verdict of the group changed this tick: read the levers now. */
  readonly verdictChanged: boolean;
  /** The group's lever view as kept in the store. */
  readonly view?: LeverView;
  /** The group's incidents and pause flags, read for every group at once; read here if absent. */
  readonly stored?: GroupStore;
  /** The tick's allowance of lever reads, shared by its groups (unlimited when absent). */
  /**
   * ARM calls this tick may still make: `first` is a quiet group's first read in this epoch,
   * `reconcile` a periodic read of a view this epoch has read.
   */
  readonly budget?: {
    take(kind: "urgent" | "first" | "reconcile" | "writes", calls: number): boolean;
  };
  readonly operation: string;
  readonly call?: StoreCallOptions;
}

/** ARM writes an effect costs at most (a Traffic Manager promotion is three PATCHes). */
const writesOf = (effects: readonly Effect[]) =>
  effects.reduce(
    (n, e) => n + (e.kind === "promote" ? 3 : e.kind === "scale" ? Math.max(1, e.pools.length) : 1),
    0,
  );

/** Reads stretch fourfold while ARM says fewer than this many reads are left. */
const LOW_READ_BUDGET = 50;

/** Whether the slow reconcile read is due for a view of this age. */
function reconcileDue(rt: Runtime, group: GroupConfig, view: LeverView | undefined, epoch: number) {
  if (!view || view.epoch !== epoch) return true;
  const now = rt.clock.now();
  const throttled = rt.levers.armBudget?.throttledUntil();
  if (throttled !== undefined && throttled > now) return false;
  if (readBackoff(rt, group.name) !== undefined) return false;
  const remaining = rt.levers.armBudget?.remainingReads();
  const stretch = remaining !== undefined && remaining < LOW_READ_BUDGET ? 4 : 1;
  return (
    now - view.readAt >= effectivePolicy(rt.config, group).leverReconcileSeconds * 1000 * stretch
  );
}

/**
 * Most steps one tick takes for a group where nothing is left to wait for: every step of the
 * longest path (pre-warmed standby: confirmed, waking, waiting-ready, shifting-traffic and its
 * change), and one more. A guard against a chain that never settles, not a pace.
 */
export const STEPS_PER_TICK = 6;

/**
 * Advances the group's runbook: one step, then the next in the same tick while a step moved the
 * incident on without an effect and before the deadline (`detected` → `confirmed` →
 * `shifting-traffic`, whose change then starts: the lever moves in the tick that decides). Each
 * step is persisted before the next is taken, exactly as across ticks: the incidents and pause
 * flags are read again between steps, and a step that needs the levers decides on this tick's
 * read when it covers what the step needs, or reads them again.
 */
export async function runbookTick(
  rt: Runtime,
  group: GroupConfig,
  evidence: readonly RegionEvidence[],
  kept: Readonly<Record<string, RegionState>>,
  entryHealthy: boolean | undefined,
  epoch: number,
  options: RunbookTickOptions,
): Promise<RunbookOutcome> {
  const problems: string[] = [];
  const waiting: string[] = [];
  const given: StepGiven = { group, evidence, kept, entryHealthy, epoch };
  let step = await runbookOnce(rt, given, options);
  for (let taken = 1; taken < STEPS_PER_TICK && step.next; taken++) {
    if (rt.clock.now() >= options.deadline) break;
    problems.push(...step.problems);
    waiting.push(...(step.waiting ?? []));
    const { read, view } = step.next;
    step = await runbookOnce(rt, given, {
      ...options,
      stored: await readGroupStore(rt, group, options.call ?? {}),
      verdictChanged: false,
      ...(view ? { view } : {}),
      ...(read ? { carried: read } : {}),
    });
  }
  const { next: _next, ...outcome } = step;
  problems.push(...outcome.problems);
  waiting.push(...(outcome.waiting ?? []));
  return { ...outcome, problems, ...(waiting.length > 0 ? { waiting } : {}) };
}

/** A step's outcome; `next` when it moved an open incident on and started no effect. */
interface StepTaken extends RunbookOutcome {
  readonly next?: {
    /** This tick's lever read and the view merged with it, for the step that follows. */
    readonly read?: LeverRead;
    readonly view?: LeverView;
  };
}

/** Whether a read answers every question a step needs answered. */
const covers = (read: LeverRead, needs: ReturnType<typeof leverNeeds>) =>
  (!needs.routing || (read.needs.routing && routingRead(read))) &&
  needs.clusters.every((r) => r in read.clusters) &&
  (needs.data ?? []).every((d) => d in (read.data ?? {}));

/** The ARM reads a step's needs cost. */
const readsOf = (needs: LeverNeeds) =>
  (needs.routing ? 1 : 0) + needs.clusters.length + (needs.data?.length ?? 0);

/** What the tick gives each step of a group. */
interface StepGiven {
  readonly group: GroupConfig;
  readonly evidence: readonly RegionEvidence[];
  readonly kept: Readonly<Record<string, RegionState>>;
  readonly entryHealthy: boolean | undefined;
  readonly epoch: number;
}

/** What a step is given and what it has learnt so far, shared by its phases in the order they run. */
interface StepScope extends StepGiven {
  readonly rt: Runtime;
  readonly rbGroup: RunbookGroup;
  readonly options: RunbookOnceOptions;
  readonly stored: GroupStore;
  /** The group's incidents, as read for this step. */
  readonly incidents: readonly StoredIncident[];
  /** The open incident the step advances. */
  readonly open: StoredIncident | undefined;
  readonly problems: string[];
  /** The group's lever view, merged with every read this step makes. */
  view: LeverView | undefined;
  /** This tick's lever read: carried from the step before, or made by this one. */
  read: LeverRead | undefined;
  /**
   * The data stores that answered a read still in flight at the deadline: the data step decides
   * on them, and waits only for the stores that have not answered.
   */
  answered?: Readonly<Record<string, DataState>>;
}

type RunbookOnceOptions = RunbookTickOptions & { readonly carried?: LeverRead };

/** A phase that ends the step early, with what the step says. */
interface Stop {
  readonly stop: StepTaken;
}

/** What the step reads of the levers this tick, and the waits on Azure it says as progress. */
interface ReadPlan {
  readonly urgent: boolean;
  /** What the step's read must answer. */
  readonly needs: LeverNeeds;
  /** The ARM reads that costs. */
  readonly reads: number;
  /** The earlier step's read in this tick, when it answers the needs. */
  readonly carried: LeverRead | undefined;
  /** When the read after a failed one may be made; undefined when none failed. */
  readonly backoff: number | undefined;
  readonly waitNote: string[];
}

async function runbookOnce(
  rt: Runtime,
  given: StepGiven,
  options: RunbookOnceOptions,
): Promise<StepTaken> {
  const s = await openStep(rt, given, options);
  if ("stop" in s) return s.stop;
  const { group } = s;
  const plan = await planRead(s);
  const waits = await readInTurn(s, plan);
  if (waits) return waits;
  // The open incident's time on ARM in its step, and a change of it that failed since.
  const failure = s.open ? pendingFailure(rt, group.name, s.open.incident) : undefined;
  const leverMs = s.open ? stepLeverMs(rt, group.name, s.open.incident) : 0;
  const result = await decide(s, plan, failure, leverMs);
  if ("stop" in result) return result.stop;
  const held = await admitChanges(s, result);
  if (held) return held;
  // A closed incident noted first (its woken cluster goes cold again), or the effects wait.
  const unnoted = result.update && (await noteClosed(s, result.update));
  if (unnoted) return unnoted;
  const recorded = await recordStep(s, result, failure);
  if ("stop" in recorded) return recorded.stop;
  const waiting = await applyEffects(s, result.effects, recorded.incident, plan.waitNote);
  return stepOutcome(s, result, recorded, waiting);
}

/**
 * The step's scope, or why it takes no step: the group has no lever, an effect of an earlier tick
 * is still running, or its incidents cannot be read. Ends a younger open incident beside the one
 * the step advances.
 */
async function openStep(
  rt: Runtime,
  given: StepGiven,
  options: RunbookOnceOptions,
): Promise<StepScope | Stop> {
  const { group, kept, epoch } = given;
  const { deadline, operation } = options;
  const problems: string[] = [];
  if (!rt.levers.router?.covers(group.name)) {
    const refusal: Refusal = {
      rule: "no-lever",
      reason: "no traffic lever is configured for this group: Tandem watches but cannot act",
    };
    if (Object.values(kept).some((s) => s.verdict === "down"))
      await recordRefusal(rt, group.name, refusal, epoch, operation);
    return { stop: { problems } };
  }

  // An effect that outlived an earlier tick: no new step until it has ended.
  const running = effectPending(rt, group.name);
  if (running && !(await settleBy(rt, running.promise, deadline)).done) {
    return {
      stop: {
        problems,
        waiting: [`${group.name}: ${running.change} is still running: the next step waits for it`],
      },
    };
  }

  const stored = options.stored ?? (await readGroupStore(rt, group, options.call ?? {}));
  problems.push(...stored.problems);
  if (!stored.incidents) return { stop: { problems } };
  const open = await activeIncident(rt, group.name, stored.incidents, epoch, problems, operation);
  return {
    ...given,
    rt,
    rbGroup: runbookGroup(group, rt.levers.dataByHand),
    options,
    stored,
    incidents: stored.incidents,
    open,
    problems,
    view: options.view,
    read: undefined,
  };
}

/** Reads the levers the step needs (`quiet`: the reconcile's) into its view; false while in flight. */
async function readNow(
  s: StepScope,
  incident: Incident | undefined,
  quiet = false,
): Promise<boolean> {
  const { rt, group, epoch } = s;
  const needs = quiet ? reconcileNeeds(s.rbGroup) : leverNeeds(s.rbGroup, incident);
  if (readsOf(needs) === 0) return true;
  const reading = () =>
    readLeversBy(
      rt,
      group,
      needs,
      s.options.deadline,
      epoch,
      () => s.view,
      (answered) => (s.answered = answered),
    );
  // Reads for an incident carry its id in telemetry.
  const read = await (incident
    ? telemetryOf(rt).within({ incident: incident.id }, reading)
    : reading());
  s.read = read;
  if (!read) return false;
  s.view = merged(s.view, read, epoch);
  s.problems.push(...read.problems);
  return true;
}

/**
 * What the step reads: urgently for an open incident, a verdict that changed, or a region down
 * with no incident while the view cannot say where traffic goes (never read, or its last read
 * failed): the runbook cannot act or refuse without it, so it is read every tick (after a failed
 * read, with backoff) rather than at the slow reconcile.
 */
async function planRead(s: StepScope): Promise<ReadPlan> {
  const { rt, group, open, options, view } = s;
  const blind =
    open === undefined &&
    Object.values(s.kept).some((r) => r.verdict === "down") &&
    (view?.routing === undefined || view.failedAt !== undefined);
  const urgent = open !== undefined || options.verdictChanged || blind;
  const needs = urgent ? leverNeeds(s.rbGroup, open?.incident) : reconcileNeeds(s.rbGroup);
  const reads = readsOf(needs);
  // A step that follows another in this tick decides on the read this tick made, if it covers
  // what the step needs (no change has been made since: a step with an effect ends the chain).
  const carried = options.carried && covers(options.carried, needs) ? options.carried : undefined;
  if (carried) s.read = carried;
  let backoff = urgent && !carried ? readBackoff(rt, group.name) : undefined;
  // A wait ARM's failure called for (a failed read's backoff or Retry-After, a failed change's
  // retry) that ends before the tick stops waiting for the levers is waited out here: the next
  // tick would come up to an interval later than ARM asked, on every try of a long 429 burst.
  const retryAt = open?.incident.retryAt;
  const resumeAt = Math.max(backoff ?? -Infinity, retryAt ?? -Infinity);
  if (urgent && resumeAt > rt.clock.now() && resumeAt < options.deadline) {
    await rt.clock.sleep(resumeAt - rt.clock.now(), options.call?.abortSignal);
    backoff = readBackoff(rt, group.name);
  }
  // Waiting on Azure is progress, not a problem: the failed read itself was said when it failed.
  const waitNote: string[] = [];
  if (backoff !== undefined)
    waitNote.push(
      `${group.name}: the last lever read failed: the next one waits ${Math.ceil((backoff - rt.clock.now()) / 1000)} s`,
    );
  return { urgent, needs, reads, carried, backoff, waitNote };
}

/**
 * Makes the step's read if its turn has come (ARM's budget, the pace of a slow wait), or says
 * why the open incident waits for it: the step ends there, or decides without the read.
 */
async function readInTurn(s: StepScope, plan: ReadPlan): Promise<StepTaken | undefined> {
  const { rt, group, open, options, view, epoch } = s;
  const { urgent, carried, backoff, reads } = plan;
  // A step that waits on something slow (a cluster starting) reads again when due (see
  // runbook-pace.ts), or sooner with reads no step that could move on wanted: the holder offers
  // it the tick's reads after every other incident's. Not after a verdict changed.
  const dueAt =
    open && !options.verdictChanged && !carried
      ? readDueAt(
          open.incident,
          view,
          epoch,
          rt.config.policy.intervalSeconds * 1000,
          runbookPolicy(rt, group),
        )
      : undefined;
  const paced = dueAt !== undefined && dueAt > rt.clock.now();
  const due =
    carried === undefined &&
    backoff === undefined &&
    (urgent
      ? (options.budget?.take("urgent", reads) ?? true)
      : reconcileDue(rt, group, view, epoch) &&
        (options.budget?.take(view?.epoch === epoch ? "reconcile" : "first", reads) ?? true));
  // A step with no read this tick takes no step in its first LEVER_ALLOWANCE_MS; past that it is
  // decided every tick, read or not, so that its wall-time ceiling (runbook-retry.ts) ends it
  // even if its turn never came.
  const mayWait =
    open !== undefined && rt.clock.now() - open.incident.stepStartedAt < LEVER_ALLOWANCE_MS;
  if (open && paced && !due && mayWait)
    return {
      incident: open.incident,
      problems: s.problems,
      waiting: [
        `${group.name}: incident ${open.incident.id} waits at ${open.incident.step} (${slowWait(open.incident, view!)}): its levers are read again within ${Math.ceil((dueAt - rt.clock.now()) / 1000)} s`,
      ],
    };
  const withheld = !paced && urgent && !carried && backoff === undefined && !due;
  // A read this process withheld is its own queue's time, not the step's (ADR 0028); and the
  // step, which can decide nothing without it, waits for its turn unless a verdict changed.
  if (open) queueWait(rt, group.name, withheld);
  if (open && withheld && !options.verdictChanged && mayWait)
    return {
      incident: open.incident,
      problems: s.problems,
      waiting: [
        `${group.name}: incident ${open.incident.id} waits its turn for a lever read (the incidents opened before it go first)`,
      ],
    };
  if (withheld)
    s.problems.push(`${group.name}: too many groups read their levers this tick: this one waits`);
  if (due && !(await readNow(s, open?.incident, !urgent)) && open) {
    const out = (plan.needs.data ?? []).filter((d) => !(d in (s.answered ?? {})));
    plan.waitNote.push(
      s.answered && Object.keys(s.answered).length > 0
        ? `${group.name}: data store ${out.join(", ")} still answering (a read in flight): incident ${open.incident.id} decides on the others`
        : `${group.name}: the levers are still answering (a read in flight): incident ${open.incident.id} waits at ${open.incident.step}`,
    );
  }
  return undefined;
}

/**
 * The view the step decides on: this tick's read where it answered. An open incident's step that
 * got no read this tick (in flight, backing off, over budget), or whose read failed, sees neither
 * the routing nor the clusters it reads: it waits, or ends when its time is up, but never decides
 * on an older view (a failed read is not a fresh one; a change reads first).
 */
function decisionView(s: StepScope, unread: boolean, needs: LeverNeeds): LeverView | undefined {
  const { view, read } = s;
  if (!view) return view;
  if (unread) {
    const { routing: _stale, ...rest } = view;
    const needed = new Set(needs.clusters);
    const fresh = read?.clusters ?? {};
    const clusters = Object.fromEntries(
      Object.entries(rest.clusters).filter(([r]) => !needed.has(r) || r in fresh),
    );
    return { ...rest, clusters: { ...clusters, ...fresh } };
  }
  if (!read || routingRead(read)) return view;
  const { routing: _stale, ...rest } = view;
  return rest;
}

/**
 * Whether every effect is a data store's failover decided on that store's answer to this tick's
 * read (one still in flight for other stores): nothing else was read, so nothing else may change.
 */
const onAnswered = (result: RunbookResult, answered: StepScope["answered"]) =>
  answered !== undefined &&
  result.effects.every((e) => e.kind === "data-failover" && e.store in answered);

/**
 * The core's step, with effects only from what the levers say now: a step with effects decided
 * on the kept view reads them first (if it may) and is decided again.
 */
async function decide(
  s: StepScope,
  plan: ReadPlan,
  failure: LeverFailure | undefined,
  leverMs: number,
): Promise<RunbookResult | Stop> {
  const { rt, group, open, epoch } = s;
  const unread =
    open !== undefined && plan.reads > 0 && (s.read === undefined || !routingRead(s.read));
  const step = (): RunbookResult =>
    runbookStep(
      s.rbGroup,
      situationOf({
        ...tickContextOf(rt, group),
        now: rt.clock.now(),
        epoch,
        kept: s.kept,
        evidence: s.evidence,
        world: worldOf(s.stored, decisionView(s, unread, plan.needs)),
        // The data step decides only on this tick's read of its stores, never on an older one:
        // the read's, or the stores that answered it by the deadline.
        ...(s.read?.data ? { data: s.read.data } : s.answered ? { data: s.answered } : {}),
        entryHealthy: s.entryHealthy,
        open: open?.incident,
        leverMs,
        ...(failure ? { failure } : {}),
      }),
      runbookPolicy(rt, group),
      `${String(rt.clock.now()).padStart(15, "0")}-${randomUUID().slice(0, 8)}`,
    );
  const result = step();
  if (result.effects.length === 0 || (s.read && !unread) || onAnswered(result, s.answered))
    return result;
  const openOnly = open ? { incident: open.incident } : {};
  // A read that failed this tick, or a backoff after one, is not retried for a change now.
  if (s.read || plan.backoff !== undefined)
    return {
      stop: {
        ...openOnly,
        problems: s.problems,
        waiting: [
          ...plan.waitNote,
          `${group.name}: the change waits for a lever read that answers`,
        ],
      },
    };
  const needs = leverNeeds(s.rbGroup, result.incident ?? open?.incident);
  const allowed = s.options.budget?.take("urgent", readsOf(needs)) ?? true;
  if (!allowed) {
    if (open) queueWait(rt, group.name, true);
    s.problems.push(`${group.name}: too many groups read their levers this tick: the step waits`);
    return { stop: { ...openOnly, problems: s.problems } };
  }
  if (!(await readNow(s, result.incident ?? open?.incident)))
    return {
      stop: {
        ...openOnly,
        problems: s.problems,
        waiting: [
          `${group.name}: the levers are still answering (a read in flight): the step waits`,
        ],
      },
    };
  return step();
}

/**
 * Says the step's refusal (the failover cap anchored on the latest failover it counts), and holds
 * its changes for the next tick when they do not fit the tick's share of ARM's write budget.
 */
async function admitChanges(s: StepScope, result: RunbookResult): Promise<StepTaken | undefined> {
  const { rt, group, open, options } = s;
  const latestFailover = s.incidents
    .filter((i) => i.incident.kind === "failover" && i.incident.trigger === "automatic")
    .map((i) => i.incident.id)
    .sort()
    .at(-1);
  await recordRefusal(rt, group.name, result.refusal, s.epoch, options.operation, latestFailover);
  if (
    result.effects.length > 0 &&
    !(options.budget?.take("writes", writesOf(result.effects)) ?? true)
  ) {
    if (open) queueWait(rt, group.name, true);
    s.problems.push(
      `${group.name}: too many lever changes this tick: this step waits for the next`,
    );
    return { ...(open ? { incident: open.incident } : {}), problems: s.problems };
  }
  return undefined;
}

/** Writes a closed incident's note (its standby returned to cold); says why the step ends if not. */
async function noteClosed(s: StepScope, update: Incident): Promise<StepTaken | undefined> {
  const { rt, group } = s;
  const etag = s.incidents.find((x) => x.incident.id === update.id)?.etag;
  const written = await runFenced(
    rt,
    {
      name: "incident noted: standby returned to cold",
      group: group.name,
      incident: update.id,
      operation: s.options.operation,
    },
    (abortSignal) => rt.store.writeIncident(update, etag, { abortSignal }),
  );
  if (written.ok) return undefined;
  s.problems.push(
    `${group.name}: incident ${update.id} not updated (${written.reason}): the standby waits`,
  );
  return { problems: s.problems };
}

/**
 * Writes the incident row (conditionally on the version read) before any effect, even when the
 * step has not changed it: an effect runs only while its incident is still what this tick read.
 * Its events are published once the write succeeds.
 */
async function recordStep(
  s: StepScope,
  result: RunbookResult,
  failure: LeverFailure | undefined,
): Promise<{ readonly incident: Incident | undefined; readonly written?: Incident } | Stop> {
  const { rt, group, open, epoch } = s;
  const operation = s.options.operation;
  const next = result.incident ?? (result.effects.length > 0 ? open?.incident : undefined);
  if (!next) return { incident: open?.incident };
  const before = result.opened ? undefined : open?.incident;
  const events = incidentEvents(rt, operation, before, next, epoch);
  const written = await runFenced(
    rt,
    { name: `incident ${next.step}`, group: group.name, incident: next.id, operation },
    (abortSignal) =>
      rt.store.writeIncident(next, result.opened ? undefined : open?.etag, {
        abortSignal,
        alerts: alertsOf(rt, before, next, alertRegions(s.evidence, s.kept), epoch, events),
      }),
  );
  if (!written.ok) {
    s.problems.push(
      `${group.name}: incident ${next.id} not recorded (${written.reason}): its effects wait`,
    );
    return {
      stop: {
        ...(open ? { incident: open.incident } : {}),
        ...(result.refusal ? { refusal: result.refusal } : {}),
        problems: s.problems,
      },
    };
  }
  for (const event of events) publish(rt, event);
  if (failure) settleFailure(rt, group.name, failure);
  return { incident: next, written: next };
}

/** Runs the step's effects in order, until one is still running at the deadline; what it waits for. */
async function applyEffects(
  s: StepScope,
  effects: readonly Effect[],
  incident: Incident | undefined,
  waitNote: readonly string[],
): Promise<string[]> {
  const { rt, group, epoch, options } = s;
  const waiting: string[] = [...waitNote];
  for (const effect of effects) {
    const done = await applyFenced(
      rt,
      group.name,
      effect,
      incident,
      epoch,
      options.operation,
      options.deadline,
    );
    if (done === "running") {
      waiting.push(
        `${group.name}: ${describeEffect(effect)} is still running at the end of the tick: the next step waits for it`,
      );
      break;
    }
    if (!done.ok)
      s.problems.push(
        `${group.name}: ${describeEffect(effect)} ${done.refused ? "refused" : "failed"}: ${done.reason}`,
      );
  }
  return waiting;
}

/** The step's outcome; `next` when it moved on to another open step with nothing started. */
function stepOutcome(
  s: StepScope,
  result: RunbookResult,
  recorded: { readonly incident: Incident | undefined; readonly written?: Incident },
  waiting: readonly string[],
): StepTaken {
  const { incident, written } = recorded;
  // Moved on with nothing started: the next step need not wait a tick.
  const movedOn =
    written !== undefined &&
    result.effects.length === 0 &&
    result.update === undefined &&
    isOpen(written) &&
    (result.opened || written.step !== s.open?.incident.step);
  const { read, view } = s;
  return {
    ...(incident ? { incident } : {}),
    ...(result.refusal ? { refusal: result.refusal } : {}),
    problems: s.problems,
    ...(waiting.length > 0 ? { waiting } : {}),
    ...(movedOn ? { next: { ...(read ? { read } : {}), ...(view ? { view } : {}) } } : {}),
  };
}

/**
 * A data failover goes to a region the kept verdicts still vouch for when it is sent, not only
 * when the tick began: within one tick this process may keep a new verdict (answering a peer's
 * request to probe now), and a forced failover is not undone. The kept row is read again; a
 * target kept neither healthy nor recovering in its dwell refuses the failover before anything
 * is sent, as a refusal that may pass (asked again after the backoff, if the step still wants
 * it). A row that cannot be read refuses too (nothing is sent on a guess); one that does not name
 * the target (a group whose verdicts were never kept) lets it go, as before.
 */
async function stillVouched(
  rt: Runtime,
  group: string,
  effect: Effect,
  override: boolean,
): Promise<void> {
  // A person's override sends the data to a region the verdicts do not vouch for, knowingly.
  if (effect.kind !== "data-failover" || override) return;
  let kept: RegionState | undefined;
  try {
    kept = (await rt.store.readRegionStates(group)).states[effect.region];
  } catch (error) {
    throw new DataFailoverRefused(
      `${effect.store}: the kept verdicts could not be read again before sending (${errorText(error)}), so nothing was sent`,
      { passing: true },
    );
  }
  if (kept === undefined) return;
  const vouched =
    kept.verdict === "healthy" ||
    (kept.verdict === "recovering" && kept.recoveringSince !== undefined);
  if (!vouched)
    throw new DataFailoverRefused(
      `${effect.store}: ${effect.region} is now kept ${kept.verdict}${kept.verdict === "recovering" ? " short of its dwell" : ""}, so nothing was sent`,
      { passing: true },
    );
}

/**
 * Runs one effect as a fenced step and says it as an event. Waits for it until the tick's
 * deadline; one still running then goes on (its fence still ends it at the lease's acting time)
 * and is held, so the group takes no other step until it has ended.
 */
async function applyFenced(
  rt: Runtime,
  group: string,
  effect: Effect,
  incident: Incident | undefined,
  epoch: number,
  operation: string,
  deadline: number,
) {
  const change = describeEffect(effect);
  forgetReads(rt, group);
  let thrown: unknown;
  const fenced = runFenced(
    rt,
    { name: change, group, operation, ...(incident ? { incident: incident.id } : {}) },
    (abortSignal) =>
      tracked(rt, group, () =>
        stillVouched(rt, group, effect, incident?.override === true)
          .then(() => applyEffect(rt.levers, group, effect, { abortSignal }))
          .catch((error: unknown) => {
            thrown = error;
            throw error;
          }),
      ),
  ).then((done) => {
    // A change that failed (not one the fence refused: the next holder decides afresh) is
    // counted by the incident's next step, which tries again after a backoff. A data failover
    // only when it is known not to have started: one that may have reached Azure stays asked,
    // and the step waits for the store (its timeout pages a person).
    const retry = effect.kind !== "data-failover" || refusedForSure(thrown);
    if (!done.ok && !done.refused && !retry)
      rt.log.warn(
        `${group}: ${change} may have reached Azure (${done.reason}): it is not asked again; the data step waits for the store`,
      );
    // A data failover the fence refused was never sent (the fence refuses before acting), but
    // its ask is on record: it is counted as an attempt that failed for sure, so that the step
    // may ask again after the backoff rather than wait out its timeout for nothing.
    if (!done.ok && done.refused && incident && effect.kind === "data-failover")
      noteFailure(rt, group, incident, change, `not sent: ${done.reason}`, effect.store);
    // Either way the incident's next step records it: an attempt to try again after a backoff,
    // or (a data failover that may have started) a line saying why the step waits.
    if (!done.ok && !done.refused && incident)
      noteFailure(
        rt,
        group,
        incident,
        change,
        done.reason,
        effect.kind === "data-failover" ? effect.store : undefined,
        !retry
          ? { mayHaveStarted: true }
          : effect.kind === "data-failover" && refusedByStore(thrown)
            ? { storeRefused: true }
            : {},
      );
    emit(
      rt,
      operation,
      {
        type: "lever.changed",
        group,
        region: effect.region,
        lever: leverOf(effect),
        change,
        ...(incident ? { incident: incident.id } : {}),
        outcome: done.ok ? "done" : done.refused ? "refused" : "failed",
        ...(done.ok ? {} : { error: done.reason }),
      },
      epoch,
    );
    return done;
  });
  const settled = await settleBy(rt, fenced, deadline);
  if (settled.done) return settled.value;
  holdEffect(rt, group, change, fenced);
  return "running" as const;
}
