// shop (westeurope primary, northeurope standby) watched by both observers over one memory store
// and traffic router, from 02:50 UTC on a manual clock: the rig of the scheduled practice tests
// (the practice failover's, and readiness's scheduled drill). Each observer runs its whole tick,
// and the readiness run it starts is let finish before the next one.
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runObserverTick } from "../../src/app/observer-tick.js";
import { readinessSettled } from "../../src/app/readiness.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { TandemEvent } from "../../src/core/events.js";
import { primaryOf } from "../../src/core/levers.js";
import type { Prober } from "../../src/ports/prober.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "./runtime.js";
import { shopRouter } from "./shop-runbook.js";

type GroupInput = TandemConfigInput["groups"][number];

/**
 * Both observers of shop under `policy`, the group with `group`'s settings added. Probes go to
 * `http://<region>.shop.test/health` and pass, but for the hosts in `failing`.
 */
export async function shopPractice(
  policy: TandemConfigInput["policy"],
  group: Partial<GroupInput> = {},
) {
  const base = twoRegionConfig(
    {
      westeurope: "http://westeurope.shop.test/health",
      northeurope: "http://northeurope.shop.test/health",
    },
    { policy },
  );
  const config = { ...base, groups: base.groups.map((g) => ({ ...g, ...group })) };
  const router = shopRouter();
  const failing = new Set<string>();
  const prober: Prober = {
    probe: async (request) =>
      failing.has(new URL(request.url).hostname)
        ? { ok: false, latencyMs: 1, error: { kind: "connect", message: "refused" } }
        : { ok: true, latencyMs: 1, statusCode: 200 },
  };
  const clock = new ManualClock(Date.parse("2026-12-07T02:50:00Z"));
  const store = new MemoryStateStore();
  const events: TandemEvent[] = [];
  const subscribers = [{ name: "test", fn: (e: TandemEvent) => void events.push(e) }];
  const observer = (region: string) =>
    runtimeFor(config, region, { store, clock, prober, router, subscribers });
  const runtimes: Runtime[] = [await observer("westeurope"), await observer("northeurope")];
  const primary = async () => primaryOf(await router.read("shop"));
  /** Ticks every 10 s until `iso` (those of `live` only); `each` runs after every tick. */
  const until = async (iso: string, each?: () => Promise<void>, live = runtimes) => {
    while (clock.now() < Date.parse(iso)) {
      clock.advance(10_000);
      for (const rt of live) await runObserverTick(rt);
      for (const rt of live) await readinessSettled(rt);
      await each?.();
    }
  };
  const practices = async () =>
    (await store.readIncidents("shop"))
      .map((s) => s.incident)
      .filter((i) => i.trigger === "practice");
  return { runtimes, store, failing, events, primary, until, practices, clock };
}
