// Time to recover per deployment model (issue 19): from the start of an outage of the primary
// region until clients' traffic reaches a region that serves, with Azure's realistic timing
// (src/sandbox/arm/timing.ts), for each deployment model and traffic lever, and on the same
// timelines (the same outage start, the same probe phases) what Traffic Manager or Front Door
// alone would do, and what a person running the runbook by hand would take.
//
// Tandem is the simulator (test/sim) running the real probe, orchestrate, store and runbook code
// with lever timing. The others are models of timing alone, stated below; "never" is a timeline
// on which traffic never reaches a serving region (the platform alone cannot start a stopped
// cluster).
import type { ServiceTimings } from "../src/sandbox/arm/timing.js";
import { TIMINGS } from "../src/sandbox/arm/timing.js";
import type { Lever, Model, SimResult } from "../test/sim/simulate.js";
import { clientLagMs, random, simulate } from "../test/sim/simulate.js";
import { trafficManagerDetection } from "./detection.js";
import { percentile } from "./harness.js";

const MODELS: readonly Model[] = ["active-active", "active-passive", "passive-cold"];
const LEVERS: readonly Lever[] = ["traffic-manager", "front-door"];
const MINUTE = 60_000;

/** A duration drawn from a triangular distribution: least, most likely, most, in minutes. */
export interface Spread {
  readonly min: number;
  readonly mode: number;
  readonly max: number;
}

/**
 * The manual runbook, as assumed: one place to change it. The alert is an Application Insights
 * availability test with its metric alert; the rest is a person's time (no published figure was
 * found for these; bench/RESULTS.md gives the reasoning). Azure's own durations (cluster start,
 * node pool scale, the lever's delay) come from the timing profile, as for Tandem.
 */
export const MANUAL = {
  /** Availability test frequency: the test runs every 5 minutes (the usual template value). */
  testIntervalMin: 5,
  /** The metric alert rule's evaluation frequency: every minute. */
  alertEvaluationMin: 1,
  /** Paged until acknowledged (phone, laptop, VPN, sign-in). */
  acknowledge: { min: 1, mode: 5, max: 30 },
  /** Diagnose and decide: is the region down, is the standby fit, who agrees to fail over. */
  decide: { min: 5, mode: 15, max: 60 },
  /** Typing and checking the traffic change (two endpoint or origin updates, by hand). */
  leverCommands: { min: 2, mode: 4, max: 10 },
  /** passive-cold, after the cluster runs and its pool scaled: check pods and probe the region. */
  checkStandby: { min: 1, mode: 3, max: 10 },
} as const;

function triangular(rand: () => number, s: Spread): number {
  const u = rand();
  const c = (s.mode - s.min) / (s.max - s.min);
  const minutes =
    u < c
      ? s.min + Math.sqrt(u * (s.max - s.min) * (s.mode - s.min))
      : s.max - Math.sqrt((1 - u) * (s.max - s.min) * (s.max - s.mode));
  return minutes * MINUTE;
}

/**
 * Front Door's own detection: each edge probes every interval at a random phase and takes an
 * origin out once fewer than `successful` of its last `sampleSize` probes passed, that is at the
 * (sampleSize - successful + 1)th failed probe; traffic then moves at the edge, with no
 * configuration to deploy. One edge's timing stands for all of them.
 */
function frontDoorDetection(seed: number, t: ServiceTimings): number {
  const phase = random(seed ^ 0x2545f491)() * t.frontDoorProbeIntervalMs;
  const failuresNeeded = t.frontDoorSampleSize - t.frontDoorSuccessfulSamples + 1;
  return phase + (failuresNeeded - 1) * t.frontDoorProbeIntervalMs;
}

/** The platform alone, on a timeline: Infinity where it never recovers (a stopped standby). */
function platformAlone(seed: number, model: Model, lever: Lever, t: ServiceTimings): number {
  if (model === "passive-cold") return Infinity;
  return lever === "traffic-manager"
    ? trafficManagerDetection(seed, t.probeIntervalMs, t.toleratedFailures) + t.dnsTtlMs
    : frontDoorDetection(seed, t);
}

/**
 * The platform's own probes picking up a standby that Tandem woke, once it serves: Traffic
 * Manager's next probe marks it online (then the TTL); Front Door needs `successful` passing
 * probes. For the column where both run, as they do in a real deployment.
 */
function platformFindsStandby(seed: number, standbyMs: number, lever: Lever, t: ServiceTimings) {
  const phase = random(seed ^ 0x68e31da4)();
  return lever === "traffic-manager"
    ? standbyMs + phase * t.probeIntervalMs + t.dnsTtlMs
    : standbyMs +
        phase * t.frontDoorProbeIntervalMs +
        (t.frontDoorSuccessfulSamples - 1) * t.frontDoorProbeIntervalMs;
}

/** A person with the same az commands, on the same timeline (the same Azure durations). */
function manual(seed: number, model: Model, lever: Lever, t: ServiceTimings): number {
  const rand = random(seed * 48_271 + 11);
  const alert =
    rand() * MANUAL.testIntervalMin * MINUTE + rand() * MANUAL.alertEvaluationMin * MINUTE;
  const person = triangular(rand, MANUAL.acknowledge) + triangular(rand, MANUAL.decide);
  const wake =
    model === "passive-cold"
      ? t.clusterStartMs + t.nodePoolScaleMs + triangular(rand, MANUAL.checkStandby)
      : 0;
  // `az afd origin update` waits for its operation; clientLagMs counts it once, with propagation.
  return alert + person + wake + triangular(rand, MANUAL.leverCommands) + clientLagMs(t, lever);
}

/** Long enough for the slowest expected recovery to happen and be seen to hold. */
function minutesFor(model: Model, lever: Lever, t: ServiceTimings): number {
  const latestOutage = 3 * MINUTE; // the outage scenario starts it within minutes 2 to 3
  const wake = model === "passive-cold" ? t.clusterStartMs + t.nodePoolScaleMs + 2 * MINUTE : 0;
  return Math.ceil((latestOutage + MINUTE + wake + clientLagMs(t, lever) + 3 * MINUTE) / MINUTE);
}

const seconds = (values: readonly number[], p: number): number | "never" => {
  const v = percentile(values, p);
  return Number.isFinite(v) ? Math.round(v / 100) / 10 : "never";
};
const row = (values: readonly number[]) => ({
  medianS: seconds(values, 50),
  p99S: seconds(values, 99),
  never: values.filter((v) => !Number.isFinite(v)).length,
});

export async function recovery(runs: number, timings: ServiceTimings = TIMINGS.realistic) {
  const figures = [];
  let met = true;
  for (const model of MODELS)
    for (const lever of LEVERS) {
      const minutes = minutesFor(model, lever, timings);
      const tandem: number[] = [];
      const withPlatform: number[] = [];
      const alone: number[] = [];
      const byHand: number[] = [];
      const toLever: number[] = [];
      const steps: Record<string, number> = {};
      const outcomes: Record<string, number> = {};
      for (let seed = 1; seed <= runs; seed++) {
        const result: SimResult = await simulate(seed, {
          model,
          minutes,
          scenario: "outage",
          noQuietPeriod: true,
          timing: timings,
          lever,
        });
        const r = result.recovery!;
        const ms = r.ms ?? Infinity;
        tandem.push(ms);
        const platform = platformAlone(seed, model, lever, timings);
        alone.push(platform);
        const standby =
          model === "passive-cold" && r.standbyMs !== undefined
            ? platformFindsStandby(seed, r.standbyMs, lever, timings)
            : Infinity;
        withPlatform.push(Math.min(ms, platform, standby));
        byHand.push(manual(seed, model, lever, timings));
        toLever.push(result.verdictToLeverMs ?? Infinity);
        const add = (into: Record<string, number>, key: string, v: number) =>
          (into[key] = (into[key] ?? 0) + v);
        add(steps, "detectionS", (result.detectionMs[0] ?? NaN) / 1000 / runs);
        add(steps, "leverChangeS", (r.leverMs ?? NaN) / 1000 / runs);
        if (model === "passive-cold")
          add(steps, "standbyServesS", (r.standbyMs ?? NaN) / 1000 / runs);
        for (const outcome of r.incidents) add(outcomes, outcome, 1);
      }
      figures.push({
        model,
        lever,
        simulatedMinutes: minutes,
        tandem: row(tandem),
        tandemWithPlatformProbes: row(withPlatform),
        platformAlone: row(alone),
        manualRunbook: row(byHand),
        // From the kept `down` verdict to the runbook's call that changes the traffic lever (a
        // cold standby's wake comes between them).
        verdictToLeverCall: row(toLever),
        meanStepsAfterOutageStart: Object.fromEntries(
          Object.entries(steps).map(([k, v]) => [k, Math.round(v * 10) / 10]),
        ),
        incidents: outcomes,
      });
      const within = (v: number | "never", limit: number) => v !== "never" && v <= limit;
      if (model !== "passive-cold") met &&= within(row(toLever).medianS, 2);
      if (model === "active-passive" && lever === "traffic-manager")
        met &&= within(row(tandem).medianS, 80);
    }
  return {
    runs,
    timings,
    manual: MANUAL,
    figures,
    goal: "verdict to the lever change call <= 2 s median with a warm standby; Traffic Manager active-passive recovery median <= 80 s",
    met,
  };
}
