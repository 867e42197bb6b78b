// A tick waits for its levers until its deadline on the runtime's clock, never on a real timer: in
// virtual time (the simulator) a real timer either lets lever calls run past the deadline or holds
// the run for real seconds.
import assert from "node:assert/strict";
import { it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { settleBy } from "../../src/app/lever-view.js";
import type { Clock } from "../../src/ports/clock.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const runtime = (clock: Clock) =>
  runtimeFor(twoRegionConfig({ westeurope: "http://a", northeurope: "http://b" }), "westeurope", {
    store: new MemoryStateStore(),
    clock,
  });

it("the wait ends at the deadline as the runtime's clock measures it, not after real time", async () => {
  const clock = new ManualClock();
  const rt = await runtime(clock);
  const startedAt = Date.now();
  const settled = await settleBy(rt, new Promise<never>(() => {}), clock.now() + 60_000);
  assert.deepEqual(settled, { done: false });
  assert.ok(Date.now() - startedAt < 1000, "no real minute waited");
  assert.equal(clock.now(), 1_800_000_000_000 + 60_000, "the clock's own sleep took the minute");
});

it("work that ends before the deadline on the runtime's clock is waited for, however late in real time", async () => {
  // A clock whose sleeps end only when the test says: the deadline has not come yet.
  let wake = () => {};
  const clock: Clock = {
    now: () => 1_800_000_000_000,
    sleep: (_ms, signal) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        signal?.addEventListener("abort", () => resolve(), { once: true });
      }),
  };
  const rt = await runtime(clock);
  const work = new Promise<string>((resolve) => setTimeout(() => resolve("read"), 50));
  const settled = await settleBy(rt, work, clock.now() + 1);
  assert.deepEqual(settled, { done: true, value: "read" });
  wake();
});
