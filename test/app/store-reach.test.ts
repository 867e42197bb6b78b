// The store's reachability is confirmed as a verdict is: one failed operation (a reset connection)
// says nothing, three in a row say "unreachable" once, and the first success after that says
// "reachable" once. The calls of one operation (a tick's probes and its decision) count once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { STORE_CONFIRMATIONS, storeReach } from "../../src/app/emit.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { TandemEvent } from "../../src/core/events.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

async function recorder() {
  const events: TandemEvent[] = [];
  const rt = await runtimeFor(
    twoRegionConfig({ westeurope: "http://w.test/", northeurope: "http://n.test/" }),
    "westeurope",
    {
      store: new MemoryStateStore(),
      clock: new ManualClock(),
      subscribers: [{ name: "recorder", fn: (e) => void events.push(e) }],
    },
  );
  const said = () =>
    events.filter((e) => e.type === "store.unreachable" || e.type === "store.reachable");
  return { rt, said };
}

const RESET = "state store: reading heartbeats failed: ECONNRESET";

describe("the state store's reachability", () => {
  it("needs three operations in a row", () => {
    assert.equal(STORE_CONFIRMATIONS, 3);
  });

  it("one failed operation, or two, then a success: nothing is said", async () => {
    const { rt, said } = await recorder();
    storeReach(rt, "t1", RESET);
    storeReach(rt, "t2", undefined);
    storeReach(rt, "t3", RESET);
    storeReach(rt, "t4", RESET);
    storeReach(rt, "t5", undefined);
    storeReach(rt, "t6", RESET);
    storeReach(rt, "t7", undefined);
    assert.deepEqual(said(), []);
  });

  it("three failed operations in a row: unreachable, said once with the problem; the next success: reachable, once", async () => {
    const { rt, said } = await recorder();
    storeReach(rt, "t1", RESET);
    storeReach(rt, "t2", RESET);
    assert.deepEqual(said(), []);
    storeReach(rt, "t3", RESET);
    storeReach(rt, "t4", RESET);
    const [down] = said();
    assert.equal(said().length, 1);
    assert.equal(down?.type, "store.unreachable");
    assert.equal(down?.operation, "t3");
    assert.match((down as { message: string }).message, /ECONNRESET \(3 ticks in a row/);
    storeReach(rt, "t5", undefined);
    storeReach(rt, "t6", undefined);
    assert.deepEqual(
      said().map((e) => e.type),
      ["store.unreachable", "store.reachable"],
    );
    // A new outage is counted from nothing.
    storeReach(rt, "t7", RESET);
    storeReach(rt, "t8", RESET);
    assert.equal(said().length, 2);
  });

  it("the calls of one operation count once: a tick's probes and its decision both failing is one", async () => {
    const { rt, said } = await recorder();
    for (const op of ["t1", "t1", "t1", "t2", "t2"]) storeReach(rt, op, RESET);
    assert.deepEqual(said(), []);
    storeReach(rt, "t3", RESET);
    assert.equal(said().length, 1);
  });
});
