// The sandbox as `npm start` runs it (2 s interval, two observers, the emulated Traffic Manager):
// westeurope is taken down through the fault API, and the times are read from the events the
// observers emitted (recorded history, not polling): the fault to the lease holder's kept `down`
// verdict of shop/westeurope, that verdict to the request to promote northeurope, and to the
// promotion done. Then westeurope is healed and the sandbox fails back on its own before the next
// round. Loopback only.
import type { TandemEvent } from "../src/core/events.js";
import { startSandbox } from "../src/sandbox/sandbox.js";
import { median } from "./harness.js";

interface Round {
  readonly faultToDownMs: number;
  readonly downToChangeMs: number;
  readonly downToRoutedMs: number;
}

export async function sandboxFailover(rounds = 5): Promise<Record<string, unknown>> {
  const events: { at: number; event: TandemEvent }[] = [];
  const sandbox = await startSandbox({
    port: 0,
    output: () => {},
    subscribers: [{ name: "bench", fn: (event) => void events.push({ at: Date.now(), event }) }],
  });
  const post = (path: string) => fetch(`${sandbox.url}${path}`, { method: "POST" });
  const interval = sandbox.config.policy.intervalSeconds * 1000;
  /** Waits (on the events, every 100 ms) for one that matches, emitted at or after `from`. */
  const next = async (from: number, match: (e: TandemEvent) => boolean, what: string) => {
    const deadline = Date.now() + 60 * interval;
    for (;;) {
      const found = events.find((x) => x.at >= from && match(x.event));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${60 * interval} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const verdict = (region: string, to: string) => (e: TandemEvent) =>
    e.type === "verdict.changed" && e.group === "shop" && e.region === region && e.to === to;
  const results: Round[] = [];
  try {
    await next(0, verdict("westeurope", "healthy"), "healthy westeurope");
    for (let i = 0; i < rounds; i++) {
      // Settle: both regions healthy, and traffic back on westeurope, for a couple of ticks.
      await new Promise((r) => setTimeout(r, 3 * interval));
      const fault = Date.now();
      await post("/sandbox/regions/westeurope/down");
      const down = await next(fault, verdict("westeurope", "down"), "down verdict");
      const change = await next(
        down.at,
        (e) =>
          e.type === "incident.step" && e.group === "shop" && e.note === "promoting northeurope",
        "promotion step",
      );
      const routed = await next(
        down.at,
        (e) => e.type === "lever.changed" && e.group === "shop" && e.outcome === "done",
        "promotion done",
      );
      results.push({
        faultToDownMs: down.at - fault,
        downToChangeMs: change.at - down.at,
        downToRoutedMs: routed.at - down.at,
      });
      const healed = Date.now();
      await post("/sandbox/regions/westeurope/up");
      // The sandbox fails back on its own once westeurope has been healthy for the dwell time.
      await next(
        healed,
        (e) => e.type === "incident.closed" && e.group === "shop" && e.kind === "failback",
        "failback",
      );
    }
  } finally {
    await sandbox.stop();
  }
  const stat = (key: keyof Round) => ({
    median: median(results.map((r) => r[key])),
    max: Math.max(...results.map((r) => r[key])),
  });
  return {
    rounds: results.length,
    intervalMs: interval,
    faultToDownMs: stat("faultToDownMs"),
    downToChangeMs: stat("downToChangeMs"),
    downToRoutedMs: stat("downToRoutedMs"),
    goal: "shop routed to northeurope within 4 s of its down verdict",
    met: results.every((r) => r.downToRoutedMs <= 4000),
    results,
  };
}
