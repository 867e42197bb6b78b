// Runs many seeded simulations and summarises them; used by the CI test and `npm run sim`.
import type { Detection } from "./detection.js";
import type { Model, SimResult } from "./simulate.js";
import { simulate } from "./simulate.js";

export const MODELS: readonly Model[] = ["active-passive", "passive-cold", "active-active"];

export interface Summary {
  readonly runs: number;
  /** The seeds run: firstSeed to lastSeed, each with every model (the last maybe with fewer). */
  readonly firstSeed: number;
  readonly lastSeed: number;
  readonly models: readonly Model[];
  readonly failing: readonly SimResult[];
  readonly failovers: number;
  /** Alerts delivered, and those sent again after their first mark was lost (the sender died, or the store refused the mark). */
  readonly alerts: { readonly delivered: number; readonly resentAfterCrash: number };
  readonly shifts: number;
  readonly outages: number;
  readonly detectionMs: readonly number[];
  /** The same detections, with the faults that overlapped each and what held it back. */
  readonly detections: readonly Detection[];
  readonly elapsedMs: number;
}

export const replayCommand = (r: SimResult, minutes: number) =>
  `npm run sim -- --seed ${r.seed} --model ${r.model} --minutes ${minutes}`;

export interface ManyOptions {
  /** Exactly this many runs; or, with `budgetMs`, at least this many. */
  readonly runs: number;
  /** Keep going past `runs` while the time spent is under this budget (CI sizes itself by it). */
  readonly budgetMs?: number;
  readonly firstSeed?: number;
  readonly minutes: number;
  readonly models?: readonly Model[];
  /** ARM faults on top of each run's own (see SimOptions.arm). */
  readonly arm?: "off" | "slow";
}

export async function simulateMany(options: ManyOptions): Promise<Summary> {
  const started = Date.now();
  const models = options.models ?? MODELS;
  const firstSeed = options.firstSeed ?? 1;
  const failing: SimResult[] = [];
  let failovers = 0;
  let shifts = 0;
  let outages = 0;
  const alerts = { delivered: 0, resentAfterCrash: 0 };
  const detectionMs: number[] = [];
  const detections: Detection[] = [];
  let runs = 0;
  const more = () =>
    runs < options.runs ||
    (options.budgetMs !== undefined && Date.now() - started < options.budgetMs);
  while (more()) {
    const seed = firstSeed + Math.floor(runs / models.length);
    const model = models[runs % models.length]!;
    const result = await simulate(seed, {
      model,
      minutes: options.minutes,
      ...(options.arm ? { arm: options.arm } : {}),
    });
    runs++;
    if (result.violations.length > 0) failing.push(result);
    failovers += result.failovers;
    shifts += result.shifts;
    outages += result.outages;
    alerts.delivered += result.alerts?.delivered ?? 0;
    alerts.resentAfterCrash += result.alerts?.resentAfterCrash ?? 0;
    detectionMs.push(...result.detectionMs);
    detections.push(...(result.detections ?? []));
  }
  return {
    runs,
    firstSeed,
    lastSeed: firstSeed + Math.floor((runs - 1) / models.length),
    models,
    failing,
    failovers,
    alerts,
    shifts,
    outages,
    detectionMs,
    detections,
    elapsedMs: Date.now() - started,
  };
}

/** One line saying what ran: how many runs, which seeds, how long. */
export const describeRuns = (s: Summary, minutes: number) =>
  `${s.runs} runs (seeds ${s.firstSeed} to ${s.lastSeed}, each under ${s.models.length === 1 ? s.models[0] : `${s.models.length} deployment models`}, ${minutes} simulated minutes each) in ${(s.elapsedMs / 1000).toFixed(1)} s`;
