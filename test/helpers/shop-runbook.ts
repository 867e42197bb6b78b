// A lease holder for one active-passive group, `shop` (westeurope primary, northeurope standby),
// on in-memory levers and a manual clock, and its runbook ticks with westeurope judged down: the
// rig the runbook tick's tests about Azure's failures share.
import assert from "node:assert/strict";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import type { RunbookOutcome } from "../../src/app/runbook-tick.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { RegionEvidence, Verdict } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { keptOf, regionEvidence } from "./evidence.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "./runtime.js";

/** shop's Traffic Manager, in memory: westeurope first, northeurope second. */
export const shopRouter = () =>
  new MemoryTrafficRouter([
    {
      name: "shop",
      model: "active-passive",
      regions: [
        { name: "westeurope", role: "primary" },
        { name: "northeurope", role: "secondary" },
      ],
    },
  ]);

export interface ShopRig {
  readonly clock: ManualClock;
  readonly store: MemoryStateStore;
  readonly router: MemoryTrafficRouter;
  readonly rt: Runtime;
  readonly epoch: number;
  readonly intervalMs: number;
}

/** westeurope's lease holder for shop, holding epoch 1; `policy` adds to the two-region config's. */
export async function shopHolder(policy: TandemConfigInput["policy"] = {}): Promise<ShopRig> {
  const clock = new ManualClock();
  const store = new MemoryStateStore();
  const router = shopRouter();
  const base = twoRegionConfig({
    westeurope: "http://127.0.0.1:9/a",
    northeurope: "http://127.0.0.1:9/b",
  });
  const rt = await runtimeFor({ ...base, policy: { ...base.policy, ...policy } }, "westeurope", {
    store,
    clock,
    instance: "w",
    router,
  });
  await tickLease(rt);
  clock.advance(leaseTiming(rt).durationMs);
  const lease = await tickLease(rt);
  assert.ok(lease.leader);
  return {
    clock,
    store,
    router,
    rt,
    epoch: lease.epoch!,
    intervalMs: rt.config.policy.intervalSeconds * 1000,
  };
}

/** Fails the first `call` of shop's traffic lever with a 500; counts every `call` made. */
export function failFirst(w: ShopRig, call: string): () => number {
  let calls = 0;
  w.router.fault = (c) =>
    c === call && ++calls === 1 ? new Error("500 InternalServerError") : undefined;
  return () => calls;
}

/** The observers' evidence with westeurope as given and northeurope healthy. */
export const evidenceOf = (weu: Verdict): RegionEvidence[] =>
  regionEvidence({ westeurope: weu, northeurope: "healthy" });

export { keptOf };

/**
 * One orchestrate tick's runbook step an interval later, with westeurope down: the lease renewed,
 * the lever view read from the store, and the view a read leaves written before it returns.
 */
export async function downTick(w: ShopRig, verdictChanged = false): Promise<RunbookOutcome> {
  w.clock.advance(w.intervalMs);
  assert.ok((await tickLease(w.rt)).leader, "the holder renews every tick");
  const evidence = evidenceOf("down");
  const kept = keptOf(evidence);
  const views = await w.store.readLeverViews();
  const out = await runbookTick(w.rt, w.rt.config.groups[0]!, evidence, kept, true, w.epoch, {
    deadline: w.clock.now() + w.intervalMs,
    verdictChanged,
    operation: "test",
    ...(views["shop"] ? { view: views["shop"] } : {}),
  });
  await new Promise((resolve) => setImmediate(resolve));
  return out;
}

/** A failover opened with its first change failed (promote answered 500): at shifting-traffic. */
export async function openWithFailedChange(w: ShopRig): Promise<void> {
  w.router.fault = (call) =>
    call === "promote" ? new Error("500 InternalServerError") : undefined;
  const opened = await downTick(w, true);
  assert.equal(opened.incident?.step, "shifting-traffic");
}
