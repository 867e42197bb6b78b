// Waiting on Azure Resource Manager is the lever's time, not the step's: a failover whose lever
// is throttled for longer than its step timeout goes on once ARM answers again (the simulator's
// sweep found it failing, then opening a second incident, at the very tick ARM came back); and a
// wait ARM asked for that ends within the tick is waited out there, not at the next tick.
import assert from "node:assert/strict";
import { it } from "node:test";
import { ArmBudgetTracker } from "../../src/adapters/azure/budget.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import { leverTimeSince, readLeversBy } from "../../src/app/lever-view.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import { primaryOf } from "../../src/core/index.js";
import { parseConfig } from "../../src/config/index.js";
import { ManualClock, twoRegionConfig } from "../helpers/runtime.js";
import { evidenceOf, keptOf, shopRouter } from "../helpers/shop-runbook.js";

interface Rig {
  rt: Runtime;
  clock: ManualClock;
  router: MemoryTrafficRouter;
  /** Reads of the routing ARM answered (not throttled). */
  reads: number[];
  /** Until when ARM answers every call 429, and the Retry-After it gives. */
  throttle: { until: number; retryAfterSeconds: number };
  /** How long a read of the routing takes. */
  readMs: number;
  /** Another process of the deployment (northeurope), on the same store, lever and clock. */
  peer: () => Promise<Runtime>;
}

async function rig(): Promise<Rig> {
  const clock = new ManualClock();
  const budget = new ArmBudgetTracker(() => clock.now());
  const router = shopRouter();
  const store = new MemoryStateStore();
  const raw = twoRegionConfig({ westeurope: "http://a", northeurope: "http://b" });
  const config = parseConfig({
    ...raw,
    policy: { intervalSeconds: 10, probeTimeoutSeconds: 2, stepTimeoutSeconds: 60 },
  });
  const r: Rig = {
    rt: undefined as unknown as Runtime,
    clock,
    router,
    reads: [],
    throttle: { until: 0, retryAfterSeconds: 0 },
    readMs: 0,
    peer: () =>
      compose({ config, observer: "northeurope", store, clock, router, armBudget: budget }),
  };
  const read = router.read.bind(router);
  router.read = async (...args) => {
    await Promise.resolve();
    clock.advance(r.readMs);
    return read(...args);
  };
  router.fault = (call) => {
    if (clock.now() < r.throttle.until) {
      budget.record(429, (h) =>
        h === "retry-after" ? String(r.throttle.retryAfterSeconds) : undefined,
      );
      return new Error("429 TooManyRequests: Azure Resource Manager is throttling the calls");
    }
    if (call === "read") r.reads.push(clock.now());
    return undefined;
  };
  r.rt = await compose({
    config,
    observer: "westeurope",
    store,
    clock,
    router,
    armBudget: budget,
  });
  if (!(await tickLease(r.rt)).leader) {
    clock.advance(leaseTiming(r.rt).durationMs);
    assert.ok((await tickLease(r.rt)).leader);
  }
  return r;
}

const evidence = evidenceOf("down");
const kept = keptOf(evidence);

/** One orchestrate tick's runbook step (of the holder, or of `rt`); returns its outcome. */
async function tick(r: Rig, rt = r.rt, waitMs = 6000) {
  const lease = await tickLease(rt);
  assert.ok(lease.leader);
  return runbookTick(rt, rt.config.groups[0]!, evidence, kept, true, lease.epoch!, {
    deadline: r.clock.now() + waitMs,
    verdictChanged: false,
    operation: "test",
  });
}

it("a failover whose lever is throttled for longer than its step timeout goes on once ARM answers, in one incident", async () => {
  const r = await rig();
  const steps: string[] = [];
  const ids = new Set<string>();
  for (let i = 0; i < 40; i++) {
    // Two ticks in, ARM throttles every call for two minutes (twice the step timeout).
    if (i === 2) r.throttle = { until: r.clock.now() + 120_000, retryAfterSeconds: 15 };
    const outcome = await tick(r);
    const step = outcome.incident?.step;
    if (outcome.incident) ids.add(outcome.incident.id);
    if (step && steps.at(-1) !== step) steps.push(step);
    if (step === "completed" || step === "failed") break;
    r.clock.advance(10_000 - ((r.clock.now() - 1_800_000_000_000) % 10_000));
  }
  assert.equal(steps.at(-1), "completed", steps.join(" > "));
  assert.ok(!steps.includes("failed"), steps.join(" > "));
  assert.equal(ids.size, 1, `one incident, not ${[...ids].join(", ")}`);
  assert.equal(primaryOf(r.router.peek("shop")), "northeurope");
});

it("after a read that failed, the wait until the next lever call is counted as the lever's time", async () => {
  const r = await rig();
  const group = r.rt.config.groups[0]!;
  const since = r.clock.now();
  r.throttle = { until: since + 1, retryAfterSeconds: 15 };
  const read = () =>
    readLeversBy(
      r.rt,
      group,
      { routing: true, clusters: [] },
      r.clock.now() + 6000,
      1,
      () => undefined,
    );
  const failed = await read();
  assert.ok(failed && failed.problems.length === 1, JSON.stringify(failed));
  r.clock.advance(20_000);
  assert.equal(leverTimeSince(r.rt, group.name, since), 20_000, "still waiting on ARM");
  const answered = await read();
  assert.deepEqual(answered?.problems, []);
  r.clock.advance(5000);
  assert.equal(leverTimeSince(r.rt, group.name, since), 20_000, "the next call ended the wait");
});

it("a Retry-After that ends before the tick's deadline is waited out in the tick, not at the next one", async () => {
  const r = await rig();
  // Ticks until the incident stands at the traffic shift, which reads the routing.
  for (let i = 0; i < 5 && (await tick(r)).incident?.step !== "shifting-traffic"; i++)
    r.clock.advance(10_000);
  r.clock.advance(10_000);
  r.throttle = { until: r.clock.now() + 1, retryAfterSeconds: 3 };
  const throttledAt = r.clock.now();
  await tick(r);
  r.clock.advance(1000);
  const reads = r.reads.length;
  await tick(r);
  assert.equal(r.reads.length, reads + 1, "read in the same tick");
  assert.ok(r.reads.at(-1)! >= throttledAt + 3000, "after the Retry-After");
  assert.ok(r.reads.at(-1)! < throttledAt + 1000 + 6000, "before the tick's deadline");
});

// Holder A counted 40 s on ARM in the traffic step and died; B takes over 90 s into the step and
// its read takes 15 s: the step has waited 55 s on ARM and 50 s on itself, within its 60 s
// timeout. Counting only the larger of the two holders' times (40 s), it failed.
it("a new holder continues the count of the step's time on ARM that the incident carries", async () => {
  const r = await rig();
  for (let i = 0; i < 5 && (await tick(r)).incident?.step !== "shifting-traffic"; i++)
    r.clock.advance(10_000);
  const b = await r.peer();
  await tickLease(b); // B sees A's lease, and takes it over once it has run out
  r.clock.advance(leaseTiming(b).durationMs);
  assert.ok((await tickLease(b)).leader, "B takes the lease over");
  const [stored] = await b.store.readIncidents("shop");
  assert.equal(stored?.incident.step, "shifting-traffic");
  const carried = { ...stored!.incident, stepStartedAt: r.clock.now() - 90_000, leverMs: 40_000 };
  await b.store.writeIncident(carried, stored!.etag);
  r.readMs = 15_000;
  const outcome = await tick(r, b, 30_000);
  assert.notEqual(
    outcome.incident?.step,
    "failed",
    JSON.stringify(outcome.incident?.history.at(-1)),
  );
  assert.equal(primaryOf(r.router.peek("shop")), "northeurope");
});
