import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dataByStore } from "../../../src/adapters/data/by-store.js";
import { MemoryDataControl } from "../../../src/adapters/data/memory.js";
import { ManualClock } from "../../helpers/runtime.js";
import { dataControlContract } from "./contract.js";

dataControlContract("in memory", async () => {
  const clock = new ManualClock();
  const data = new MemoryDataControl(clock, { changeMs: 60_000 });
  data.add("shop", "orders", "northeurope", ["westeurope"], { allowDataLoss: true });
  return {
    data,
    group: "shop",
    store: "orders",
    allowDataLoss: (allowed) => data.allowDataLoss("shop", "orders", allowed),
    reach: (region, reachable) => data.set("shop", "orders", region, { reachable }),
    lag: (region, lagSeconds) => data.set("shop", "orders", region, { lagSeconds }),
    failovers: () => data.failovers.map((f) => f.replace(/^orders /, "")),
    finish: () => clock.advance(60_000),
  };
});

describe("in memory: what Azure refuses", () => {
  const setup = () => {
    const clock = new ManualClock();
    const data = new MemoryDataControl(clock, { changeMs: 1000 });
    data.add("shop", "orders", "northeurope", ["westeurope"], { allowDataLoss: true });
    return { clock, data };
  };

  for (const replication of ["SEEDING", "PENDING", "SUSPENDED"])
    it(`a planned failover to a copy that is ${replication} is refused; a forced one once the primary is lost is not`, async () => {
      const { data } = setup();
      data.set("shop", "orders", "westeurope", { replication });
      const s = await data.read("shop", "orders");
      assert.equal(s.regions["westeurope"]?.caughtUp, false);
      assert.equal(s.regions["westeurope"]?.replication, replication);
      await assert.rejects(
        data.failover("shop", "orders", "westeurope", "planned"),
        new RegExp(`${replication}, not caught up`),
      );
      data.set("shop", "orders", "northeurope", { reachable: false });
      await data.failover("shop", "orders", "westeurope", "forced");
      assert.deepEqual(data.failovers, ["orders westeurope forced"]);
    });

  it("a failover ends changeMs after it was accepted, read or not", async () => {
    const { clock, data } = setup();
    data.set("shop", "orders", "westeurope", { lagSeconds: 3 });
    await data.failover("shop", "orders", "westeurope", "planned");
    clock.advance(999);
    assert.equal(data.peek("shop", "orders"), "northeurope");
    clock.advance(1);
    assert.equal(data.peek("shop", "orders"), "westeurope");
    const s = await data.read("shop", "orders");
    assert.deepEqual(s, {
      primary: "westeurope",
      changing: false,
      regions: {
        northeurope: { reachable: true, replication: "CATCH_UP", caughtUp: true },
        westeurope: { reachable: true, caughtUp: true },
      },
    });
  });

  it("a store none of whose copies answers says so", async () => {
    const { data } = setup();
    data.set("shop", "orders", "westeurope", { reachable: false });
    data.set("shop", "orders", "northeurope", { reachable: false });
    await assert.rejects(
      data.read("shop", "orders"),
      /no copy of store orders in group shop answers/,
    );
  });

  it("one lever over several: each store's calls reach the lever that covers it", async () => {
    const { data: a } = setup();
    const b = new MemoryDataControl(new ManualClock(), { changeMs: 0 });
    b.add("shop", "carts", "westeurope", ["northeurope"]);
    const data = dataByStore([a, b]);
    await data.failover("shop", "carts", "northeurope", "planned");
    assert.deepEqual(a.failovers, []);
    assert.deepEqual(b.failovers, ["carts northeurope planned"]);
    assert.equal((await data.read("shop", "orders")).primary, "northeurope");
    assert.equal(data.covers("shop", "basket"), false);
    await assert.rejects(
      async () => data.read("shop", "basket"),
      /^Error: store basket in group shop has no data lever$/,
    );
  });
});
