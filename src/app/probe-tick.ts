// One observer's probe tick: probe every target, record the observations and a heartbeat. Each
// tick has a number (with the process's instance id) so that readers can tell current rows from
// old ones without comparing clocks. A tick never throws: what went wrong is in its result.
import type { Heartbeat, Observation, ProbeOutcome, TickId } from "../core/observation.js";
import { nextObservation } from "../core/observation.js";
import { mapBounded } from "./bounded.js";
import type { Runtime } from "./runtime.js";
import type { Target } from "./targets.js";
import { probeTargets } from "./targets.js";

/** Probes in flight at once; each has its own timeout, so a hanging target holds one slot only. */
const PROBE_CONCURRENCY = 32;

export interface ProbeTickResult {
  readonly observer: string;
  readonly tick: TickId;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly observations: readonly Observation[];
  /** What went wrong, one sentence each; empty on a clean tick. */
  readonly problems: readonly string[];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A prober must not throw, but if one does, that target fails and the tick goes on. */
async function probeSafely(
  rt: Runtime,
  t: Target,
  call: { abortSignal?: AbortSignal },
): Promise<ProbeOutcome> {
  try {
    return await rt.prober.probe({ url: t.url, timeoutMs: t.timeoutMs }, call);
  } catch (error) {
    return {
      ok: false,
      latencyMs: 0,
      error: { kind: "error", message: `the probe failed: ${describe(error)}` },
    };
  }
}

export async function runProbeTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<ProbeTickResult> {
  const startedAt = rt.clock.now();
  const tick: TickId = { instance: rt.instance, seq: ++rt.memory.seq };
  const problems: string[] = [];
  const targets = probeTargets(rt.config);
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};

  const [previous, outcomes] = await Promise.all([
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
    mapBounded(targets, PROBE_CONCURRENCY, async (t): Promise<[ProbeOutcome, number]> => {
      const outcome = await probeSafely(rt, t, call);
      return [outcome, rt.clock.now()];
    }),
  ]);
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
    impaired: false,
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
    problems: [...new Set(problems)],
  };
}
