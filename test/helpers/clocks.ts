// Virtual time shared by several processes' clocks, on which time passes at once: a sleep ends
// after one turn of the event loop and moves the shared time by its length, unless it is called
// off first (sleepOneTurn, src/app/bounded.ts; ADR 30).
import { sleepOneTurn } from "../../src/app/bounded.js";
import type { Clock } from "../../src/ports/clock.js";

/** Virtual time that several clocks share: a test moves it by hand, and sleeps move it too. */
export class SharedTime {
  constructor(public now = 0) {}
}

/** One process's clock on a shared virtual time: the time plus its own skew (or epoch). */
export class SkewedClock implements Clock {
  constructor(
    private readonly time: SharedTime,
    private readonly offsetMs = 0,
  ) {}
  now(): number {
    return this.time.now + this.offsetMs;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOneTurn(ms, signal, (passed) => (this.time.now += passed));
  }
}
