// A mass failover where reads are scarce, small: five groups lose their primary at once and the
// holder may read two levers a tick (what 1,000 groups meet at ARM's full budget). The first
// opened are served first and finish first, and no step times out because it waited in Tandem's
// own queue for a read (ADR 0028). The 1,000-group figures are `npm run bench -- --only
// arm-budget-1000`'s.
import assert from "node:assert/strict";
import { it } from "node:test";
import { simulateScale } from "./scale.js";

it("five failovers with two reads a tick: first opened, first finished, and none times out in the queue", async (t) => {
  const result = await simulateScale({
    groups: 5,
    model: "active-passive",
    healthyMinutes: 1,
    outage: true,
    readsPerTick: 2,
    // Short enough that the last in the queue would run past it if its wait were counted.
    timeouts: { stepSeconds: 60, wakeSeconds: 120 },
  });
  const outage = result.outage!;
  t.diagnostic(JSON.stringify(outage.incidents));
  assert.equal(outage.failed, 0, JSON.stringify(outage.endings));
  assert.equal(outage.completed, 5);
  assert.equal(outage.throttled, 0);
  // Opened together, so served in the configuration's order: the first two end before the last two.
  const ended = [...outage.incidents]
    .sort((a, b) => a.openedMs - b.openedMs || a.group.localeCompare(b.group))
    .map((x) => x.endedMs!);
  assert.ok(
    Math.max(...ended.slice(0, 2)) < Math.min(...ended.slice(3)),
    `ended at ${ended.join(", ")} ms`,
  );
});
