// One observer's probe tick: probe every target, record the observations and a heartbeat. Each
// tick has a number (with the process's instance id) so that readers can tell current rows from
// old ones without comparing clocks. A tick never throws: what went wrong is in its result.
import type { Heartbeat, Observation, ProbeOutcome, TickId } from "../core/observation.js";
import { nextObservation } from "../core/observation.js";
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { ProbeRequest } from "../ports/prober.js";
import { mapBounded } from "./bounded.js";
import type { Runtime } from "./runtime.js";

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
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/**
 * Probes a target, and after a failure probes it again (up to `confirmRetries` times, spaced,
 * within the tick's deadline): one success settles it as up. Each probe has its own timeout,
 * shortened to what is left of the tick. A prober must not throw, but if one does, that target
 * fails and the tick goes on.
 */
async function probeConfirmed(
  rt: Runtime,
  request: ProbeRequest,
  deadline: number,
  signal: AbortSignal,
): Promise<ProbeOutcome> {
  const { confirmRetries, confirmSpacingSeconds } = rt.config.policy;
  const spacing = confirmSpacingSeconds * 1000;
  const attempt = async (): Promise<ProbeOutcome> => {
    const left = deadline - performance.now();
    const timeoutMs = Math.max(1, Math.min(request.timeoutMs, left));
    try {
      return await rt.prober.probe({ ...request, timeoutMs }, { abortSignal: signal });
    } catch (error) {
      return {
        ok: false,
        latencyMs: 0,
        error: { kind: "error", message: `the probe failed: ${describe(error)}` },
      };
    }
  };
  let outcome = await attempt();
  for (let i = 1; i <= confirmRetries && !outcome.ok; i++) {
    // Only when a spaced re-probe still fits in the tick; otherwise the failure stands.
    if (deadline - performance.now() < spacing + Math.min(request.timeoutMs, 100)) break;
    await sleep(spacing, signal);
    if (signal.aborted) break;
    const again = await attempt();
    outcome = { ...again, confirmations: i };
  }
  return outcome;
}

export async function runProbeTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<ProbeTickResult> {
  const startedAt = rt.clock.now();
  const tick: TickId = { instance: rt.instance, seq: ++rt.memory.seq };
  const problems: string[] = [];
  const targets = rt.targets;
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const { intervalSeconds, probeConcurrency } = rt.config.policy;
  const budget = intervalSeconds * 1000 * (1 - MARGIN);
  const deadline = performance.now() + budget;
  const tickSignal = AbortSignal.any([
    AbortSignal.timeout(budget),
    ...(options.abortSignal ? [options.abortSignal] : []),
  ]);
  // Every probe of the tick listens to this one signal.
  setMaxListeners(0, tickSignal);

  const [previous, outcomes, control] = await Promise.all([
    Promise.all(
      rt.config.groups.map(async (g) => {
        try {
          return await rt.store.readObservations(g.name, call);
        } catch (error) {
          problems.push(describe(error));
          return undefined;
        }
      }),
    ),
    mapBounded(targets, probeConcurrency, async (t): Promise<[ProbeOutcome, number]> => {
      const outcome = await probeConfirmed(rt, t.request, deadline, tickSignal);
      return [outcome, rt.clock.now()];
    }),
    rt.control ? probeConfirmed(rt, rt.control, deadline, tickSignal) : Promise.resolve(undefined),
  ]);
  const impaired = control !== undefined && !control.ok;
  if (impaired)
    problems.push(
      `this observer is impaired: its control target failed (${control.error?.kind}: ${control.error?.message}); its failures are not evidence this tick`,
    );
  const rowsByGroup = new Map(rt.config.groups.map((g, i) => [g.name, previous[i]]));

  // Run counts continue from this observer's own last rows; without them (store unreadable) the
  // counts would restart, so that group's observations are not written this tick.
  const observations: Observation[] = [];
  targets.forEach((t, i) => {
    const rows = rowsByGroup.get(t.group);
    if (rows === undefined) return;
    const own = rows.find((o) => o.observer === rt.observer && o.target === t.target);
    const [outcome, at] = outcomes[i]!;
    observations.push(
      nextObservation(
        own,
        { observer: rt.observer, group: t.group, target: t.target, tick },
        outcome,
        at,
      ),
    );
  });

  if (observations.length > 0) {
    try {
      await rt.store.recordObservations(observations, call);
    } catch (error) {
      problems.push(describe(error));
    }
  }

  // The heartbeat goes out even when observations could not be written: the observer is alive.
  // Readers count an observation only when it is at most one tick behind the heartbeat.
  const now = rt.clock.now();
  const heartbeat: Heartbeat = {
    observer: rt.observer,
    tick,
    at: now,
    version: rt.version,
    tickMs: now - startedAt,
    impaired,
  };
  try {
    await rt.store.recordHeartbeat(heartbeat, call);
  } catch (error) {
    problems.push(describe(error));
  }

  return {
    observer: rt.observer,
    tick,
    startedAt,
    durationMs: rt.clock.now() - startedAt,
    observations,
    impaired,
    problems: [...new Set(problems)],
  };
}
