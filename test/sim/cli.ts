// `npm run sim -- [--runs N] [--seed S] [--model M] [--minutes M]`: the long soak, or the replay of
// one seed that a failing run printed.
import { parseArgs } from "node:util";
import type { Model } from "./simulate.js";
import { simulate } from "./simulate.js";
import { MODELS, describeRuns, replayCommand, simulateMany } from "./run.js";

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
      `${summary.failing.length} with invariant violations; ${summary.failovers} completed failovers (${summary.shifts} reached the traffic shift) over ${summary.outages} region outages`,
  );
  if (sorted.length)
    console.log(
      `detection of primary outages: median ${at(50)} ms, p99 ${at(99)} ms (${sorted.length} outages)`,
    );
  for (const r of summary.failing)
    console.log(`  ${r.violations[0]}  -> ${replayCommand(r, minutes)}`);
  process.exitCode = summary.failing.length ? 1 : 0;
}
