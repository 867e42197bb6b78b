// `npm run sim -- [--runs N] [--seed S] [--model M] [--scenario S] [--minutes M] [--arm A]`: the
// long soak, or the replay of one seed that a failing run printed. Each seed runs every model in
// each scenario of the sweep (chaos, then failover; --scenario picks one).
//
// --arm: how Azure Resource Manager answers the levers (test/sim/arm-model.ts).
//   latency (default)  each call's latency log-normal, median 1 s, p99 30 s; the client's 30 s
//                      timeout (a write it gave up on may still be made, if its fence stands);
//                      now and then a 429 burst with Retry-After and a 500 burst
//   slow               four times slower, with 429 and 500 storms back to back all run long
//   off                every call answers at once (the model the seeds were first tuned on)
import { parseArgs } from "node:util";
import type { ArmMode, Model, Scenario } from "./simulate.js";
import { ARM_MODES, SCENARIOS, simulate } from "./simulate.js";
import {
  MODELS,
  SWEEP,
  describeArm,
  describeData,
  describePeers,
  describeRuns,
  replayCommand,
  simulateMany,
} from "./run.js";
import { describeDetections, slowByHold, undisturbed } from "./detection.js";
import { describeRoutes, medianP99 } from "./route-check.js";

/** Three intervals: about twice the slowest undisturbed detection. */
const SLOW_MS = 30_000;
/**
 * From when the standby could take traffic to when it had it: well beyond the runbook's own pace
 * (one tick since issue 25; three before, when this was set, and kept for comparison) and a
 * median call.
 */
const SLOW_ROUTE_MS = 45_000;

const USAGE = `npm run sim -- [--runs N] [--seed S] [--model M] [--scenario S] [--minutes M] [--arm A]
  --runs N       seeded runs of the sweep (default 1000); each seed runs every model and scenario
  --seed S       replay one seed (a failing run prints the command)
  --model M      ${MODELS.join(", ")}
  --scenario S   ${SCENARIOS.join(", ")}
  --minutes M    simulated minutes per run (default 6)
  --arm A        how Azure Resource Manager answers: ${ARM_MODES.join(", ")} (default latency)
  SIM_TRACE=1    prints what a replayed run did`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      runs: { type: "string", default: "1000" },
      seed: { type: "string" },
      model: { type: "string" },
      minutes: { type: "string", default: "6" },
      arm: { type: "string" },
      scenario: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const { values } = parsed;
const scenario = values.scenario as Scenario | undefined;
if (scenario !== undefined && !SCENARIOS.includes(scenario)) {
  console.error(`--scenario must be one of ${SCENARIOS.join(", ")}`);
  process.exit(2);
}
const arm = values.arm as ArmMode | undefined;
if (arm !== undefined && !ARM_MODES.includes(arm)) {
  console.error(`--arm must be one of ${ARM_MODES.join(", ")}`);
  process.exit(2);
}
const minutes = Number(values.minutes);
const models = values.model ? [values.model as Model] : MODELS;
if (values.model && !MODELS.includes(values.model as Model)) {
  console.error(`--model must be one of ${MODELS.join(", ")}`);
  process.exit(2);
}

if (values.seed !== undefined) {
  for (const model of models) {
    const result = await simulate(Number(values.seed), {
      model,
      minutes,
      ...(scenario ? { scenario } : {}),
      ...(arm ? { arm } : {}),
    });
    console.log(
      `seed ${result.seed} ${model}: ${result.violations.length ? "VIOLATIONS" : "ok"}; ${result.failovers} failover(s), ${result.outages} outage(s)`,
    );
    for (const v of result.violations) console.log(`  ${v}`);
  }
} else {
  const summary = await simulateMany({
    runs: Number(values.runs),
    minutes,
    models,
    scenarios: scenario ? [scenario] : SWEEP,
    ...(arm ? { arm } : {}),
  });
  const sorted = [...summary.detectionMs].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  console.log(
    `${describeRuns(summary, minutes)}: ` +
      `${summary.failing.length} with invariant violations; ${summary.failovers} completed failovers (${summary.shifts} reached the traffic shift) over ${summary.outages} region outages; ${summary.alerts.delivered} alerts delivered, ${summary.alerts.resentAfterCrash} sent again after their first mark was lost (the sender died, or the store refused the mark)`,
  );
  if (sorted.length) {
    console.log(
      `detection of primary outages: median ${at(50)} ms, p99 ${at(99)} ms (${sorted.length} outages)`,
    );
    // Chaos runs inject many faults at once, and several rightly hold a verdict back (the store
    // down, an outside observer lost with no witness, a quiet observer's last view): the tail of
    // all detections is theirs, so the undisturbed ones are reported apart, and the slow ones by
    // what held them back longest.
    const [quiet, disturbed] = [
      summary.detections.filter(undisturbed),
      summary.detections.filter((d) => !undisturbed(d)),
    ];
    console.log(
      `  undisturbed (no store outage, observer lost, holder crash, partition from, flapping or gray failure of the primary meanwhile): ${describeDetections(quiet)}`,
    );
    console.log(
      `    of which with no random store errors either: ${describeDetections(quiet.filter((d) => !d.during.includes("store-errors")))}`,
    );
    console.log(`  with any of those: ${describeDetections(disturbed)}`);
    const slow = slowByHold(summary.detections, SLOW_MS);
    console.log(
      `  slower than ${SLOW_MS / 1000} s: ${slow.reduce((n, [, c]) => n + c, 0)} (${quiet.filter((d) => d.ms > SLOW_MS).length} of them undisturbed), by what held the verdict back longest:`,
    );
    for (const [hold, count] of slow) console.log(`    ${String(count).padStart(5)}  ${hold}`);
  }
  // The call, not ARM's answer: what the runbook's own pace adds after the verdict (a cold
  // standby's wake included).
  console.log(
    `kept down verdict to the call that changes the traffic lever: ${medianP99(summary.verdictToLeverMs)} (${summary.verdictToLeverMs.length} failovers)`,
  );
  console.log(describePeers(summary.peers));
  console.log(describeArm(summary.armCalls));
  console.log(describeData(summary.data));
  for (const line of describeRoutes(summary.routes, SLOW_ROUTE_MS)) console.log(line);
  for (const r of summary.failing)
    console.log(`  ${r.violations[0]}  -> ${replayCommand(r, minutes)}`);
  process.exitCode = summary.failing.length ? 1 : 0;
}
