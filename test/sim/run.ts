// Runs many seeded simulations and summarises them; used by the CI test and `npm run sim`.
import type { Detection } from "./detection.js";
import type { RouteRecord } from "./route-check.js";
import type { ArmTally } from "./arm-model.js";
import { NO_CALLS, addTally } from "./arm-model.js";
import type { DataTally } from "./data-check.js";
import { NO_DATA, addData } from "./data-check.js";
import type { ArmMode, Model, Scenario, SimResult } from "./simulate.js";
import { simulate } from "./simulate.js";

export const MODELS: readonly Model[] = ["active-passive", "passive-cold", "active-active"];
/**
 * The sweep's scenarios: every fault at once, and the failover through a slow control plane with
 * a healthy standby (where the failover invariant always applies; chaos rarely leaves it one).
 */
export const SWEEP: readonly Scenario[] = ["chaos", "failover"];

export interface Summary {
  readonly runs: number;
  /** The seeds run: firstSeed to lastSeed, each with every model and scenario (the last maybe with fewer). */
  readonly firstSeed: number;
  readonly lastSeed: number;
  readonly models: readonly Model[];
  readonly scenarios: readonly Scenario[];
  readonly failing: readonly SimResult[];
  readonly failovers: number;
  /** Alerts delivered, and those sent again after their first mark was lost (the sender died, or the store refused the mark). */
  readonly alerts: { readonly delivered: number; readonly resentAfterCrash: number };
  readonly shifts: number;
  readonly outages: number;
  readonly detectionMs: readonly number[];
  /** The same detections, with the faults that overlapped each and what held it back. */
  readonly detections: readonly Detection[];
  /** Per detection followed by a change of the traffic lever: the kept verdict to its call. */
  readonly verdictToLeverMs: readonly number[];
  /** The observers' requests to each other to probe now (see SimResult.peers), summed. */
  readonly peers: NonNullable<SimResult["peers"]>;
  /** Every outage of the primary, with the failover's time to route traffic to the standby. */
  readonly routes: readonly RouteRecord[];
  /** Every lever call ARM answered, by outcome. */
  readonly armCalls: ArmTally;
  /** What the data step did across the runs whose group has data stores. */
  readonly data: DataTally;
  readonly elapsedMs: number;
}

export const replayCommand = (r: SimResult, minutes: number) =>
  `npm run sim -- --seed ${r.seed} --model ${r.model} --minutes ${minutes}${r.scenario ? ` --scenario ${r.scenario}` : ""}${r.arm ? ` --arm ${r.arm}` : ""}`;

export interface ManyOptions {
  /** Exactly this many runs; or, with `budgetMs`, at least this many. */
  readonly runs: number;
  /** Keep going past `runs` while the time spent is under this budget (CI sizes itself by it). */
  readonly budgetMs?: number;
  readonly firstSeed?: number;
  readonly minutes: number;
  readonly models?: readonly Model[];
  /** The scenarios each seed runs under, with every model (SWEEP when absent). */
  readonly scenarios?: readonly Scenario[];
  /** Azure Resource Manager's model (see SimOptions.arm); `latency` when absent. */
  readonly arm?: ArmMode;
}

export async function simulateMany(options: ManyOptions): Promise<Summary> {
  const started = Date.now();
  const models = options.models ?? MODELS;
  const scenarios = options.scenarios ?? SWEEP;
  const perSeed = models.length * scenarios.length;
  const firstSeed = options.firstSeed ?? 1;
  const failing: SimResult[] = [];
  let failovers = 0;
  let shifts = 0;
  let outages = 0;
  const alerts = { delivered: 0, resentAfterCrash: 0 };
  const detectionMs: number[] = [];
  const detections: Detection[] = [];
  const verdictToLeverMs: number[] = [];
  const peers = { asked: 0, answered: 0, failed: 0, keptWhileAnswering: 0 };
  const routes: RouteRecord[] = [];
  let armCalls = NO_CALLS;
  let data = NO_DATA;
  let runs = 0;
  const more = () =>
    runs < options.runs ||
    (options.budgetMs !== undefined && Date.now() - started < options.budgetMs);
  while (more()) {
    const seed = firstSeed + Math.floor(runs / perSeed);
    const model = models[runs % models.length]!;
    const scenario = scenarios[Math.floor(runs / models.length) % scenarios.length]!;
    const result = await simulate(seed, {
      model,
      ...(scenario === "chaos" ? {} : { scenario }),
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
    if (result.verdictToLeverMs !== undefined) verdictToLeverMs.push(result.verdictToLeverMs);
    for (const key of Object.keys(peers) as (keyof typeof peers)[])
      peers[key] += result.peers?.[key] ?? 0;
    routes.push(...(result.routes ?? []));
    if (result.armCalls) armCalls = addTally(armCalls, result.armCalls);
    if (result.data) data = addData(data, result.data);
  }
  return {
    runs,
    firstSeed,
    lastSeed: firstSeed + Math.floor((runs - 1) / perSeed),
    models,
    scenarios,
    failing,
    failovers,
    alerts,
    shifts,
    outages,
    detectionMs,
    detections,
    verdictToLeverMs,
    peers,
    routes,
    armCalls,
    data,
    elapsedMs: Date.now() - started,
  };
}

/** One line saying what the observers asked of each other. */
export const describePeers = (p: Summary["peers"]) =>
  `requests to probe now: ${p.asked}; ${p.answered} answered, ${p.failed} failed (the peer down, paused or gone, a partition, the asker's patience); ${p.keptWhileAnswering} verdicts kept by a holder while it answered one`;

/** One line saying what ARM did. */
export const describeArm = (t: ArmTally) =>
  `lever calls through the simulated ARM: ${t.calls}; ${t.throttled} answered 429, ${t.failed500} 500 after the SDK's retries, ${t.timedOut} past the client's 30 s timeout (${t.lateWrites} writes made after their client gave up), ${t.fenced} cut by the fence`;

/** One line saying what the data step did. */
export const describeData = (d: DataTally) =>
  `data stores' failovers asked: ${d.asked}; ${d.planned} planned and ${d.forced} forced accepted, ${d.refusedByStore} refused for sure by the store (asked again after a backoff), ${d.unknown} that may have reached Azure (never asked again); ${d.refusedByTandem} data.refused and ${d.stranded} data.stranded pages`;

/** One line saying what ran: how many runs, which seeds, how long. */
export const describeRuns = (s: Summary, minutes: number) =>
  `${s.runs} runs (seeds ${s.firstSeed} to ${s.lastSeed}, each under ${s.models.length === 1 ? s.models[0] : `${s.models.length} deployment models`} in ${s.scenarios.join(" and ")}, ${minutes} simulated minutes each) in ${(s.elapsedMs / 1000).toFixed(1)} s`;
