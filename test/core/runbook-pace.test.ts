// How often an open incident reads its levers while its step waits on a slow operation: at once
// unless its last read showed one under way, then further apart as the step ages, never more than
// a minute apart nor a tenth of the step's limit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterState, LeverView, Step } from "../../src/core/index.js";
import { readDueAt } from "../../src/core/runbook-pace.js";
import { wakeFailover } from "../helpers/wake-failover.js";

const EPOCH = 3;
const INTERVAL = 10_000;
const policy = { wakeTimeoutMs: 600_000, propagationTimeoutMs: 1_200_000 };

const at = (step: Step) => wakeFailover(step, 1_000_000);

const cluster = (power: ClusterState["power"]): ClusterState => ({ power, nodePools: [] });
/** A view read `intoStep` ms after the step began. */
const view = (intoStep: number, fields: Partial<LeverView> = {}): LeverView => ({
  clusters: { neu: cluster("Starting") },
  readAt: 1_000_000 + intoStep,
  epoch: EPOCH,
  ...fields,
});

describe("runbook: when a step that waits on a slow operation reads again", () => {
  const cases: {
    name: string;
    step: Step;
    view?: LeverView;
    limits?: typeof policy;
    /** ms after the view's read; undefined: due at once. */
    due?: number;
  }[] = [
    { name: "never read: at once", step: "waking" },
    { name: "early in the step, while the cluster starts: at once", step: "waking", view: view(0) },
    {
      name: "100 s into the step, while the cluster starts: 50 s later (half an interval early)",
      step: "waking",
      view: view(100_000),
      due: 45_000,
    },
    {
      name: "ten minutes in: a minute later at most",
      step: "waking",
      view: view(600_000),
      due: 55_000,
    },
    {
      name: "under a short wake timeout: a tenth of it apart at most",
      step: "waking",
      view: view(600_000),
      limits: { ...policy, wakeTimeoutMs: 300_000 },
      due: 25_000,
    },
    {
      name: "a running cluster (the next read may move the step on): at once",
      step: "waking",
      view: view(600_000, { clusters: { neu: cluster("Running") } }),
    },
    {
      name: "pre-warming a started cluster (only the verdict moves it on): paced",
      step: "prewarming",
      view: view(100_000),
      due: 45_000,
    },
    {
      name: "pre-warming a stopped cluster (it is to be started): at once",
      step: "prewarming",
      view: view(100_000, { clusters: { neu: cluster("Stopped") } }),
    },
    {
      name: "verifying while the lever propagates: paced",
      step: "verifying",
      view: view(100_000, { routing: { regions: [], propagating: true } }),
      due: 45_000,
    },
    {
      name: "shifting traffic: at once",
      step: "shifting-traffic",
      view: view(100_000, { routing: { regions: [] } }),
    },
    {
      name: "a view of an earlier holder's epoch: at once",
      step: "waking",
      view: view(100_000, { epoch: EPOCH - 1 }),
    },
    {
      name: "a view whose last read failed: at once",
      step: "waking",
      view: view(100_000, { failedAt: 1_100_000 }),
    },
    {
      name: "a view read before the step began: at once",
      step: "waking",
      view: view(-5_000),
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const due = readDueAt(at(c.step), c.view, EPOCH, INTERVAL, c.limits ?? policy);
      assert.equal(due === undefined ? undefined : due - c.view!.readAt, c.due);
    });
});
