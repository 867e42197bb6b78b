import { performance } from "node:perf_hooks";
import type { Clock } from "../../ports/clock.js";

/**
 * Wall time at process start plus a monotonic counter: a step of the system clock (an NTP
 * correction, a VM resumed) never moves it backwards or forwards, so durations measured on it
 * (lease terms, heartbeat ages) stay true. It may drift from wall time by the clock's own
 * corrections over a process's life; times shown to people are approximate by that much.
 */
export const systemClock: Clock = {
  now: () => Math.round(performance.timeOrigin + performance.now()),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};
