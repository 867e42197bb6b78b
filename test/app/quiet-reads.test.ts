// Quiet lever reads paced by rate (ADR 23): a new holder reads every group at once, and from then
// on the periodic reconciles take at most one ARM read a second, every group in its turn.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { runObserverTick } from "../../src/app/observer-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import { parseConfig } from "../../src/config/index.js";
import type { LeverCallOptions, RoutingState } from "../../src/ports/traffic-router.js";
import type { Prober } from "../../src/ports/prober.js";
import { ManualClock } from "../helpers/runtime.js";

const OBSERVERS = ["westeurope", "northeurope"];
const GROUPS = 30;

/** A router that notes which tick each read started in. */
class CountingRouter extends MemoryTrafficRouter {
  tick = 0;
  readonly reads: { tick: number; group: string }[] = [];
  override read(group: string, options?: LeverCallOptions): Promise<RoutingState> {
    this.reads.push({ tick: this.tick, group });
    return super.read(group, options);
  }
}

describe("quiet lever reads (ADR 23)", () => {
  it("a new holder reads every group at once; then quiet reconciles read 10 groups a 10 s tick, each in its turn", async () => {
    const config = parseConfig({
      observers: OBSERVERS.map((region) => ({ region })),
      stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
      policy: { intervalSeconds: 10, leverReconcileSeconds: 10 },
      groups: Array.from({ length: GROUPS }, (_, i) => ({
        name: `g${String(i).padStart(2, "0")}`,
        model: "active-passive" as const,
        regions: OBSERVERS.map((region, r) => ({
          name: region,
          role: r === 0 ? ("primary" as const) : ("secondary" as const),
          probe: { url: `http://${region}.test/g${i}` },
        })),
      })),
    });
    const router = new CountingRouter(
      config.groups.map((g) => ({
        name: g.name,
        model: g.model,
        regions: g.regions.map((r) => ({ name: r.name, role: r.role })),
      })),
    );
    const prober: Prober = { probe: async () => ({ ok: true, latencyMs: 1, statusCode: 200 }) };
    const clock = new ManualClock();
    const store = new MemoryStateStore();
    const runtimes: Runtime[] = [];
    for (const observer of OBSERVERS)
      runtimes.push(await compose({ config, observer, store, prober, router, clock }));
    let firstHeld: number | undefined;
    for (let tick = 1; tick <= 12; tick++) {
      clock.time = 1_800_000_000_000 + tick * 10_000;
      router.tick = tick;
      for (const rt of runtimes) await runObserverTick(rt);
      if (firstHeld === undefined && router.reads.length > 0) firstHeld = tick;
    }
    assert.ok(firstHeld !== undefined, "the lease was taken and the levers read");
    const readIn = (tick: number) => router.reads.filter((r) => r.tick === tick);
    assert.equal(readIn(firstHeld).length, GROUPS, "a new holder's first reads are not paced");
    const quiet = [firstHeld + 1, firstHeld + 2, firstHeld + 3];
    for (const tick of quiet)
      assert.equal(readIn(tick).length, 10, `tick ${tick}: one read a second of the interval`);
    assert.equal(
      new Set(quiet.flatMap((t) => readIn(t).map((r) => r.group))).size,
      GROUPS,
      "every group in its turn",
    );
  });
});
