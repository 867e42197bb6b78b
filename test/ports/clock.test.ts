// Every Clock the project runs on, in production, the planner, the simulator and the tests, keeps
// one rule for a sleep called off: it ends at once, moves no time and leaves no timer behind. A
// deadline wait (settleBy, the fence's acting time, the witness's answer) calls its sleep off as
// soon as the work it waits for ends; a clock that moved time anyway would push every process
// sharing it past its lease's term (ADR 30). A sleep left to run ends having moved the clock by
// its length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { PlanClock } from "../../src/app/planner.js";
import type { Clock } from "../../src/ports/clock.js";
import { SharedTime, SkewedClock } from "../helpers/clocks.js";
import { ManualClock, ManualTimeRealWaits, SteppedClock } from "../helpers/runtime.js";
import { World } from "../sim/simulate.js";

interface ClockCase {
  readonly name: string;
  readonly make: () => Clock;
  /**
   * virtual: time moves by sleeps and the test; real: it runs on its own; set: only the test
   * moves it, and sleeps wait in real time.
   */
  readonly time: "virtual" | "real" | "set";
  /** Real ms waited per ms of sleep, on a clock of set time. */
  readonly scale?: number;
  /** What lets a sleep of `ms` end, on clocks whose sleeps wait for the test. */
  readonly pass?: (clock: Clock, ms: number) => void;
}

const START = 1_800_000_000_000;

const CLOCKS: readonly ClockCase[] = [
  { name: "systemClock (production)", make: () => systemClock, time: "real" },
  { name: "PlanClock (the planner)", make: () => new PlanClock(START), time: "virtual" },
  {
    name: "the simulator's World",
    make: () => {
      const world = new World();
      return { now: () => world.now, sleep: world.sleep.bind(world) };
    },
    time: "virtual",
  },
  { name: "ManualClock", make: () => new ManualClock(), time: "virtual" },
  { name: "ManualTimeRealWaits", make: () => new ManualTimeRealWaits(), time: "set" },
  {
    name: "ManualTimeRealWaits at 1/1000",
    make: () => new ManualTimeRealWaits(1 / 1000),
    time: "set",
    scale: 1 / 1000,
  },
  {
    name: "SteppedClock",
    make: () => new SteppedClock(),
    time: "virtual",
    pass: (clock, ms) => (clock as SteppedClock).advance(ms),
  },
  {
    name: "SkewedClock (agreement, scale)",
    make: () => new SkewedClock(new SharedTime(START), -30_000),
    time: "virtual",
  },
];

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("a clock's sleep", () => {
  for (const c of CLOCKS) {
    it(`${c.name}: called off, it ends at once, moves no time and leaves no timer`, async () => {
      const clock = c.make();
      const before = { at: clock.now(), timers: timers(), real: performance.now() };
      const off = new AbortController();
      const sleeping = clock.sleep(60_000, off.signal);
      off.abort();
      await sleeping;
      await turn();
      assert.equal(timers(), before.timers, "no timer left behind");
      assert.ok(performance.now() - before.real < 5_000, "it did not wait");
      if (c.time === "real") assert.ok(clock.now() - before.at < 5_000, "it ran on its own only");
      else assert.equal(clock.now(), before.at, "the clock did not move");
    });

    it(`${c.name}: left to run, it ends when the clock has moved by its length`, async () => {
      const clock = c.make();
      const ms = c.time === "virtual" ? 60_000 : 20 / (c.scale ?? 1);
      const at = { clock: clock.now(), real: performance.now() };
      const sleeping = clock.sleep(ms);
      c.pass?.(clock, ms);
      await sleeping;
      if (c.time === "virtual") assert.equal(clock.now(), at.clock + ms);
      if (c.time === "real") assert.ok(clock.now() - at.clock >= ms - 1, "the clock ran on");
      if (c.time === "set") {
        assert.equal(clock.now(), at.clock, "only the test moves it");
        const waited = performance.now() - at.real;
        assert.ok(waited >= ms * (c.scale ?? 1) - 1, `the sleep waited ${waited} ms of real time`);
      }
    });
  }
});
