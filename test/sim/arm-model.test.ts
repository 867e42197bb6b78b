// The simulated Azure Resource Manager (arm-model.ts): its latency has the shape the sweep's report
// says; the client gives up at its timeout and a write it gave up on may still be made; a 429 ARM
// asks a long wait for ends the call at once and the budget hears it; and the fence, modelled in
// virtual time, keeps a write from being made once its holder's acting time has run out.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArmBudgetTracker } from "../../src/adapters/azure/budget.js";
import type { Runtime } from "../../src/app/runtime.js";
import { parseConfig } from "../../src/config/index.js";
import { twoRegionConfig } from "../helpers/runtime.js";
import type { ArmFaults } from "./arm-model.js";
import { ARM_LATENCY, SimArm, latencyQuantiles, leverTimeWithin } from "./arm-model.js";
import { World } from "./simulate.js";

/** A lever with one write, and what it recorded. */
class Lever {
  readonly made: number[] = [];
  constructor(private readonly world: World) {}
  async promote(): Promise<void> {
    this.made.push(this.world.now);
  }
}

function rig(faults: Partial<ArmFaults>) {
  const world = new World();
  const config = parseConfig(twoRegionConfig({ westeurope: "http://a", northeurope: "http://b" }));
  const clock = { now: () => world.now, sleep: (ms: number) => world.sleep(ms) };
  // The holder's lease as the fence reads it: renewed at 0, renew deadline 4 s (interval 2 s).
  const rt = {
    config,
    clock,
    memory: { lease: { held: { epoch: 1, etag: "a", renewedAt: 0 }, highestEpoch: 1 } },
  } as unknown as Runtime;
  const budget = new ArmBudgetTracker(() => world.now);
  const arm = new SimArm(
    world,
    {
      latency: { medianMs: 1000, sigma: 0, maxMs: 120_000 },
      throttle: [],
      errors: [],
      lateWriteApplies: 0,
      ...faults,
    },
    1,
  );
  const lever = new Lever(world);
  const caller = { instance: "p-1", runtime: () => rt, budget, dead: () => false };
  return { world, rt, budget, arm, lever, wrapped: arm.wrap(lever, caller) };
}

describe("the simulated ARM", () => {
  it("draws latencies with a median of about 1 s and a p99 of about 30 s", () => {
    const [p50, p99] = latencyQuantiles(ARM_LATENCY, [0.5, 0.99]);
    assert.ok(p50! > 900 && p50! < 1100, `median ${p50}`);
    assert.ok(p99! > 25_000 && p99! < 35_000, `p99 ${p99}`);
  });

  it("a write slower than the client's timeout fails for the caller at 30 s and may still be made later", async () => {
    const { world, arm, lever, wrapped, rt } = rig({
      latency: { medianMs: 45_000, sigma: 0, maxMs: 120_000 },
      lateWriteApplies: 1,
    });
    // The holder keeps renewing the same epoch, every second: its acting time never runs out.
    const stop = new AbortController();
    const held = (rt.memory as { lease: { held: { renewedAt: number } } }).lease.held;
    void (async () => {
      while (!stop.signal.aborted) {
        held.renewedAt = world.now;
        await world.sleep(1000, stop.signal);
      }
    })();
    try {
      await assert.rejects(wrapped.promote(), /no answer from ARM in time/);
      assert.equal(world.now, 30_000);
      assert.deepEqual(lever.made, []);
      await world.until(60_000);
      assert.deepEqual(lever.made, [45_000]);
      assert.equal(arm.calls[0]?.outcome, "timeout");
      assert.equal(arm.calls[0]?.appliedAt, 45_000);
    } finally {
      stop.abort();
    }
  });

  it("a write still in flight when its holder's acting time runs out is not made", async () => {
    const { world, arm, lever, wrapped } = rig({
      latency: { medianMs: 10_000, sigma: 0, maxMs: 120_000 },
    });
    await assert.rejects(wrapped.promote(), /the fence cut the call/);
    assert.equal(world.now, 4000, "cut at the renew deadline of the last renewal");
    await world.until(20_000);
    assert.deepEqual(lever.made, []);
    assert.equal(arm.calls[0]?.outcome, "fenced");
  });

  it("a 429 asking for longer than the SDK waits ends the call at once, and the budget hears its Retry-After", async () => {
    const { world, budget, wrapped } = rig({
      throttle: [{ from: 0, to: 60_000, retryAfterMs: 20_000 }],
    });
    await assert.rejects(wrapped.promote(), /429/);
    assert.ok(world.now <= 200);
    assert.equal(budget.throttledUntil(), world.now + 20_000);
  });

  it("the lever's time is the calls in flight and the wait after a failed one until the next call", () => {
    const calls = [
      { by: "a", method: "read", write: false, from: 0, to: 1000, outcome: "429" as const },
      { by: "a", method: "read", write: false, from: 8000, to: 9000, outcome: "ok" as const },
      { by: "a", method: "read", write: false, from: 20_000, to: 21_000, outcome: "ok" as const },
    ];
    assert.equal(leverTimeWithin(calls, 0, 30_000), 10_000);
    assert.equal(leverTimeWithin(calls, 500, 8500), 8000);
  });
});
