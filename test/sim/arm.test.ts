// Detection never waits on Azure Resource Manager: the same outage, simulated with ARM answering
// at once and with ARM slow (`--arm slow`: a call's latency median 4 s, 429 and 500 storms back to
// back all run long), is judged down at the same moment (within one interval); every invariant
// holds under the faults, the failover one included, and once ARM answers again the failover
// completes (the end-of-run check: traffic on a region that serves).
import assert from "node:assert/strict";
import { it } from "node:test";
import { MODELS, replayCommand } from "./run.js";
import { simulate } from "./simulate.js";

const MINUTES = 6;
const INTERVAL_MS = 10_000;
const BUDGET_MS = Number(process.env["SIM_ARM_BUDGET_SECONDS"] ?? 5) * 1000;
const MIN_SEEDS = 5;

it("with ARM slow and throttling, outages are detected as fast as without, every invariant holds, and the failover completes once ARM answers", async (t) => {
  const started = Date.now();
  let seeds = 0;
  let compared = 0;
  const problems: string[] = [];
  for (let seed = 1; seeds < MIN_SEEDS || Date.now() - started < BUDGET_MS; seed++, seeds++) {
    for (const model of MODELS) {
      const base = { model, minutes: MINUTES, scenario: "outage" as const };
      const quick = await simulate(seed, { ...base, arm: "off" });
      const slow = await simulate(seed, { ...base, arm: "slow" });
      for (const r of [quick, slow])
        if (r.violations.length > 0)
          problems.push(
            `${r.violations.join("; ")} (replay: ${replayCommand(r, MINUTES)} --scenario outage)`,
          );
      const [a, b] = [quick.detectionMs[0], slow.detectionMs[0]];
      if (a === undefined || b === undefined) {
        problems.push(
          `seed ${seed} ${model}: the outage was not detected (quick ${a}, slow ARM ${b})`,
        );
        continue;
      }
      compared++;
      if (Math.abs(a - b) > INTERVAL_MS)
        problems.push(
          `seed ${seed} ${model}: detected after ${a} ms with ARM answering, ${b} ms with ARM slow`,
        );
    }
  }
  t.diagnostic(
    `${seeds} seeds x ${MODELS.length} models, ${compared} outages compared, in ${Date.now() - started} ms`,
  );
  assert.deepEqual(problems.slice(0, 10), []);
  assert.ok(compared >= MIN_SEEDS * MODELS.length);
});
