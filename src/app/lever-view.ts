// Reading the levers without letting Azure Resource Manager hold anything up. A read is started
// at most once per group at a time; a tick waits for it only until its own deadline, and a read
// still running then goes on in the background: the next tick picks up what it found. Every read
// that completes is kept in the store as the group's lever view, with its time, which is what the
// status, the operator API and the runbook's quiet ticks use instead of calling Azure.
import { settleBy } from "./bounded.js";
import type { ClusterState, DataState, LeverView, RoutingState } from "../core/levers.js";
import type { LeverFailure, LeverNeeds } from "../core/runbook.js";
import { retryDelayMs } from "../core/runbook-retry.js";
import type { Step } from "../core/incident.js";
import { errorText } from "../core/errors.js";
import type { GroupConfig } from "../config/schema.js";
import type { Runtime } from "./runtime.js";
import { readData } from "./situation.js";

/** A read of some of a group's levers, as it came back. */
export interface LeverRead {
  readonly routing?: RoutingState;
  readonly clusters: Record<string, ClusterState>;
  /**
   * The data stores read (an open incident's data step), by name; one that could not be read is
   * missing, with a problem. Not kept in the view: the data step decides only on its own read.
   */
  readonly data?: Record<string, DataState>;
  readonly needs: LeverNeeds;
  readonly startedAt: number;
  /** When the answer came (the runtime's clock): a read's freshness counts from here. */
  readonly endedAt: number;
  readonly problems: readonly string[];
}

/** A lever change that failed, kept for the incident's next step (see runbook-tick.ts). */
export interface EffectFailure extends LeverFailure {
  readonly incident: string;
  readonly step: Step;
}

/** What this process has in flight with a group's levers. */
export interface LeverWork {
  read?: {
    readonly needs: LeverNeeds;
    readonly promise: Promise<LeverRead>;
    readonly startedAt: number;
    /** The data stores that have answered so far, filled in as each answers. */
    readonly answered: Record<string, DataState>;
  };
  /**
   * A read that finished after its tick stopped waiting, not used yet: the next tick takes it if
   * it is recent and no change was made since it began (on a slow ARM every read would
   * otherwise outlast its tick, and no step would ever see one).
   */
  done?: LeverRead;
  /** When this process last began changing the group's levers: reads begun before are stale. */
  changedAt?: number;
  /** An effect still running after its tick gave up waiting; no new step until it ends. */
  effect?: { readonly change: string; readonly promise: Promise<unknown> };
  /** The last change that failed, until the incident's next step has taken it into account. */
  failure?: EffectFailure;
  /** Reads that failed in a row, and the earliest time of the next urgent read (backoff). */
  readFailures?: number;
  readRetryAt?: number;
  /** Lever calls in flight now, since when, and the spans of the calls that ended (recent only). */
  busy: number;
  busySince?: number;
  spans: { readonly from: number; readonly to: number }[];
  /**
   * Since when the group has waited on a read that failed: until the next lever call starts,
   * nothing can be decided (a failed read is never decided on), and the wait, a Retry-After or
   * the backoff, is the lever's time, not the step's.
   */
  readFailedAt?: number;
  /**
   * Since when the group's open incident has waited for a read or a change that this process's
   * own share of ARM's budget withheld (other incidents, opened first, took it): until its next
   * lever call, or a tick that needs none. The step timeout guards against a lever that does not
   * move, not against Tandem's queue, so this wait is not counted either (ADR 0028).
   */
  queuedAt?: number;
  /**
   * The incident step this process first saw, and the time on ARM the incident carried then: what
   * earlier holders counted for the step, to which this process adds its own.
   */
  stepBase?: { readonly key: string; readonly ms: number };
}

/** How many ended spans of lever work a group keeps for counting a step's time on ARM. */
const SPANS_KEPT = 200;

function keepSpan(work: LeverWork, from: number, to: number): void {
  work.spans.push({ from, to });
  if (work.spans.length > SPANS_KEPT) work.spans.splice(0, work.spans.length - SPANS_KEPT);
}

/**
 * Counts `call` as lever work of the group while it runs (for the step timeout's count); its
 * start ends the wait after a failed read.
 */
export function tracked<T>(rt: Runtime, group: string, call: () => Promise<T>): Promise<T> {
  const work = workOf(rt, group);
  const now = rt.clock.now();
  if (work.readFailedAt !== undefined) {
    keepSpan(work, work.readFailedAt, now);
    work.readFailedAt = undefined;
  }
  queueWait(rt, group, false);
  if (work.busy++ === 0) work.busySince = now;
  let promise: Promise<T>;
  try {
    promise = call();
  } catch (error) {
    promise = Promise.reject(error);
  }
  const done = () => {
    if (--work.busy > 0) return;
    const from = work.busySince ?? rt.clock.now();
    work.busySince = undefined;
    keepSpan(work, from, rt.clock.now());
  };
  promise.then(done, done);
  return promise;
}

/**
 * Notes whether the group's open incident waits, this tick, for a lever call this process's budget
 * withheld: the wait runs from the first such tick to the next tick that gives it its call (or
 * needs none), and counts as time on ARM.
 */
export function queueWait(rt: Runtime, group: string, withheld: boolean): void {
  const work = workOf(rt, group);
  if (withheld) work.queuedAt ??= rt.clock.now();
  else if (work.queuedAt !== undefined) {
    keepSpan(work, work.queuedAt, rt.clock.now());
    work.queuedAt = undefined;
  }
}

/**
 * How long since `since` this process has waited on the group's levers: calls in flight, the
 * wait after a read that failed until the next call, and the wait for a call its budget withheld.
 */
export function leverTimeSince(rt: Runtime, group: string, since: number): number {
  const work = rt.memory.levers.get(group);
  if (!work) return 0;
  const now = rt.clock.now();
  // Spans may overlap (a failed read's wait, then calls side by side): their union is counted.
  const spans = [...work.spans];
  if (work.busySince !== undefined) spans.push({ from: work.busySince, to: now });
  if (work.readFailedAt !== undefined) spans.push({ from: work.readFailedAt, to: now });
  if (work.queuedAt !== undefined) spans.push({ from: work.queuedAt, to: now });
  let ms = 0;
  let reach = since;
  for (const span of spans.sort((a, b) => a.from - b.from)) {
    const from = Math.max(span.from, reach);
    const to = Math.min(span.to, now);
    if (to > from) ms += to - from;
    reach = Math.max(reach, Math.min(span.to, now));
  }
  return ms;
}

/**
 * How long an incident's current step has waited on ARM: what the incident carried when this
 * process first saw the step (earlier holders' count; nothing when the step began under this
 * process, since a new step starts from nothing), plus this process's own lever time since the
 * step began. A takeover continues the count rather than starting it again.
 */
export function stepLeverMs(
  rt: Runtime,
  group: string,
  incident: {
    readonly id: string;
    readonly step: string;
    readonly stepStartedAt: number;
    readonly leverMs?: number;
  },
): number {
  const work = workOf(rt, group);
  const key = `${incident.id}|${incident.step}|${incident.stepStartedAt}`;
  if (work.stepBase?.key !== key) work.stepBase = { key, ms: incident.leverMs ?? 0 };
  return work.stepBase.ms + leverTimeSince(rt, group, incident.stepStartedAt);
}

const covers = (needs: LeverNeeds, wanted: LeverNeeds) =>
  (needs.routing || !wanted.routing) &&
  wanted.clusters.every((c) => needs.clusters.includes(c)) &&
  (wanted.data ?? []).every((d) => needs.data?.includes(d));

/** Reads what `needs` names of a group's levers, each failure a problem (never a throw). */
async function readLevers(
  rt: Runtime,
  group: GroupConfig,
  needs: LeverNeeds,
  abortSignal: AbortSignal,
  answered: Record<string, DataState>,
): Promise<LeverRead> {
  const startedAt = rt.clock.now();
  const problems: string[] = [];
  const call = { abortSignal };
  // The three kinds of lever at once: while ARM is slow (seconds a reply, as in a regional
  // outage), one after another they made a read as slow as their sum.
  const readRouting = async () =>
    needs.routing && rt.levers.router?.covers(group.name)
      ? rt.levers.router.read(group.name, call).catch((error: unknown) => {
          problems.push(`${group.name}: the traffic lever cannot be read: ${errorText(error)}`);
          return undefined;
        })
      : undefined;
  const clusters: Record<string, ClusterState> = {};
  const readClusters = () =>
    Promise.all(
      needs.clusters
        .filter((region) => rt.levers.clusters?.covers(group.name, region))
        .map(async (region) => {
          try {
            clusters[region] = await rt.levers.clusters!.read(group.name, region, call);
          } catch (error) {
            problems.push(`${group.name}: ${region}'s cluster cannot be read: ${errorText(error)}`);
          }
        }),
    );
  const [routing, , data] = await Promise.all([
    readRouting(),
    readClusters(),
    readData(
      rt.levers.data,
      group.name,
      needs.data ?? [],
      call,
      (store, error) =>
        problems.push(`${group.name}: data store ${store} cannot be read: ${errorText(error)}`),
      answered,
    ),
  ]);
  return {
    ...(routing ? { routing } : {}),
    clusters,
    data,
    needs,
    startedAt,
    endedAt: rt.clock.now(),
    problems,
  };
}

/** The runtime's in-flight work per group. */
function workOf(rt: Runtime, group: string): LeverWork {
  let work = rt.memory.levers.get(group);
  if (!work) rt.memory.levers.set(group, (work = { busy: 0, spans: [] }));
  return work;
}

/**
 * The view a read leaves: the stored view with what was read on top of it. What could not be read
 * keeps its last good value: a failed read is not a fresh one. `readAt` advances only with a read
 * that answered in full; one that did not leaves its time and its problems beside the old view.
 */
export function merged(stored: LeverView | undefined, read: LeverRead, epoch: number): LeverView {
  const routing = read.routing ?? stored?.routing;
  const failed = read.problems.length > 0;
  const readAt = failed && stored ? stored.readAt : read.startedAt;
  return {
    ...(routing ? { routing } : {}),
    clusters: { ...stored?.clusters, ...read.clusters },
    readAt,
    epoch: failed && stored ? stored.epoch : epoch,
    ...(failed ? { problems: read.problems, failedAt: read.startedAt } : {}),
  };
}

/** Whether this read answered for the routing it was asked for. */
export const routingRead = (read: LeverRead) => !read.needs.routing || read.routing !== undefined;

/**
 * Starts a read of what `needs` names (or joins the one in flight, if it covers it) and waits for
 * it until `deadline`. A read that completes, now or later, is written to the store as the
 * group's lever view. Undefined when it did not answer in time; then `unfinished` hears the data
 * stores that did answer (each store is read on its own, and one lost server's slow read must
 * not leave the others unread: issue 30).
 */
export async function readLeversBy(
  rt: Runtime,
  group: GroupConfig,
  needs: LeverNeeds,
  deadline: number,
  epoch: number,
  stored: () => LeverView | undefined,
  unfinished?: (answered: Readonly<Record<string, DataState>>) => void,
): Promise<LeverRead | undefined> {
  const work = workOf(rt, group.name);
  const left = work.done;
  if (
    left &&
    covers(left.needs, needs) &&
    rt.clock.now() - left.endedAt <= maxAgeMs(rt) &&
    !(work.changedAt !== undefined && left.startedAt < work.changedAt)
  ) {
    work.done = undefined;
    taken.add(left);
    return left;
  }
  const stale = (startedAt: number) => work.changedAt !== undefined && startedAt < work.changedAt;
  if (!work.read || !covers(work.read.needs, needs) || stale(work.read.startedAt)) {
    // The read may outlive this tick, but not the next tick's deadline by much: ARM's own
    // timeout (the connection's timeoutMs) ends it otherwise.
    const answered: Record<string, DataState> = {};
    const promise = tracked(rt, group.name, () =>
      readLevers(rt, group, needs, new AbortController().signal, answered),
    );
    const entry = { needs, promise, startedAt: rt.clock.now(), answered };
    work.read = entry;
    void promise.then(async (read) => {
      noteReadOutcome(rt, work, read);
      // A failed read no tick waited for is said when it ends (a tick that takes it says it).
      if (read.problems.length > 0)
        setImmediate(() => {
          if (!taken.has(read)) for (const p of read.problems) rt.log.warn(p);
        });
      if (work.read === entry) {
        work.read = undefined;
        if (!stale(read.startedAt)) work.done = read;
      }
      if (!rt.memory.lease.held) return;
      try {
        await rt.store.writeLeverView(group.name, merged(stored(), read, epoch));
      } catch (error) {
        rt.log.warn(`${group.name}: the lever view was not kept: ${errorText(error)}`);
      }
    });
  }
  const mine = work.read;
  const settled = await settleBy(rt, mine.promise, deadline);
  if (!settled.done) {
    // Answers of a read no older than a finished read may be (maxAgeMs), and with no change since.
    if (!stale(mine.startedAt) && rt.clock.now() - mine.startedAt <= maxAgeMs(rt))
      unfinished?.({ ...mine.answered });
    return undefined;
  }
  // Taken now: not left for the next tick.
  if (work.done === settled.value) work.done = undefined;
  taken.add(settled.value);
  return settled.value;
}

/**
 * Counts a read's failure for the backoff of urgent reads: the next one waits RETRY_BASE_MS,
 * doubling, and at least as long as a Retry-After that ARM gave; a read that answers resets it.
 */
function noteReadOutcome(rt: Runtime, work: LeverWork, read: LeverRead): void {
  if (read.problems.length === 0) {
    work.readFailures = 0;
    work.readRetryAt = undefined;
    return;
  }
  // From now until the next call, the group waits on ARM (unless a call has started meanwhile).
  if (work.busy === 0) work.readFailedAt ??= read.endedAt;
  const failures = (work.readFailures ?? 0) + 1;
  const throttled = rt.levers.armBudget?.throttledUntil();
  const retryAfter = throttled === undefined ? undefined : Math.max(0, throttled - read.endedAt);
  work.readFailures = failures;
  // The first failure is tried again at once (the next tick): one error costs one tick.
  // Reads back off to three intervals at most: a failover waits on the next one that answers.
  const cap = rt.config.policy.intervalSeconds * 3000;
  // A Retry-After is honoured up to the same cap: a huge one must not park a failover's reads.
  work.readRetryAt =
    failures === 1 && retryAfter === undefined
      ? undefined
      : read.endedAt + Math.min(Math.max(retryDelayMs(failures - 1), retryAfter ?? 0), cap);
}

/** When the next urgent read of a group may start, if a failed read asked it to wait. */
export function readBackoff(rt: Runtime, group: string): number | undefined {
  const at = rt.memory.levers.get(group)?.readRetryAt;
  return at !== undefined && at > rt.clock.now() ? at : undefined;
}

/** Reads a tick took (and so reported); the others' failures are logged when they end. */
const taken = new WeakSet<LeverRead>();

/** How old a finished read may be and still count as fresh: two intervals. */
function maxAgeMs(rt: Runtime): number {
  return rt.config.policy.intervalSeconds * 2000;
}

/** A change to a group's levers is starting: reads begun before it are no longer fresh. */
export function forgetReads(rt: Runtime, group: string): void {
  const work = workOf(rt, group);
  work.done = undefined;
  work.changedAt = rt.clock.now();
}

/** Registers an effect that outlived its tick; the group takes no step until it ends. */
export function effectPending(rt: Runtime, group: string): LeverWork["effect"] {
  return rt.memory.levers.get(group)?.effect;
}

export function holdEffect(rt: Runtime, group: string, change: string, promise: Promise<unknown>) {
  const work = workOf(rt, group);
  const entry = { change, promise };
  work.effect = entry;
  void promise.finally(() => {
    if (work.effect === entry) work.effect = undefined;
    // What was read while the change ran may predate its end.
    work.done = undefined;
    work.changedAt = rt.clock.now();
  });
}

/** Keeps a failed change of an incident's step for that step's next tick. */
export function noteFailure(
  rt: Runtime,
  group: string,
  incident: { readonly id: string; readonly step: Step },
  change: string,
  error: string,
  store?: string,
  how: { readonly mayHaveStarted?: true; readonly storeRefused?: true } = {},
): void {
  const at = rt.clock.now();
  const throttled = rt.levers.armBudget?.throttledUntil();
  workOf(rt, group).failure = {
    incident: incident.id,
    step: incident.step,
    change,
    error,
    at,
    ...(throttled !== undefined && throttled > at ? { retryAfterMs: throttled - at } : {}),
    ...(store === undefined ? {} : { store }),
    ...(how.mayHaveStarted ? { mayHaveStarted: true as const } : {}),
    ...(how.storeRefused ? { storeRefused: true as const } : {}),
  };
}

/**
 * The failed change kept for this incident's current step (one of another incident or step is
 * dropped). It stays kept until `settleFailure` says the incident was written with it: a failure
 * whose record could not be written is counted at the next tick, not lost.
 */
export function pendingFailure(
  rt: Runtime,
  group: string,
  incident: { readonly id: string; readonly step: Step },
): LeverFailure | undefined {
  const work = rt.memory.levers.get(group);
  const failure = work?.failure;
  if (!work || !failure) return undefined;
  if (failure.incident !== incident.id || failure.step !== incident.step) {
    work.failure = undefined;
    return undefined;
  }
  const { incident: _id, step: _step, ...rest } = failure;
  return rest;
}

/** The incident was written with this failure counted: it is not counted again. */
export function settleFailure(rt: Runtime, group: string, failure: LeverFailure): void {
  const work = rt.memory.levers.get(group);
  if (work?.failure && work.failure.at === failure.at && work.failure.change === failure.change)
    work.failure = undefined;
}
