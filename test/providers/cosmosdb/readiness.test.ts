// Readiness of a Cosmos DB store, judged by the lease holder through the Cosmos DB lever against
// the ARM emulator: the P99 replication latency from the write region to the standby region,
// over rpoSeconds, turns the group not ready (naming the store and the lag), and back under it,
// ready again. test/app/readiness-data.test.ts has the same with the memory lever.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../../src/adapters/traffic/memory.js";
import { runObserverTick } from "../../../src/app/observer-tick.js";
import { readinessSettled } from "../../../src/app/readiness.js";
import type { TandemConfigInput } from "../../../src/config/index.js";
import type { TandemEvent } from "../../../src/core/events.js";
import { withArm } from "../../helpers/arm.js";
import { ManualTimeRealWaits, runtimesFor } from "../../helpers/runtime.js";
import { ACCOUNT, cosmosLever, cosmosOf } from "./fixture.js";

const REGIONS = ["westeurope", "northeurope"];

const config: TandemConfigInput = {
  observers: REGIONS.map((region) => ({ region })),
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy: { intervalSeconds: 10, readiness: { intervalMinutes: 1 } },
  groups: [
    {
      name: "shop",
      model: "active-passive",
      rpoSeconds: 30,
      data: [{ name: "orders", kind: "cosmosdb", resourceId: ACCOUNT }],
      regions: REGIONS.map((region, i) => ({
        name: region,
        role: i === 0 ? ("primary" as const) : ("secondary" as const),
        probe: { url: `http://${region}.shop.test/health` },
      })),
    },
  ],
};

describe("readiness of a Cosmos DB store", () => {
  it("a replication latency to the standby over rpoSeconds is not ready, naming it; back under, ready again", async () => {
    await withArm({}, async (arm) => {
      // Time set by the test, waits real: the emulator answers over HTTPS in real time.
      const clock = new ManualTimeRealWaits(1, 1_900_000_000_000);
      const store = new MemoryStateStore();
      const events: TandemEvent[] = [];
      const runtimes = await runtimesFor(config, REGIONS, {
        store,
        clock,
        prober: { probe: async () => ({ ok: true, latencyMs: 1, statusCode: 200 }) },
        router: new MemoryTrafficRouter([
          {
            name: "shop",
            model: "active-passive",
            regions: REGIONS.map((name, i) => ({ name, role: i === 0 ? "primary" : "secondary" })),
          },
        ]),
        data: cosmosLever(arm),
        subscribers: [{ name: "test", fn: (e) => void events.push(e) }],
      });
      /** A readiness interval of ticks, then the stored data check of the standby. */
      const judge = async () => {
        for (let i = 0; i < 7; i++) {
          clock.advance(10_000);
          for (const rt of runtimes) await runObserverTick(rt);
          for (const rt of runtimes) await readinessSettled(rt);
        }
        const report = (await store.readReadiness()).reports["shop"]!;
        const found = report.checks.find((c) => c.check === "standby-data")!;
        assert.equal(found.region, "northeurope");
        return { report, found };
      };
      const lag = (ms: number) =>
        cosmosOf(arm).setReplicationLatency(ACCOUNT, "West Europe", "North Europe", ms);

      lag(2_000);
      clock.advance(30_000); // the lease is taken after one lease duration
      let { report, found } = await judge();
      assert.equal(report.verdict, "ready", found.evidence);
      assert.match(found.evidence, /2 s behind the primary \(objective 30 s\)/);

      lag(45_500);
      ({ report, found } = await judge());
      assert.equal(report.verdict, "not-ready");
      assert.equal(found.store, "orders");
      assert.match(found.evidence, /45\.5 s behind the primary, over the objective of 30 s/);

      lag(3_000);
      ({ report, found } = await judge());
      assert.equal(report.verdict, "ready", found.evidence);
      const told = events.filter((e) => e.type.startsWith("readiness.")).map((e) => e.type);
      assert.deepEqual(told, ["readiness.lost", "readiness.regained"]);
    });
  });
});
