// The simulator in CI: 1,002 seeded runs across the three deployment models and every fault kind.
import assert from "node:assert/strict";
import { it } from "node:test";
import { replayCommand, simulateMany } from "./run.js";

const MINUTES = 4;

it("1,002 seeded simulations keep every invariant (a failure prints the command that replays it)", async () => {
  const summary = await simulateMany({ runs: 1002, minutes: MINUTES });
  const report = summary.failing
    .slice(0, 10)
    .map((r) => `${r.violations.join("; ")}\n    replay: ${replayCommand(r, MINUTES)}`)
    .join("\n");
  assert.equal(
    summary.failing.length,
    0,
    `invariants broken in ${summary.failing.length} run(s):\n${report}`,
  );
  assert.ok(
    summary.failovers > 200,
    `expected many failovers to be exercised, got ${summary.failovers}`,
  );
});
