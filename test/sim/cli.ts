// `npm run sim -- [--runs N] [--seed S] [--model M] [--minutes M]`: the long soak, or the replay of
// one seed that a failing run printed.
import { parseArgs } from "node:util";
import type { Model } from "./simulate.js";
import { simulate } from "./simulate.js";
import { MODELS, describeRuns, replayCommand, simulateMany } from "./run.js";
import { describeDetections, slowByHold, undisturbed } from "./detection.js";

/** Three intervals: about twice the slowest undisturbed detection. */
const SLOW_MS = 30_000;

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1000" },
    seed: { type: "string" },
    model: { type: "string" },
    minutes: { type: "string", default: "6" },
    arm: { type: "string" },
  },
});
const arm = values.arm as "off" | "slow" | undefined;
if (arm !== undefined && arm !== "off" && arm !== "slow") {
  console.error("--arm must be off or slow");
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
    console.log(`  with any of those: ${describeDetections(disturbed)}`);
    const slow = slowByHold(summary.detections, SLOW_MS);
    console.log(
      `  slower than ${SLOW_MS / 1000} s: ${slow.reduce((n, [, c]) => n + c, 0)} (${quiet.filter((d) => d.ms > SLOW_MS).length} of them undisturbed), by what held the verdict back longest:`,
    );
    for (const [hold, count] of slow) console.log(`    ${String(count).padStart(5)}  ${hold}`);
  }
  for (const r of summary.failing)
    console.log(`  ${r.violations[0]}  -> ${replayCommand(r, minutes)}`);
  process.exitCode = summary.failing.length ? 1 : 0;
}
