// The simulator's lever timing does what it says: clients follow a Traffic Manager change a DNS
// TTL after it, a Front Door change after its ARM operation and edge propagation; a cold standby
// serves only once its cluster started and its node pool scaled; and the recovery time counts
// all of it. Shortened Azure timings keep the runs to about a second.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TIMINGS } from "../../src/sandbox/arm/timing.js";
import type { Lever, Model } from "./simulate.js";
import { simulate } from "./simulate.js";

const TIMING = {
  ...TIMINGS.realistic,
  operationMs: 20_000,
  propagationMs: 100_000,
  clusterStartMs: 120_000,
  nodePoolScaleMs: 60_000,
  dnsTtlMs: 45_000,
};

const run = (model: Model, lever: Lever, minutes: number) =>
  simulate(3, { model, minutes, scenario: "outage", noQuietPeriod: true, timing: TIMING, lever });

describe("recovery with Azure's lever timing", () => {
  it("Traffic Manager: clients reach the standby a DNS TTL after the lever changed", async () => {
    const { recovery, detectionMs } = await run("active-passive", "traffic-manager", 6);
    assert.ok(recovery?.ms !== undefined && recovery.leverMs !== undefined, "it recovered");
    assert.equal(recovery.ms, recovery.leverMs + TIMING.dnsTtlMs);
    assert.ok(recovery.leverMs >= detectionMs[0]!, "the lever changed after the verdict");
    assert.deepEqual(recovery.incidents, ["completed"]);
  });

  it("Front Door: clients follow after the ARM operation and the edge's propagation", async () => {
    const { recovery } = await run("active-active", "front-door", 8);
    assert.ok(recovery?.ms !== undefined && recovery.leverMs !== undefined, "it recovered");
    assert.equal(recovery.ms, recovery.leverMs + TIMING.operationMs + TIMING.propagationMs);
    // Verification waits on the entry point, which sees the edge: it completes, after the lag.
    assert.deepEqual(recovery.incidents, ["completed"]);
  });

  it("passive-cold: the standby serves only after its start and its node pool's scale-up", async () => {
    const { recovery, detectionMs } = await run("passive-cold", "traffic-manager", 10);
    assert.ok(recovery?.ms !== undefined && recovery.standbyMs !== undefined, "it recovered");
    // Pre-warming starts the cluster before the verdict, never before the outage.
    assert.ok(recovery.standbyMs >= TIMING.clusterStartMs + TIMING.nodePoolScaleMs);
    assert.ok(recovery.ms >= recovery.standbyMs + TIMING.dnsTtlMs);
    assert.ok(recovery.ms >= detectionMs[0]! + TIMING.dnsTtlMs);
    assert.deepEqual(recovery.incidents, ["completed"]);
  });

  it("without timing there is no recovery figure (the simulator as it was)", async () => {
    const result = await simulate(3, {
      model: "active-passive",
      minutes: 4,
      scenario: "outage",
      noQuietPeriod: true,
    });
    assert.equal(result.recovery, undefined);
  });
});
