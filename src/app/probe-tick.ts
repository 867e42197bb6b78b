// One observer's probe tick: probe every target, record the observations and a heartbeat. Each
// tick has a number (with the process's instance id) so that readers can tell current rows from
// old ones without comparing clocks. A tick never throws: what went wrong is in its result.
import type { Heartbeat, Observation, ProbeOutcome, TickId } from "../core/observation.js";
import { nextObservation } from "../core/observation.js";
import { setMaxListeners } from "node:events";
import type { ProbeRequest } from "../ports/prober.js";
import { errorText as describe } from "../core/errors.js";
import { isStoreError } from "../ports/state-store.js";
import { mapBounded } from "./bounded.js";
import { emit, storeReach } from "./emit.js";
import type { Runtime } from "./runtime.js";
import { telemetryOf } from "./runtime.js";

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

/**
 * Probes a target, and after a failure probes it again (up to `confirmRetries` times, spaced):
 * one success settles it as up. A probe starts only if its whole timeout fits before the tick's
 * deadline, so no probe is cut short into a false failure: undefined means "not probed this
 * tick", which leaves the target's last observation as it was. A confirming probe that does not
 * fit leaves the first failure standing. A prober must not throw; if one does, the target fails.
 */
async function probeConfirmed(
  rt: Runtime,
  request: ProbeRequest,
  deadline: number,
  signal: AbortSignal,
): Promise<ProbeOutcome | undefined> {
  const { confirmRetries, confirmSpacingSeconds } = rt.config.policy;
  const spacing = confirmSpacingSeconds * 1000;
  const fits = (wait: number) => rt.clock.now() + wait + request.timeoutMs <= deadline;
  const attempt = async (): Promise<ProbeOutcome | undefined> => {
    let outcome: ProbeOutcome;
    try {
      outcome = await rt.prober.probe(request, { abortSignal: signal });
    } catch (error) {
      outcome = {
        ok: false,
        latencyMs: 0,
        error: { kind: "error", message: `the probe failed: ${describe(error)}` },
      };
    }
    return outcome.error?.kind === "aborted" ? undefined : outcome;
  };
  if (!fits(0)) return undefined;
  const first = await attempt();
  if (!first || first.ok) return first;
  let confirmations = 0;
  for (let i = 1; i <= confirmRetries; i++) {
    if (!fits(spacing)) break;
    await rt.clock.sleep(spacing, signal);
    const again = await attempt();
    if (!again) break;
    if (again.ok) return { ...again, confirmations: i };
    confirmations = i;
  }
  // The first failure is reported, with how many re-probes failed after it.
  return confirmations > 0 ? { ...first, confirmations } : first;
}

export function runProbeTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<ProbeTickResult> {
  const tick: TickId = { instance: rt.instance, seq: ++rt.memory.seq };
  const operation = `${tick.instance}:${tick.seq}`;
  // Every record this tick causes (store calls, availability) carries its operation id.
  return telemetryOf(rt).within({ operation }, () => probeTick(rt, options, tick, operation));
}

async function probeTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal },
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
  const targets = rt.targets;
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const { intervalSeconds, probeConcurrency } = rt.config.policy;
  const budget = intervalSeconds * 1000 * (1 - MARGIN);
  const deadline = rt.clock.now() + budget;
  // Probes start only if their own timeout fits before the deadline, so the tick needs no timer
  // of its own; the caller's signal still stops it.
  const tickSignal = options.abortSignal ?? new AbortController().signal;
  setMaxListeners(0, tickSignal);

  const [previous, outcomes, control] = await Promise.all([
    Promise.all(
      rt.config.groups.map(async (g) => {
        try {
          return await rt.store.readObservations(g.name, call);
        } catch (error) {
          storeProblem(error);
          return undefined;
        }
      }),
    ),
    mapBounded(
      targets,
      probeConcurrency,
      async (t): Promise<[ProbeOutcome | undefined, number]> => {
        const outcome = await probeConfirmed(rt, t.request, deadline, tickSignal);
        return [outcome, rt.clock.now()];
      },
    ),
    rt.control ? probeConfirmed(rt, rt.control, deadline, tickSignal) : Promise.resolve(null),
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
  const rowsByGroup = new Map(rt.config.groups.map((g, i) => [g.name, previous[i]]));

  // Run counts continue from this observer's own last rows; without them (store unreadable) the
  // counts would restart, so that group's observations are not written this tick. An impaired
  // observer writes none: what it sees is not evidence, and must not run its counts up either.
  const observations: Observation[] = [];
  targets.forEach((t, i) => {
    const rows = rowsByGroup.get(t.group);
    const [outcome, at] = outcomes[i]!;
    if (rows === undefined || outcome === undefined || impaired) return;
    const own = rows.find((o) => o.observer === rt.observer && o.target === t.target);
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
      storeProblem(error);
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
    storeProblem(error);
  }

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
  };
}

/** One probe.outcome per target probed this tick, and a certificate warning when its days change. */
function sayOutcomes(
  rt: Runtime,
  operation: string,
  targets: Runtime["targets"],
  outcomes: readonly [ProbeOutcome | undefined, number][],
  observations: readonly Observation[],
): void {
  targets.forEach((t, i) => {
    const [outcome] = outcomes[i]!;
    if (!outcome) return;
    const observed = observations.find((o) => o.group === t.group && o.target === t.target);
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
