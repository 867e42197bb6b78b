// One orchestrate tick of one observer: take or renew the lease; read what the observers agree
// on; and, only as lease holder, keep each region's verdict (down, recovering, healthy...) in the
// store through a fenced step, and advance each group's runbook by one step. What changed is
// emitted as events (lease, stale observers, verdicts, split views, the store). A tick never
// throws.
import type { RegionEvidence, RegionState } from "../core/verdict.js";
import { nextRegionState } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type {
  KeptStates,
  PauseState,
  RunbookState,
  StoreCallOptions,
} from "../ports/state-store.js";
import { groupStoreOf } from "./situation.js";
import type { AgreementView } from "./agreement.js";
import { entryHealthy, observeAgreement } from "./agreement.js";
import type { RunbookOutcome } from "./runbook-tick.js";
import { runbookPolicy, runbookTick } from "./runbook-tick.js";
import { mapBounded } from "./bounded.js";
import { runbookOrder } from "./runbook-order.js";
import type { LeverView } from "../core/levers.js";
import { atRestByDesign } from "../core/levers.js";
import type { Incident } from "../core/incident.js";
import { isOpen } from "../core/incident.js";
import type { Refusal } from "../core/runbook.js";
import { runFenced } from "./fence.js";
import type { LeaseStatus } from "./lease-keeper.js";
import { leaseTiming, tickLease } from "./lease-keeper.js";
import type { Runtime } from "./runtime.js";
import { telemetryOf } from "./runtime.js";
import { errorText as message } from "../core/errors.js";
import { isStoreError } from "../ports/state-store.js";
import { emit, publish, stamp, storeReach } from "./emit.js";
import type { Alert } from "../core/alerts.js";
import { alertRegions, boundForStorage, verdictAlerts } from "../core/alerts.js";
import type { TandemEvent } from "../core/events.js";
import { startAlertSender, startMarkFlush } from "./alerts/sender.js";
import { wanted } from "./alerts/setup.js";
import { startAuditPrune } from "./audit-retention.js";
import { keepHistory } from "./history-keeper.js";
import { startReadiness } from "./readiness.js";

export interface GroupDecision {
  readonly group: string;
  readonly evidence: readonly RegionEvidence[];
  /** The kept verdicts, when this process holds the lease and could record them. */
  readonly states?: Readonly<Record<string, RegionState>>;
  /** The group's open (or just closed) incident, as the lease holder left it. */
  readonly incident?: Incident;
  /** A safety rule that holds an action back. */
  readonly refusal?: Refusal;
}

export interface OrchestrateResult {
  readonly observer: string;
  readonly lease: LeaseStatus;
  readonly groups: readonly GroupDecision[];
  /**
   * The peers this process has announced stale (an `observer.stale` event each): a peer never
   * seen only once this process has watched for the stale bound, as the alerts say it.
   */
  readonly stalePeers: readonly string[];
  readonly problems: readonly string[];
  /** Steps that wait on work expected to outlast a tick (a cluster starting): progress, not problems. */
  readonly waiting?: readonly string[];
}

function changed(before: RegionState | undefined, after: RegionState): boolean {
  return (
    before === undefined ||
    before.verdict !== after.verdict ||
    before.epoch !== after.epoch ||
    before.recoveringSince !== after.recoveringSince ||
    before.unconfirmedSince !== after.unconfirmedSince ||
    before.quiet !== after.quiet
  );
}

async function keepVerdicts(
  rt: Runtime,
  view: AgreementView["groups"][number],
  epoch: number,
  problems: string[],
  kept: KeptStates,
  operation: string,
  levers: LeverView | undefined,
): Promise<{ states: Record<string, RegionState>; changed: boolean } | undefined> {
  const group = view.group;
  const dwellMs = effectivePolicy(rt.config, group).dwellSeconds * 1000;
  const previous = kept.states;
  const now = rt.clock.now();
  const next: Record<string, RegionState> = {};
  for (const evidence of view.evidence) {
    const region = group.regions.find((r) => r.name === evidence.region);
    next[evidence.region] = nextRegionState(
      previous[evidence.region],
      evidence,
      now,
      epoch,
      dwellMs,
      region !== undefined && atRestByDesign(group.model, region, levers),
    );
  }
  if (!Object.entries(next).some(([region, state]) => changed(previous[region], state)))
    return { states: previous, changed: false };

  // The alerts of the change go into the outbox in the same write: both or neither.
  // A passive-cold standby at rest is down by design: its stretch is quiet, its recovery after a
  // wake too (the incident's alerts tell of its waking); a standby that took the traffic is not.
  const quiet = (region: string) =>
    next[region]?.quiet === true ||
    (next[region]?.verdict === "healthy" && previous[region]?.quiet === true);
  const events = verdictEvents(rt, group.name, previous, next, operation, epoch);
  const alerts = verdictAlerts(group.name, previous, next, alertRegions(view.evidence, next), {
    observer: rt.observer,
    epoch,
    at: now,
  })
    .filter((a) => !(a.region && quiet(a.region)) && wanted(rt.alerts, a))
    .map((a) => withEvent(a, events))
    .map(boundForStorage);
  // Conditional on the version read: a stale holder's late write cannot overwrite a newer one.
  const result = await runFenced(
    rt,
    { name: "record-verdicts", group: group.name, operation },
    (abortSignal) =>
      rt.store.writeRegionStates(group.name, next, kept.etag, { abortSignal, alerts }),
  );
  if (!result.ok) {
    problems.push(`${group.name}: verdicts not recorded: ${result.reason}`);
    return undefined;
  }
  if (alerts.length > 0) rt.memory.alerts.dirty = true;
  // Said once written: the alerts above were derived from these events, and carry their ids.
  for (const event of events) publish(rt, event);
  // A change that may need the levers: a verdict that moved, or a first one that is not healthy.
  const changedVerdict = Object.entries(next).some(([r, state]) =>
    previous[r] === undefined ? state.verdict !== "healthy" : previous[r].verdict !== state.verdict,
  );
  return { states: next, changed: changedVerdict };
}

/**
 * The events of the kept verdicts that changed between two versions of a group's row: a verdict
 * that moved, and a region that became unconfirmed or confirmable; stamped, not yet published.
 */
function verdictEvents(
  rt: Runtime,
  group: string,
  previous: Readonly<Record<string, RegionState>>,
  next: Readonly<Record<string, RegionState>>,
  operation: string,
  epoch: number,
): TandemEvent[] {
  return Object.entries(next).flatMap(([region, state]) => {
    const before = previous[region];
    const out: TandemEvent[] = [];
    if (before?.verdict !== state.verdict)
      out.push(
        stamp(
          rt,
          operation,
          {
            type: "verdict.changed",
            group,
            region,
            ...(before === undefined ? {} : { from: before.verdict }),
            to: state.verdict,
            reason: state.reason,
          },
          epoch,
        ),
      );
    const was = before?.unconfirmedSince;
    const is = state.unconfirmedSince;
    if (was !== is && (is ?? was) !== undefined)
      out.push(
        stamp(
          rt,
          operation,
          {
            type: is === undefined ? "region.confirmable" : "region.unconfirmed",
            group,
            region,
            verdict: state.verdict,
            reason: state.reason,
            since: (is ?? was)!,
          },
          epoch,
        ),
      );
    return out;
  });
}

/** A verdict alert with the id of the event it tells of. */
function withEvent(alert: Alert, events: readonly TandemEvent[]): Alert {
  const type =
    alert.type === "region.unconfirmed" || alert.type === "region.confirmable"
      ? alert.type
      : "verdict.changed";
  const event = events.find((e) => e.type === type && "region" in e && e.region === alert.region);
  return event ? { ...alert, event: event.id } : alert;
}

/** Says once when a region's evidence enters a split view (observers disagree: no action). */
function saySplitViews(rt: Runtime, view: AgreementView, operation: string, epoch: number): void {
  const now = new Set<string>();
  for (const g of view.groups)
    for (const e of g.evidence) {
      if (e.verdict !== "split-view") continue;
      const key = `${g.group.name}/${e.region}`;
      now.add(key);
      if (!rt.memory.said.splitViews.has(key))
        emit(
          rt,
          operation,
          { type: "split-view", group: g.group.name, region: e.region, reason: e.reason },
          epoch,
        );
    }
  rt.memory.said.splitViews = now;
}

/** Says once when this process starts or stops acting as lease holder. */
function sayLease(rt: Runtime, lease: LeaseStatus, operation: string): void {
  const was = rt.memory.said.leader;
  const acting = lease.leader && lease.holder !== undefined && lease.epoch !== undefined;
  if (acting && (was?.epoch !== lease.epoch || was.holder !== lease.holder)) {
    rt.memory.said.leader = { holder: lease.holder!, epoch: lease.epoch! };
    emit(
      rt,
      operation,
      { type: "lease.acquired", holder: lease.holder!, epoch: lease.epoch! },
      lease.epoch,
    );
  } else if (!acting && was) {
    rt.memory.said.leader = undefined;
    const reason =
      lease.outcome === "store-unavailable"
        ? `the state store cannot be reached (${lease.problem ?? "no answer"})`
        : lease.holder !== undefined
          ? `${lease.holder} holds epoch ${lease.epoch}`
          : `the lease was ${lease.outcome}`;
    emit(
      rt,
      operation,
      { type: "lease.lost", holder: was.holder, epoch: was.epoch, reason },
      was.epoch,
    );
  }
}

/**
 * Says once when a peer goes stale, and when it is live again, with the tick of the heartbeat
 * that stopped (every observer sees the same one, so their alerts are one).
 */
function sayStale(rt: Runtime, view: AgreementView, operation: string): void {
  const before = rt.memory.said.stale;
  const beats = rt.memory.said.staleBeats;
  // A peer this process has never seen a heartbeat of counts as stale for the verdict at once,
  // but is not announced as stale before this process has watched for the stale bound: at a
  // deployment's first start its peers have simply not written yet.
  const at = rt.clock.now();
  const since = (rt.memory.said.watchingSince ??= at);
  const bound = effectivePolicy(rt.config).observerStaleSeconds * 1000;
  const now = new Set(
    view.stalePeers.filter((peer) => rt.memory.peers.has(peer) || at - since >= bound),
  );
  const tickOf = (peer: string) => {
    const beat = view.observers.find((o) => o.name === peer)?.heartbeat;
    return beat ? `${beat.tick.instance}:${beat.tick.seq}` : undefined;
  };
  for (const peer of now)
    if (!before.has(peer)) {
      const heartbeat = tickOf(peer);
      if (heartbeat) beats.set(peer, heartbeat);
      emit(rt, operation, {
        type: "observer.stale",
        peer,
        ...(heartbeat ? { heartbeat } : {}),
      });
    }
  for (const peer of before)
    if (!now.has(peer)) {
      const heartbeat = beats.get(peer);
      beats.delete(peer);
      emit(rt, operation, { type: "observer.live", peer, ...(heartbeat ? { heartbeat } : {}) });
    }
  rt.memory.said.stale = now;
}

export interface OrchestrateOptions {
  readonly abortSignal?: AbortSignal;
  readonly operation?: string;
  /** The lease as already taken or renewed (the observer tick renews it beside the probes). */
  readonly lease?: Promise<LeaseStatus> | LeaseStatus;
  /** When the runbook stops waiting for the levers; a share of the interval from now if absent. */
  readonly leverDeadline?: number;
}

export function runOrchestrateTick(
  rt: Runtime,
  options: OrchestrateOptions = {},
): Promise<OrchestrateResult> {
  const operation = options.operation ?? `${rt.instance}:decide:${++rt.memory.said.orchestrations}`;
  const telemetry = telemetryOf(rt);
  // Every record this tick causes (store and ARM calls, events) carries its operation id.
  return telemetry.within({ operation }, async () => {
    const renewedBefore = rt.memory.lease.held?.renewedAt;
    const tickStart = rt.clock.now();
    const result = await orchestrateTick(rt, options, operation, tickStart);
    const dims = { tick: "orchestrate", observer: rt.observer };
    telemetry.metric("tandem.tick.duration", rt.clock.now() - tickStart, dims);
    // How much of the lease was left when it was renewed: near zero, the holder nearly lost it.
    const renewedAt = rt.memory.lease.held?.renewedAt;
    if (
      result.lease.outcome === "renewed" &&
      renewedBefore !== undefined &&
      renewedAt !== undefined
    )
      telemetry.metric(
        "tandem.lease.renewMargin",
        leaseTiming(rt).durationMs - (renewedAt - renewedBefore),
        { observer: rt.observer },
      );
    return result;
  });
}

async function orchestrateTick(
  rt: Runtime,
  options: OrchestrateOptions,
  operation: string,
  tickStart: number,
): Promise<OrchestrateResult> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const lease = await (options.lease ?? tickLease(rt, call));
  sayLease(rt, lease, operation);
  const problems: string[] = lease.problem ? [lease.problem] : [];
  const waiting: string[] = [];

  let view: AgreementView;
  try {
    view = await observeAgreement(rt, call);
  } catch (error) {
    return unobserved(rt, lease, error, problems, operation);
  }
  problems.push(...view.problems);
  storeReach(rt, operation, lease.outcome === "store-unavailable" ? lease.problem : undefined);
  sayStale(rt, view, operation);
  if (lease.leader && lease.epoch !== undefined) saySplitViews(rt, view, operation, lease.epoch);

  let epoch = lease.leader ? lease.epoch : undefined;
  const readState = () => readHolderState(rt, call, problems);
  // Verdicts first, for every group: detection never waits for a lever, nor for another
  // decision of this process whose runbook waits on one.
  let state: [RunbookState, PauseState] | undefined;
  // How many decisions of this process had taken their runbook steps when the state was read.
  let stepsBefore = 0;
  const kept =
    epoch === undefined
      ? view.groups.map(() => undefined)
      : await inTurn(rt, "keeping", async () => {
          stepsBefore = rt.memory.decisions.stepsTaken ?? 0;
          state = await readState();
          if (state === undefined) return view.groups.map(() => undefined);
          const read = state[0];
          return mapBounded(view.groups, GROUP_CONCURRENCY, (g) =>
            keepVerdicts(
              rt,
              g,
              epoch!,
              problems,
              read.kept[g.group.name] ?? { states: {} },
              operation,
              read.leverViews[g.group.name],
            ),
          );
        });
  if (state === undefined) epoch = undefined;
  // Then the runbook, groups side by side, each waiting for its levers only until the deadline.
  // Another decision's steps that ended since the state was read (waited for here, or ended
  // while this one kept its verdicts) moved the incidents and lever views: they are read again.
  const runbooks =
    epoch === undefined || state === undefined
      ? view.groups.map(() => undefined)
      : await inTurn(rt, "deciding", async () => {
          try {
            const moved = (rt.memory.decisions.stepsTaken ?? 0) !== stepsBefore;
            const now = moved ? await readState() : state;
            if (now === undefined) return view.groups.map(() => undefined);
            return await runbooksFor(
              rt,
              view,
              moved ? kept.map((k, i) => k && { ...k, states: keptNow(now, view, i, k) }) : kept,
              now,
              epoch!,
              options.leverDeadline ??
                tickStart + effectivePolicy(rt.config).intervalSeconds * 1000 * LEVER_SHARE,
              call,
              operation,
            );
          } finally {
            rt.memory.decisions.stepsTaken = (rt.memory.decisions.stepsTaken ?? 0) + 1;
          }
        });

  const groups = groupDecisions(view, kept, runbooks, problems, waiting);
  startBeside(rt, lease, view, kept, state, groups);
  return {
    observer: rt.observer,
    lease,
    groups,
    stalePeers: [...rt.memory.said.stale],
    problems,
    ...(waiting.length > 0 ? { waiting } : {}),
  };
}

/** A tick that could not read what the observers agree on: no action, and the store's reach said. */
function unobserved(
  rt: Runtime,
  lease: LeaseStatus,
  error: unknown,
  problems: string[],
  operation: string,
): OrchestrateResult {
  problems.push(`${message(error)}: no action this tick`);
  storeReach(
    rt,
    operation,
    isStoreError(error) && error.kind === "unavailable" ? message(error) : undefined,
  );
  return {
    observer: rt.observer,
    lease,
    groups: [],
    stalePeers: [...rt.memory.said.stale],
    problems,
  };
}

/**
 * The holder's state of every group in two reads, whatever the number of groups: kept verdicts,
 * incidents and lever views (one partition), and the pause flags. Undefined, with the problem
 * said, when the store cannot answer.
 */
async function readHolderState(
  rt: Runtime,
  call: StoreCallOptions,
  problems: string[],
): Promise<[RunbookState, PauseState] | undefined> {
  try {
    return await Promise.all([rt.store.readRunbookState(call), rt.store.readPause(call)]);
  } catch (error) {
    problems.push(`${message(error)}: no verdicts or runbook steps this tick`);
    return undefined;
  }
}

/** Each group's decision: its kept verdicts and its runbook's outcome, whose notes join the tick's. */
function groupDecisions(
  view: AgreementView,
  kept: readonly ({ states: Record<string, RegionState> } | undefined)[],
  runbooks: readonly (RunbookOutcome | undefined)[],
  problems: string[],
  waiting: string[],
): GroupDecision[] {
  return view.groups.map((g, i): GroupDecision => {
    const states = kept[i]?.states;
    const runbook = runbooks[i];
    if (runbook) problems.push(...runbook.problems);
    if (runbook?.waiting) waiting.push(...runbook.waiting);
    return {
      group: g.group.name,
      evidence: g.evidence,
      ...(states ? { states } : {}),
      ...(runbook?.incident ? { incident: runbook.incident } : {}),
      ...(runbook?.refusal ? { refusal: runbook.refusal } : {}),
    };
  });
}

/**
 * The work beside the tick, never awaited by it: alerts are delivered beside the runbook, never
 * before it; a process that lost the lease still writes the marks of what it sent.
 */
function startBeside(
  rt: Runtime,
  lease: LeaseStatus,
  view: AgreementView,
  kept: Parameters<typeof keepHistory>[3],
  state: [RunbookState, PauseState] | undefined,
  groups: readonly GroupDecision[],
): void {
  if (!lease.leader) startMarkFlush(rt);
  else if (lease.epoch !== undefined) {
    // The audit log's retention, beside the tick too: a bounded pass, never awaited (ADR 0017).
    startAuditPrune(rt, lease.epoch, state?.[0].incidents);
    void keepHistory(rt, lease.epoch, view, kept);
    if (state) startReadiness(rt, lease.epoch, view, state[0]);
    startAlertSender(
      rt,
      lease.epoch,
      groups.map((g) => ({
        group: g.group,
        ...(g.states ? { states: g.states, regions: alertRegions(g.evidence, g.states) } : {}),
        ...(g.incident ? { incident: g.incident } : {}),
      })),
    );
  }
}

/**
 * `work` after this process's work in `lane` has finished. Two decisions of one process (its
 * tick, a peer's request) never keep verdicts at once, nor run runbook steps at once; one may
 * keep verdicts while the other's steps wait on Azure.
 */
function inTurn<T>(rt: Runtime, lane: "keeping" | "deciding", work: () => Promise<T>): Promise<T> {
  const before = rt.memory.decisions[lane];
  const mine = before ? before.then(work) : work();
  const done: Promise<unknown> = mine.then(
    () => undefined,
    () => undefined,
  );
  rt.memory.decisions[lane] = done;
  void done.then(() => {
    if (rt.memory.decisions[lane] === done) rt.memory.decisions[lane] = undefined;
  });
  return mine;
}

/** The group's verdicts as now kept (a later decision may have kept newer ones), or as this one kept them. */
function keptNow(
  [state]: [RunbookState, PauseState],
  view: AgreementView,
  i: number,
  mine: { states: Record<string, RegionState> },
): Record<string, RegionState> {
  const stored = state.kept[view.groups[i]!.group.name]?.states;
  return stored && Object.keys(stored).length > 0 ? { ...stored } : mine.states;
}

/** How many groups' verdicts and runbook steps run at once. */
const GROUP_CONCURRENCY = 8;
/**
 * How many ARM reads one tick may make: ARM's read bucket holds 250 and refills 25 a second (250
 * an interval at the default 10 s), and other tools of the subscription read from it too.
 */
const READS_PER_TICK = 200;
/** Of those, how many may go to quiet groups' reconciles: a view waits a tick rather than throttle. */
const RECONCILE_READS_PER_TICK = 60;
/**
 * Reads a second the periodic reconciles of views this epoch has read may spend: 4 % of ARM's
 * refill of 25 a second (learn.microsoft.com, "Understand how Azure Resource Manager throttles
 * requests"). With many groups this, not `leverReconcileSeconds`, sets how often a quiet group is
 * read (1,000 groups with one lever each: every 17 minutes); a new holder's first reads of each
 * group still take the reconcile share above (ADR 0023).
 */
const QUIET_READS_PER_SECOND = 1;
/** ARM writes one tick may make: the write bucket holds 200 and refills 10 a second. */
const WRITES_PER_TICK = 80;
/** The part of the interval the runbook may spend waiting for levers, from the tick's start. */
export const LEVER_SHARE = 0.6;

async function runbooksFor(
  rt: Runtime,
  view: AgreementView,
  kept: readonly ({ states: Record<string, RegionState>; changed: boolean } | undefined)[],
  [state, pause]: [RunbookState, PauseState],
  epoch: number,
  deadline: number,
  call: StoreCallOptions,
  operation: string,
): Promise<(RunbookOutcome | undefined)[]> {
  const views: Readonly<Record<string, LeverView>> = state.leverViews;
  // ARM reads this tick may spend: fewer when ARM says its bucket is low. Incidents and changed
  // verdicts come first; quiet groups' reconciles take what is left, up to their own share.
  const remaining = rt.levers.armBudget?.remainingReads();
  const quietPerTick = QUIET_READS_PER_SECOND * effectivePolicy(rt.config).intervalSeconds;
  const slots = {
    reads: Math.min(READS_PER_TICK, remaining ?? READS_PER_TICK),
    reconcile: RECONCILE_READS_PER_TICK,
    quiet: quietPerTick,
    writes: WRITES_PER_TICK,
  };
  const budget = {
    take: (kind: "urgent" | "first" | "reconcile" | "writes", calls: number) => {
      if (kind === "writes") {
        if (calls > slots.writes) return false;
        slots.writes -= calls;
        return true;
      }
      const quiet = kind !== "urgent";
      if (calls > slots.reads || (quiet && calls > slots.reconcile)) return false;
      // One group a tick whatever its reads, so that no group is too big ever to be reconciled.
      if (kind === "reconcile" && calls > slots.quiet && slots.quiet < quietPerTick) return false;
      slots.reads -= calls;
      if (quiet) slots.reconcile -= calls;
      if (kind === "reconcile") slots.quiet -= calls;
      return true;
    },
  };
  // First opened, first served; quiet groups oldest view first (runbook-order.ts, ADR 0028).
  const order = runbookOrder(
    view.groups.map((g, i) => {
      const open = (state.incidents[g.group.name] ?? [])
        .map((s) => s.incident)
        .filter(isOpen)
        .sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id))[0];
      const lever = views[g.group.name];
      return {
        changed: kept[i]?.changed === true,
        policy: runbookPolicy(rt, g.group),
        ...(open ? { open } : {}),
        ...(lever ? { view: lever } : {}),
      };
    }),
    epoch,
    rt.clock.now(),
    effectivePolicy(rt.config).intervalSeconds * 1000,
  );
  const ordered = await mapBounded(order, GROUP_CONCURRENCY, async (i) => {
    const g = view.groups[i]!;
    // The runbook acts only on verdicts it could record in this epoch.
    const states = kept[i];
    if (!states) return undefined;
    const stored = views[g.group.name];
    return runbookTick(rt, g.group, g.evidence, states.states, entryHealthy(view, g), epoch, {
      deadline,
      stored: groupStoreOf(g.group.name, state.incidents[g.group.name] ?? [], pause),
      verdictChanged: states.changed,
      budget,
      ...(stored ? { view: stored } : {}),
      operation,
      call,
    });
  });
  const outcomes = new Array<RunbookOutcome | undefined>(view.groups.length);
  order.forEach((i, k) => (outcomes[i] = ordered[k]));
  return outcomes;
}
