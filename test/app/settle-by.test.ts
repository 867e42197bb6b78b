// The timed waits in src/app (levers, peers' answers, hedged probes) are settleBy: a deadline on the runtime's clock, never on a real timer (in virtual
// time a real timer either lets work run past the deadline or holds the run for real seconds),
// with one rule for work that ends at the deadline: it counts.
import assert from "node:assert/strict";
import { it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { settleBy, settleWith } from "../../src/app/bounded.js";
import type { Clock } from "../../src/ports/clock.js";
import { ManualClock, runtimeFor, SteppedClock, twoRegionConfig } from "../helpers/runtime.js";
import { World } from "../sim/simulate.js";

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

/** The simulator's virtual time, as a runtime's clock (time moves only by its sleeps). */
const virtual = () => {
  const world = new World();
  return { world, clock: { now: () => world.now, sleep: world.sleep.bind(world) } };
};

it("work that ends at the deadline in virtual time counts, though the deadline's wait was due first", async () => {
  const { world, clock } = virtual();
  // The work's sleep is asked for after the deadline's, for the same instant: it wakes second.
  const work = (async () => {
    await Promise.resolve();
    await world.sleep(1000);
    return "read";
  })();
  assert.deepEqual(await settleBy({ clock }, work, 1000), { done: true, value: "read" });
  assert.equal(world.now, 1000);
});

it("work still running after the deadline in virtual time is late, and its later failure is dropped", async () => {
  const { world, clock } = virtual();
  const work = world.sleep(1001).then(() => Promise.reject(new Error("too late to matter")));
  assert.deepEqual(await settleBy({ clock }, work, 1000), { done: false });
  assert.equal(world.now, 1000, "the wait ended at the deadline");
  await world.until(2000); // the rejection comes and goes unhandled by no one
});

it("work that fails before the deadline throws its own error", async () => {
  const { world, clock } = virtual();
  const work = world.sleep(10).then(() => Promise.reject(new Error("refused")));
  await assert.rejects(settleBy({ clock }, work, 1000), /refused/);
});

it("a deadline already past still takes work that has ended, and nothing else", async () => {
  const { clock } = virtual();
  assert.deepEqual(await settleBy({ clock }, Promise.resolve(7), -5), { done: true, value: 7 });
  assert.deepEqual(await settleBy({ clock }, new Promise(() => {}), -5), { done: false });
});

it("an aborted signal ends the wait before the deadline, and leaves no sleep behind", async () => {
  const clock = new SteppedClock();
  const stop = new AbortController();
  const waiting = settleBy({ clock }, new Promise(() => {}), clock.now() + 60_000, stop.signal);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(clock.sleeping, 1, "it waits on the runtime's clock");
  stop.abort();
  assert.deepEqual(await waiting, { done: false });
  assert.equal(clock.sleeping, 0);
});

it("work that wins leaves no sleep behind on the clock", async () => {
  const clock = new SteppedClock();
  assert.deepEqual(await settleBy({ clock }, Promise.resolve("x"), clock.now() + 60_000), {
    done: true,
    value: "x",
  });
  assert.equal(clock.sleeping, 0);
});

it("settleWith ends its sleep through the caller's controller once the work has ended, and leaves the controller to work still running at the deadline", async () => {
  const clock = new SteppedClock();
  const ended = new AbortController();
  const settled = await settleWith({ clock }, Promise.resolve("x"), clock.now() + 60_000, ended);
  assert.deepEqual(settled, { done: true, value: "x" });
  assert.equal(clock.sleeping, 0, "no sleep left behind");
  assert.ok(ended.signal.aborted, "the controller called the sleep off");

  const { clock: virtualClock } = virtual();
  const running = new AbortController();
  const late = await settleWith({ clock: virtualClock }, new Promise(() => {}), 1000, running);
  assert.deepEqual(late, { done: false });
  assert.ok(!running.signal.aborted, "work still running keeps its signal");
});
