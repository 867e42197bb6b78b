// The order in which the holder's tick serves its groups (and so its share of ARM's reads): first
// opened, first served, in an order that does not move as views age; a step waiting on a slow
// operation steps aside until its read is due; quiet groups last.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterState, LeverView, Step } from "../../src/core/index.js";
import { runbookOrder } from "../../src/app/runbook-order.js";
import { wakeFailover } from "../helpers/wake-failover.js";

const EPOCH = 2;
const INTERVAL = 10_000;
const policy = { wakeTimeoutMs: 600_000, propagationTimeoutMs: 1_200_000 };

const incident = (openedAt: number, step: Step = "shifting-traffic") =>
  wakeFailover(step, openedAt);
const starting = (readAt: number): LeverView => ({
  clusters: { neu: { power: "Starting", nodePools: [] } satisfies ClusterState },
  readAt,
  epoch: EPOCH,
});
type GroupTurn = Parameters<typeof runbookOrder>[0][number];
const turn = (fields: Partial<GroupTurn> = {}): GroupTurn => ({
  changed: false,
  policy,
  ...fields,
});

describe("runbook: the order of the holder's groups", () => {
  it("open incidents oldest first, whatever the configuration's order; then changed verdicts; then quiet groups", () => {
    const groups = [
      turn(),
      turn({ open: incident(3000) }),
      turn({ changed: true }),
      turn({ open: incident(1000) }),
      turn({ open: incident(1000) }),
    ];
    assert.deepEqual(runbookOrder(groups, EPOCH, 5000, INTERVAL), [3, 4, 1, 2, 0]);
  });

  it("the order stands from tick to tick while views age and are read again", () => {
    const groups = (now: number) =>
      [5000, 1000, 3000].map((openedAt, i) =>
        turn({
          open: incident(openedAt),
          view: { clusters: {}, readAt: now - 10_000 * ((i + now / 10_000) % 3), epoch: EPOCH },
        }),
      );
    const orders = [0, 10_000, 20_000, 30_000].map((now) =>
      runbookOrder(groups(now + 100_000), EPOCH, now + 100_000, INTERVAL),
    );
    for (const order of orders) assert.deepEqual(order, [1, 2, 0]);
  });

  it("a step waiting on a starting cluster steps aside until its read is due, then has its turn again", () => {
    const waking = incident(1000, "waking");
    // Read 200 s into the step: due a minute later (less half an interval).
    const groups = [
      turn({ open: waking, view: starting(201_000) }),
      turn({ open: incident(2000) }),
      turn({ changed: true }),
    ];
    assert.deepEqual(runbookOrder(groups, EPOCH, 211_000, INTERVAL), [1, 2, 0]);
    assert.deepEqual(runbookOrder(groups, EPOCH, 256_000, INTERVAL), [0, 1, 2]);
  });

  it("a changed verdict brings a waiting step its turn at once", () => {
    const groups = [
      turn({ open: incident(2000) }),
      turn({ open: incident(1000, "waking"), view: starting(201_000), changed: true }),
    ];
    assert.deepEqual(runbookOrder(groups, EPOCH, 211_000, INTERVAL), [1, 0]);
  });

  it("with no work anywhere, the oldest views first", () => {
    const view = (readAt: number): LeverView => ({ clusters: {}, readAt, epoch: EPOCH });
    const groups = [
      turn({ view: view(3000) }),
      turn(),
      turn({ view: view(1000) }),
      turn({ view: view(2000) }),
    ];
    assert.deepEqual(runbookOrder(groups, EPOCH, 5000, INTERVAL), [1, 2, 3, 0]);
  });
});
