// One observer's probe tick: probe every target, record the observations and a heartbeat. Each
// tick has a number (with the process's instance id) so that readers can tell current rows from
// old ones without comparing clocks. A tick never throws: what went wrong is in its result.
import type { Heartbeat, Observation, ProbeOutcome, TickId } from "../core/observation.js";
import { nextObservation } from "../core/observation.js";
import { setMaxListeners } from "node:events";
import type { ProbeRequest } from "../ports/prober.js";
import type { PeerProbeAnswer, PeerProbeRequest } from "../ports/peers.js";
import type { StoreCallOptions } from "../ports/state-store.js";
import { ENTRY_POINT } from "../core/observation.js";
import { errorText as describe } from "../core/errors.js";
import { isStoreError } from "../ports/state-store.js";
import { following, mapBounded, NO_LONGER_NEEDED, settleBy, settleWith } from "./bounded.js";
import { emit, storeReach } from "./emit.js";
import type { Probing, Runtime } from "./runtime.js";
import type { Target } from "./targets.js";
import { ownKey, telemetryOf } from "./runtime.js";

interface Own {
  readonly version?: string;
  readonly observations: ReadonlyMap<string, Observation>;
  readonly heartbeat?: Heartbeat;
}

/** Part of the interval kept free at the end of a tick, so a tick ends before the next begins. */
const MARGIN = 0.1;

export interface ProbeTickResult {
  readonly observer: string;
  readonly tick: TickId;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly observations: readonly Observation[];
  /** This observer could not reach its control target: its failures are not evidence. */
  readonly impaired: boolean;
  /** What went wrong, one sentence each; empty on a clean tick. */
  readonly problems: readonly string[];
  /**
   * The peers asked to probe now, for each region that started failing here this tick: one
   * promise per peer and region, settling when it has answered or been given up (never
   * rejecting). Empty when none was asked.
   */
  readonly asked: readonly Promise<PeerAsked>[];
}

/** One peer's answer to a request to probe now, or why there was none. */
export interface PeerAsked {
  readonly peer: string;
  readonly region: string;
  readonly answer?: PeerProbeAnswer;
  readonly problem?: string;
}

/**
 * A confirming probe of a target that has neither answered nor failed starts after this share of
 * its timeout (never before the spacing): a hung or slow target is confirmed within the tick, as
 * a refused one is, instead of one failure per tick.
 */
const HEDGE_SHARE = 0.25;

/**
 * Failed probes in a row, within one target's probe and its confirmations, that stir the peers;
 * a probe that has not answered within the hedge time counts as failed for this (see strike).
 */
const SUSPECT_AFTER = 2;

/** How long a probe may go without an answer before a confirming probe starts beside it. */
function hedgeMs(rt: Runtime, request: ProbeRequest): number {
  return Math.max(rt.config.policy.confirmSpacingSeconds * 1000, request.timeoutMs * HEDGE_SHARE);
}

/** How long a peer may take to probe and write, as a share of the interval. */
const PEER_SHARE = 0.8;

/**
 * A peer asked to probe now starts each confirming probe beside one that has not answered after
 * this long, not after the hedge time: the request is the suspicion (another observer has seen the
 * target fail twice), so there is nothing to wait out, and a hung target's three probes end about
 * together instead of a hedge apart. A probe that failed is still followed after the spacing.
 */
const PEER_HEDGE_MS = 100;

/** The signal of a tick nobody can stop (each probe's own listeners are removed when it ends). */
const NEVER = new AbortController().signal;

/**
 * A controller that follows the tick's signal, as `following` makes one; a tick nobody can stop
 * has nothing to follow, and a listener per probe on it cost a hundredth of the soak's CPU.
 */
function followTick(signal: AbortSignal): ReturnType<typeof following> {
  return signal === NEVER
    ? { controller: new AbortController(), release: noop }
    : following(signal);
}

const noop = () => {};

/**
 * Probes a target, and after a failure probes it again (up to `confirmRetries` times): one
 * success settles it as up. A confirming probe starts `confirmSpacingSeconds` after the previous
 * one failed, or, while the previous one has neither answered nor failed, once it has waited a
 * quarter of its timeout: so a target that hangs (accepts and never answers, stalls the TLS
 * handshake, answers too slowly) gets its confirmations within the same tick, side by side, as a
 * refused one does one after the other. A probe starts only if its whole timeout fits before the
 * tick's deadline, so no probe is cut short into a false failure: undefined means "not probed
 * this tick", which leaves the target's last observation as it was. A confirming probe that does
 * not fit leaves the failures so far standing. When one probe succeeds, those still running are
 * cancelled. A prober must not throw; if one does, the target fails.
 */
async function probeConfirmed(
  rt: Runtime,
  request: ProbeRequest,
  deadline: number,
  signal: AbortSignal,
  onSuspect?: (overdue: boolean) => void,
  hedgeOverride?: number,
): Promise<ProbeOutcome | undefined> {
  const { confirmRetries, confirmSpacingSeconds } = rt.config.policy;
  const spacing = confirmSpacingSeconds * 1000;
  const hedge = hedgeOverride ?? hedgeMs(rt, request);
  const fits = (wait: number) => rt.clock.now() + wait + request.timeoutMs <= deadline;
  if (!fits(0)) return undefined;
  let settle = followTick(signal);
  let own = settle.controller.signal;
  let success: { readonly outcome: ProbeOutcome; readonly index: number } | undefined;
  // Suspicion: the first probe and its first confirmation both failed (or the one probe, when
  // there are no confirmations). One lost probe is not enough to stir the peers. A probe still
  // without an answer at the hedge time counts as failed too, `overdue` (the tick heeds that
  // only for a target that answered in time last time): a hung target is known to fail only at
  // its timeout, and its peers would otherwise start confirming seconds after a refused one's.
  const struck = new Set<number>();
  let failed = 0;
  let overdue = false;
  const suspectAt = Math.min(SUSPECT_AFTER, confirmRetries + 1);
  const strike = (index: number, late: boolean) => {
    if (success) return;
    if (!late && ++failed === suspectAt) onSuspect?.(false);
    if (struck.has(index)) return;
    struck.add(index);
    overdue ||= late;
    if (struck.size === suspectAt && overdue) onSuspect?.(true);
  };
  let running = 0;
  /** The wait before a confirmation is running: a success ends it. */
  let spacingOut = false;
  const attempt = async (index: number): Promise<ProbeOutcome | undefined> => {
    running++;
    let outcome: ProbeOutcome;
    try {
      outcome = await rt.probing.prober.probe(request, { abortSignal: own });
    } catch (error) {
      outcome = {
        ok: false,
        latencyMs: 0,
        error: { kind: "error", message: `the probe failed: ${describe(error)}` },
      };
    }
    running--;
    if (outcome.error?.kind === "aborted") return undefined;
    if (outcome.ok && !success) {
      success = { outcome, index };
      // The others still probing are called off, and the wait before the next confirmation.
      if (running > 0 || spacingOut) settle.controller.abort(NO_LONGER_NEEDED);
    }
    if (!outcome.ok) strike(index, false);
    return outcome;
  };
  const started = [attempt(0)];
  for (let i = 1; i <= confirmRetries; i++) {
    const previous = started[i - 1]!;
    const hedgeAt = rt.clock.now() + hedge;
    // The first probe is all that listens on `own` during the first wait: the wait may end its
    // sleep by aborting `own` once that probe has ended, and the rest go on with a fresh one.
    const { done: ended } =
      i === 1
        ? await settleWith(rt, previous, hedgeAt, settle.controller)
        : await settleBy(rt, previous, hedgeAt, own);
    if (i === 1 && ended && !success && !signal.aborted) {
      settle.release();
      settle = followTick(signal);
      own = settle.controller.signal;
    }
    if (success || own.aborted) break;
    if (ended) {
      if ((await previous) === undefined || !fits(spacing)) break;
      spacingOut = true;
      await rt.clock.sleep(spacing, own);
      spacingOut = false;
      if (success || own.aborted) break;
    } else {
      strike(i - 1, true);
      if (!fits(0)) break;
    }
    started.push(attempt(i));
  }
  const outcomes = await Promise.all(started);
  // Whatever still listens on the probes' signal is called off here, with the rest.
  if (!own.aborted) settle.controller.abort(NO_LONGER_NEEDED);
  settle.release();
  const won = success as { outcome: ProbeOutcome; index: number } | undefined;
  if (won) return won.index === 0 ? won.outcome : { ...won.outcome, confirmations: won.index };
  const [first] = outcomes;
  if (!first) return undefined;
  // The first failure is reported, with how many re-probes failed after it.
  const confirmations = outcomes.slice(1).filter((o) => o !== undefined && !o.ok).length;
  return confirmations > 0 ? { ...first, confirmations } : first;
}

export interface ProbeTickOptions {
  readonly abortSignal?: AbortSignal;
}

export function runProbeTick(
  rt: Runtime,
  options: ProbeTickOptions = {},
): Promise<ProbeTickResult> {
  const tick: TickId = { instance: rt.instance, seq: ++rt.memory.observer.seq };
  const operation = `${tick.instance}:${tick.seq}`;
  // Every record this tick causes (store calls, availability) carries its operation id.
  return telemetryOf(rt).within({ operation }, () => probeTick(rt, options, tick, operation));
}

async function probeTick(
  rt: Runtime,
  options: ProbeTickOptions,
  tick: TickId,
  operation: string,
): Promise<ProbeTickResult> {
  const startedAt = rt.clock.now();
  const problems: string[] = [];
  let unreachable: string | undefined;
  const storeProblem = (error: unknown) => {
    problems.push(describe(error));
    if (isStoreError(error) && error.kind === "unavailable") unreachable ??= describe(error);
  };
  const targets = rt.probing.targets;
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const { intervalSeconds, probeConcurrency } = rt.config.policy;
  const budget = intervalSeconds * 1000 * (1 - MARGIN);
  const deadline = rt.clock.now() + budget;
  // Probes start only if their own timeout fits before the deadline, so the tick needs no timer
  // of its own; the caller's signal still stops it.
  const tickSignal = options.abortSignal ?? NEVER;
  setMaxListeners(0, tickSignal);

  // Run counts continue from this observer's own last rows: as its last tick wrote them, or read
  // once (one query for every group) when this process has none in memory.
  const readOwn = () => readOwnRows(rt, call, storeProblem);
  const remembered = rt.memory.observer.rows;
  const prefetched = remembered ? Promise.resolve<Own | undefined>(remembered) : readOwn();
  // A region whose target passed here last time and now fails twice in a row (a probe without an
  // answer at the hedge time counts): the peers are asked to probe it now (once per region and
  // tick), while this tick's confirmations go on.
  const asks: Promise<PeerAsked>[] = [];
  const stirred = new Set<string>();
  const suspect = (t: (typeof targets)[number]) => async (overdue: boolean) => {
    if (!rt.probing.peers || t.target === ENTRY_POINT || stirred.has(t.target)) return;
    const before = (await prefetched)?.observations.get(ownKey(t.group, t.target));
    if (!before?.ok || stirred.has(t.target)) return;
    // Slow to answer is a change only from a target that answered in time last time: one that
    // is slow every tick would otherwise stir the peers every tick.
    if (overdue && before.latencyMs >= hedgeMs(rt, t.request)) return;
    stirred.add(t.target);
    asks.push(...askPeers(rt, t.target));
  };
  const [previous, outcomes, control] = await Promise.all([
    prefetched,
    mapBounded(
      targets,
      probeConcurrency,
      async (t): Promise<[ProbeOutcome | undefined, number]> => {
        const outcome = await probeConfirmed(rt, t.request, deadline, tickSignal, (overdue) => {
          void suspect(t)(overdue);
        });
        return [outcome, rt.clock.now()];
      },
    ),
    rt.probing.control
      ? probeConfirmed(rt, rt.probing.control, deadline, tickSignal)
      : Promise.resolve(null),
  ]);
  const impaired = control !== undefined && control !== null && !control.ok;
  const skipped = outcomes.filter(([o]) => o === undefined).length;
  if (skipped > 0)
    problems.push(
      `${skipped} target(s) not probed: the tick ran out of time (raise policy.probeConcurrency, or lower timeouts)`,
    );
  if (impaired)
    problems.push(
      `this observer is impaired: its control target failed (${control.error?.kind}: ${control.error?.message}); its failures are not evidence this tick`,
    );

  // An impaired observer writes no observation: what it sees is not evidence, and must not run
  // its counts up either.
  const observe = (own: Own | undefined) =>
    impaired ? [] : nextObservations(rt, tick, targets, outcomes, own);
  // The heartbeat goes out even when observations could not be written: the observer is alive.
  // Readers count an observation only when it is at most one tick behind the heartbeat, which is
  // written in the same transaction as the first of them. Counts continue from this observer's
  // rows as they stand when written: a peer's request may have written some since the tick began.
  const observations = await oneAtATime(rt, async () => {
    const now = rt.clock.now();
    const heartbeat: Heartbeat = {
      observer: rt.observer,
      tick,
      at: now,
      version: rt.version,
      tickMs: now - startedAt,
      impaired,
    };
    const base = rt.memory.observer.rows ?? previous;
    if (base !== undefined)
      return writeRows(rt, base, observe, () => heartbeat, readOwn, storeProblem, call);
    try {
      await rt.store.recordHeartbeat(heartbeat, call);
    } catch (error) {
      storeProblem(error);
    }
    return [];
  });

  sayOutcomes(rt, operation, targets, outcomes, observations);
  storeReach(rt, operation, unreachable);
  const durationMs = rt.clock.now() - startedAt;
  telemetryOf(rt).metric("tandem.tick.duration", durationMs, {
    tick: "probe",
    observer: rt.observer,
  });

  return {
    observer: rt.observer,
    tick,
    startedAt,
    durationMs,
    observations,
    impaired,
    problems: [...new Set(problems)],
    asked: asks,
  };
}

/**
 * This tick's observations, their counts continued from this observer's own last rows. Without
 * those (store unreadable) the counts would restart, so none is written this tick.
 */
function nextObservations(
  rt: Runtime,
  tick: TickId,
  targets: readonly Target[],
  outcomes: readonly (readonly [ProbeOutcome | undefined, number])[],
  own: Own | undefined,
): Observation[] {
  const out: Observation[] = [];
  if (own === undefined) return out;
  targets.forEach((t, i) => {
    const [outcome, at] = outcomes[i]!;
    if (outcome === undefined) return;
    out.push(
      nextObservation(
        own.observations.get(ownKey(t.group, t.target)),
        { observer: rt.observer, group: t.group, target: t.target, tick },
        outcome,
        at,
      ),
    );
  });
  return out;
}

/** Runs `work` once no other write of this observer's rows is in progress in this process. */
function oneAtATime<T>(rt: Runtime, work: () => Promise<T>): Promise<T> {
  const mine = (rt.memory.observer.writing ?? Promise.resolve()).then(work);
  rt.memory.observer.writing = mine.catch(() => undefined);
  return mine;
}

/** This observer's rows as the store has them (its heartbeat, its version, its observations). */
async function readOwnRows(
  rt: Runtime,
  call: StoreCallOptions,
  problem: (error: unknown) => void,
): Promise<Own | undefined> {
  try {
    const rows = await rt.store.readObserver(rt.observer, call);
    return {
      ...(rows.version === undefined ? {} : { version: rows.version }),
      ...(rows.heartbeat ? { heartbeat: rows.heartbeat } : {}),
      observations: new Map(rows.observations.map((o) => [ownKey(o.group, o.target), o])),
    };
  } catch (error) {
    problem(error);
    return undefined;
  }
}

/**
 * Writes the observations `observe` makes from this observer's rows, with a heartbeat, on the
 * condition that the rows are still at the version they were read at; another process of this
 * observer having written since, they are read again and written once more. Returns what was
 * made (written or not: a failed write is a problem, and the rows are read afresh next time).
 */
async function writeRows(
  rt: Runtime,
  base: Own,
  observe: (own: Own) => Observation[],
  heartbeatOf: (own: Own) => Heartbeat,
  readOwn: () => Promise<Own | undefined>,
  problem: (error: unknown) => void,
  call: StoreCallOptions,
): Promise<Observation[]> {
  let observations = observe(base);
  rt.memory.observer.rows = undefined;
  const write = async (own: Own) =>
    rt.store.recordTick(heartbeatOf(own), observations, {
      ...call,
      expected: own.version === undefined ? {} : { etag: own.version },
    });
  let written: { version: string; own: Own } | undefined;
  try {
    written = { version: await write(base), own: base };
  } catch (error) {
    if (isStoreError(error) && error.kind === "conflict") {
      const fresh = await readOwn();
      if (fresh) {
        observations = observe(fresh);
        try {
          written = { version: await write(fresh), own: fresh };
        } catch (again) {
          problem(again);
        }
      }
    } else problem(error);
  }
  if (written) {
    const kept = new Map(written.own.observations);
    for (const o of observations) kept.set(ownKey(o.group, o.target), o);
    rt.memory.observer.rows = {
      version: written.version,
      observations: kept,
      heartbeat: heartbeatOf(written.own),
    };
  }
  return observations;
}

/**
 * Asks every other observer to probe `region` now, each given up after a share of the interval
 * (on the runtime's clock); the promises never reject.
 */
function askPeers(rt: Runtime, region: string): Promise<PeerAsked>[] {
  const peers = rt.probing.peers;
  if (!peers) return [];
  const others = rt.config.observers.map((o) => o.region).filter((o) => o !== rt.observer);
  const patience = rt.config.policy.intervalSeconds * 1000 * PEER_SHARE;
  return others.map(async (peer): Promise<PeerAsked> => {
    const stop = new AbortController();
    const done = new AbortController();
    void rt.clock.sleep(patience, done.signal).then(() => {
      if (!done.signal.aborted) stop.abort(new Error(`no answer within ${patience} ms`));
    });
    try {
      const answer = await peers.ask(
        peer,
        { from: rt.observer, region },
        { abortSignal: stop.signal },
      );
      return { peer, region, answer };
    } catch (error) {
      return {
        peer,
        region,
        problem: `${peer} was not asked to probe ${region} now: ${describe(error)}`,
      };
    } finally {
      done.abort(NO_LONGER_NEEDED);
    }
  });
}

/**
 * A peer's request to probe `region` now: this observer probes the region's targets (with their
 * confirmations) and its control target, and writes what it saw into its rows as part of its
 * current tick (the heartbeat's), so the observations count for the verdict as soon as they are
 * in the store. It writes nothing while impaired, or before its first tick has written.
 */
export async function runPeerProbe(
  rt: Runtime,
  request: PeerProbeRequest,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<PeerProbeAnswer> {
  const answer = (probed: number, failing: number, written: boolean, note?: string) => ({
    observer: rt.observer,
    region: request.region,
    probed,
    failing,
    written,
    ...(note === undefined ? {} : { note }),
  });
  const targets = rt.probing.targets.filter((t) => t.target === request.region);
  if (targets.length === 0) return answer(0, 0, false, `no group here has ${request.region}`);
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const signal = options.abortSignal ?? NEVER;
  setMaxListeners(0, signal);
  const deadline = rt.clock.now() + rt.config.policy.intervalSeconds * 1000 * (1 - MARGIN);
  const problems: string[] = [];
  const problem = (error: unknown) => problems.push(describe(error));
  const [outcomes, control] = await Promise.all([
    mapBounded(targets, rt.config.policy.probeConcurrency, async (t) => {
      const outcome = await probeConfirmed(
        rt,
        t.request,
        deadline,
        signal,
        undefined,
        Math.min(PEER_HEDGE_MS, hedgeMs(rt, t.request)),
      );
      return [outcome, rt.clock.now()] as [ProbeOutcome | undefined, number];
    }),
    rt.probing.control
      ? probeConfirmed(rt, rt.probing.control, deadline, signal)
      : Promise.resolve(null),
  ]);
  const failing = outcomes.filter(([o]) => o !== undefined && !o.ok).length;
  const probed = outcomes.filter(([o]) => o !== undefined).length;
  if (control !== undefined && control !== null && !control.ok)
    return answer(
      probed,
      failing,
      false,
      "this observer is impaired: its failures are not evidence",
    );
  const readOwn = () => readOwnRows(rt, call, problem);
  const written = await oneAtATime(rt, async () => {
    const base = rt.memory.observer.rows ?? (await readOwn());
    if (!base?.heartbeat) return undefined;
    const observe = (own: Own): Observation[] => {
      const tick = own.heartbeat?.tick;
      if (!tick) return [];
      return targets.flatMap((t, i) => {
        const [outcome, at] = outcomes[i]!;
        if (outcome === undefined) return [];
        const before = own.observations.get(ownKey(t.group, t.target));
        return [
          nextObservation(
            before,
            { observer: rt.observer, group: t.group, target: t.target, tick },
            outcome,
            at,
          ),
        ];
      });
    };
    const rows = await writeRows(
      rt,
      base,
      observe,
      (own) => own.heartbeat ?? base.heartbeat!,
      readOwn,
      problem,
      call,
    );
    return { rows, ok: rt.memory.observer.rows !== undefined };
  });
  const operation = `${rt.instance}:peer:${request.from}:${request.region}`;
  if (written) sayOutcomes(rt, operation, targets, outcomes, written.rows);
  if (!written)
    return answer(probed, failing, false, problems[0] ?? "this observer has not ticked yet");
  return written.ok
    ? answer(probed, failing, true)
    : answer(probed, failing, false, problems[0] ?? "the observations were not written");
}

/** One probe.outcome per target probed this tick, and a certificate warning when its days change. */
function sayOutcomes(
  rt: Runtime,
  operation: string,
  targets: Probing["targets"],
  outcomes: readonly [ProbeOutcome | undefined, number][],
  observations: readonly Observation[],
): void {
  // By key, not by a search per target: at 1,000 groups a search made the tick quadratic.
  const byTarget = new Map(observations.map((o) => [ownKey(o.group, o.target), o]));
  targets.forEach((t, i) => {
    const [outcome] = outcomes[i]!;
    if (!outcome) return;
    const observed = byTarget.get(ownKey(t.group, t.target));
    emit(rt, operation, {
      type: "probe.outcome",
      group: t.group,
      target: t.target,
      ok: outcome.ok,
      latencyMs: outcome.latencyMs,
      ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.phases ? { phases: outcome.phases } : {}),
      consecutiveFailures: observed?.consecutiveFailures ?? (outcome.ok ? 0 : 1),
      consecutiveSuccesses: observed?.consecutiveSuccesses ?? (outcome.ok ? 1 : 0),
      failuresBefore: observed?.failuresBefore ?? 0,
      confirmations: outcome.confirmations ?? 0,
    });
    const key = `${t.group}/${t.target}`;
    // Whole days: said once a day per target while it stays under the warning.
    const days =
      outcome.certificateDaysLeft === undefined
        ? undefined
        : Math.max(0, Math.floor(outcome.certificateDaysLeft));
    const warning = outcome.warnings?.find((w) => /certificate/i.test(w));
    if (days === undefined || warning === undefined) {
      rt.memory.said.certificates.delete(key);
      return;
    }
    if (rt.memory.said.certificates.get(key) === days) return;
    rt.memory.said.certificates.set(key, days);
    emit(rt, operation, {
      type: "certificate.expiring",
      group: t.group,
      target: t.target,
      daysLeft: days,
      message: warning,
    });
  });
}
