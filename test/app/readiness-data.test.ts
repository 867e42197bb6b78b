// Readiness of a group's data stores, run by the lease holder: each store is read through the
// data lever (the memory one, its copies set by the test), a copy that is not caught up or lags
// over rpoSeconds turns the group not ready (stored report, event) naming the store, a store that
// cannot be read is unknown without telling, and a healed store makes the group ready again; the
// same lag through the Cosmos DB lever against the ARM emulator (its replication latency).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryDataControl } from "../../src/adapters/data/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { runObserverTick } from "../../src/app/observer-tick.js";
import { readinessSettled } from "../../src/app/readiness.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { TandemEvent } from "../../src/core/events.js";
import type { ArmBudget } from "../../src/ports/arm-budget.js";
import type { DataControl } from "../../src/ports/data-control.js";
import { withArm } from "../helpers/arm.js";
import { ManualClock, ManualTimeRealWaits, runtimesFor } from "../helpers/runtime.js";
import { ACCOUNT, cosmosLever, cosmosOf } from "../providers/cosmosdb/fixture.js";

const OBSERVERS = ["westeurope", "northeurope"];
const server = (name: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop/providers/Microsoft.Sql/servers/${name}`;

const SQL_STORE = {
  name: "orders",
  kind: "sql-failover-group",
  servers: { westeurope: server("orders-weu"), northeurope: server("orders-neu") },
  failoverGroup: "orders-fg",
};

const configWith = (store: Record<string, unknown>): TandemConfigInput => ({
  observers: OBSERVERS.map((region) => ({ region })),
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy: { intervalSeconds: 10, readiness: { intervalMinutes: 1 } },
  groups: [
    {
      name: "shop",
      model: "active-passive",
      rpoSeconds: 30,
      data: [store as { name: string; kind: string }],
      regions: OBSERVERS.map((region, i) => ({
        name: region,
        role: i === 0 ? ("primary" as const) : ("secondary" as const),
        probe: { url: `http://${region}.shop.test/health` },
      })),
    },
  ],
});

/** Two observers over one store, with the memory data lever; `judge` runs a readiness interval. */
async function holder(armBudget?: ArmBudget) {
  const clock = new ManualClock(1_900_000_000_000);
  const data = new MemoryDataControl(clock, { changeMs: 60_000 });
  data.add("shop", "orders", "westeurope", OBSERVERS);
  return { data, ...(await holderOf(clock, data, SQL_STORE, armBudget)) };
}

/** The lease holder's runtimes over `data`, and `judge`: a readiness interval, then the check. */
async function holderOf(
  clock: ManualClock,
  data: DataControl,
  settings: Record<string, unknown>,
  armBudget?: ArmBudget,
) {
  const router = new MemoryTrafficRouter([
    {
      name: "shop",
      model: "active-passive",
      regions: OBSERVERS.map((name, i) => ({ name, role: i === 0 ? "primary" : "secondary" })),
    },
  ]);
  const store = new MemoryStateStore();
  const events: TandemEvent[] = [];
  const runtimes = await runtimesFor(configWith(settings), OBSERVERS, {
    store,
    clock,
    prober: { probe: async () => ({ ok: true, latencyMs: 1, statusCode: 200 }) },
    router,
    data,
    ...(armBudget ? { armBudget } : {}),
    subscribers: [{ name: "test", fn: (e) => void events.push(e) }],
  });
  /** A readiness interval of ticks, then the data check of the stored report. */
  const judge = async () => {
    for (let i = 0; i < 7; i++) {
      clock.advance(10_000);
      for (const rt of runtimes) await runObserverTick(rt);
      for (const rt of runtimes) await readinessSettled(rt);
    }
    const report = (await store.readReadiness()).reports["shop"];
    const found = report?.checks.find((c) => c.check === "standby-data");
    assert.equal(found?.store, "orders");
    assert.equal(found.region, "northeurope");
    return { report: report!, found };
  };
  return { clock, judge, events };
}

describe("readiness of data stores", () => {
  it("a SUSPENDED copy or a lag over rpoSeconds is not ready, an unreadable store unknown, a healed one ready", async () => {
    const { clock, data, judge, events } = await holder();
    const told = () => events.filter((e) => e.type.startsWith("readiness.")).map((e) => e.type);

    clock.advance(30_000); // the lease is taken after one lease duration
    let { report, found } = await judge();
    assert.equal(report.verdict, "ready", found.evidence);
    assert.match(found.evidence, /northeurope's copy of data store orders is CATCH_UP/);

    data.set("shop", "orders", "northeurope", { replication: "SUSPENDED" });
    ({ report, found } = await judge());
    assert.equal(report.verdict, "not-ready");
    assert.match(found.evidence, /SUSPENDED, not caught up/);
    assert.match(
      found.fix ?? "",
      /az sql failover-group show --ids .*orders-neu\/failoverGroups\/orders-fg/,
    );
    assert.deepEqual(told(), ["readiness.lost"]);

    data.set("shop", "orders", "northeurope", { replication: "CATCH_UP", lagSeconds: 45 });
    ({ report, found } = await judge());
    assert.equal(report.verdict, "not-ready");
    assert.equal(found.verdict, "not-ready");
    assert.match(found.evidence, /45 s behind the primary, over the objective of 30 s/);

    data.fault = (call) => (call === "read" ? new Error("503 ServiceUnavailable") : undefined);
    ({ report, found } = await judge());
    assert.equal(report.verdict, "unknown");
    assert.match(found.evidence, /orders has not been read \(.*503 ServiceUnavailable\)/);

    data.fault = undefined;
    data.set("shop", "orders", "northeurope", { lagSeconds: 3 });
    ({ report, found } = await judge());
    assert.equal(report.verdict, "ready", found.evidence);
    assert.deepEqual(told(), ["readiness.lost", "readiness.regained"], "unknown told nothing");
  });

  it("reads no store while ARM's read bucket is low or it asked to wait: the check is unknown, saying so", async () => {
    let remaining = 150;
    let throttledUntil: number | undefined;
    const { clock, data, judge } = await holder({
      remainingReads: () => remaining,
      throttledUntil: () => throttledUntil,
    });
    let reads = 0;
    data.fault = (call) => void (call === "read" && reads++);
    clock.advance(30_000);
    let { report, found } = await judge();
    assert.equal(reads, 0, "no read with 150 of 250 left");
    assert.equal(report.verdict, "unknown");
    assert.match(found.evidence, /read budget is low \(150 left\)/);
    remaining = 250;
    throttledUntil = clock.now() + 3_600_000;
    ({ report, found } = await judge());
    assert.equal(reads, 0, "no read while ARM asked to wait");
    assert.equal(report.verdict, "unknown");
    assert.match(found.evidence, /asked to wait until/);
    throttledUntil = undefined;
    ({ report } = await judge());
    assert.ok(reads > 0);
    assert.equal(report.verdict, "ready");
  });

  it("through the Cosmos DB lever: a replication latency to the standby over rpoSeconds is not ready, naming it; back under, ready again", async () => {
    await withArm({}, async (arm) => {
      // Time set by the test, waits real: the emulator answers over HTTPS in real time.
      const clock = new ManualTimeRealWaits(1, 1_900_000_000_000);
      const store = { name: "orders", kind: "cosmosdb", resourceId: ACCOUNT };
      const { judge, events } = await holderOf(clock, cosmosLever(arm), store);
      const lag = (ms: number) =>
        cosmosOf(arm).setReplicationLatency(ACCOUNT, "West Europe", "North Europe", ms);

      lag(2_000);
      clock.advance(30_000);
      let { report, found } = await judge();
      assert.equal(report.verdict, "ready", found.evidence);
      assert.match(found.evidence, /2 s behind the primary \(objective 30 s\)/);

      lag(45_500);
      ({ report, found } = await judge());
      assert.equal(report.verdict, "not-ready");
      assert.match(found.evidence, /45\.5 s behind the primary, over the objective of 30 s/);
      assert.match(found.fix ?? "", /--metric ReplicationLatency/);

      lag(3_000);
      ({ report, found } = await judge());
      assert.equal(report.verdict, "ready", found.evidence);
      const told = events.filter((e) => e.type.startsWith("readiness.")).map((e) => e.type);
      assert.deepEqual(told, ["readiness.lost", "readiness.regained"]);
    });
  });
});
