// Crash points: a passive-cold failover driven through the runbook tick by one lease holder that
// crashes after any step (or between recording a step and carrying out its effect); a new holder
// takes over and finishes. Every run must end in the same state, with no effect applied twice.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { RegionEvidence, RegionState, Verdict } from "../../src/core/index.js";
import { primaryOf } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { ManualClock, runtimeFor } from "../helpers/runtime.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const raw: TandemConfigInput = {
  observers: [{ region: "westeurope" }, { region: "northeurope" }, { region: "swedencentral" }],
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy: { intervalSeconds: 10, probeTimeoutSeconds: 5, wakeTimeoutSeconds: 600 },
  groups: [
    {
      name: "catalog",
      model: "passive-cold",
      regions: [
        { name: "westeurope", role: "primary", probe: { url: "http://127.0.0.1:9/a" } },
        {
          name: "northeurope",
          role: "secondary",
          probe: { url: "http://127.0.0.1:9/b" },
          cluster: {
            resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-neu`,
            nodePools: [{ name: "user", count: 4 }],
          },
        },
      ],
    },
  ],
};

interface World {
  clock: ManualClock;
  store: MemoryStateStore;
  router: MemoryTrafficRouter;
  clusters: MemoryClusterControl;
}

function world(): World {
  const clock = new ManualClock();
  const clusters = new MemoryClusterControl(clock, { startMs: 40_000 });
  clusters.add("catalog", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
  return {
    clock,
    store: new MemoryStateStore(),
    router: new MemoryTrafficRouter([
      {
        name: "catalog",
        model: "passive-cold",
        regions: [
          { name: "westeurope", role: "primary" },
          { name: "northeurope", role: "secondary" },
        ],
      },
    ]),
    clusters,
  };
}

const holder = (w: World, name: string, instance: string) =>
  runtimeFor(raw, name, {
    store: w.store,
    clock: w.clock,
    instance,
    router: w.router,
    clusters: w.clusters,
  });

/** westeurope is down; northeurope passes its probes once its cluster runs with its node pools. */
async function verdicts(
  w: World,
): Promise<{ evidence: RegionEvidence[]; kept: Record<string, RegionState> }> {
  const neu = await w.clusters.read("catalog", "northeurope");
  const neuUp = neu.power === "Running" && (neu.nodePools[0]?.count ?? 0) >= 4;
  const verdict = (region: string, v: Verdict): RegionEvidence => ({
    region,
    verdict: v,
    reason: v,
    outside: [],
    blocking: [],
    witness: "unknown",
  });
  const evidence = [
    verdict("westeurope", "down"),
    verdict("northeurope", neuUp ? "healthy" : "down"),
  ];
  const kept = Object.fromEntries(
    evidence.map((e) => [e.region, { verdict: e.verdict, since: 0, epoch: 1, reason: e.reason }]),
  );
  return { evidence, kept };
}

async function lead(w: World, rt: Runtime): Promise<number> {
  const first = await tickLease(rt);
  if (first.leader) return first.epoch!;
  w.clock.advance(leaseTiming(rt).durationMs);
  const status = await tickLease(rt);
  assert.ok(status.leader, `${rt.observer} should take the lease: ${JSON.stringify(status)}`);
  return status.epoch!;
}

/** One tick of the holder: renew, then one runbook step. Returns the incident's step. */
async function tick(w: World, rt: Runtime): Promise<string | undefined> {
  w.clock.advance(10_000);
  const lease = await tickLease(rt);
  assert.ok(lease.leader, "the holder keeps its lease while it ticks");
  const { evidence, kept } = await verdicts(w);
  const outcome = await runbookTick(rt, rt.config.groups[0]!, evidence, kept, true, lease.epoch!, {
    deadline: rt.clock.now() + 10_000,
    verdictChanged: true,
    operation: "test",
  });
  return outcome.incident?.step;
}

async function run(
  crashAfter: number | undefined,
  dropEffects: boolean,
): Promise<{ w: World; ticks: number; steps: string[] }> {
  const w = world();
  let rt = await holder(w, "northeurope", "a");
  await lead(w, rt);
  const steps: string[] = [];
  for (let i = 0; i < 40; i++) {
    if (crashAfter === i) {
      if (dropEffects) {
        // The holder records the step, then dies before its effect: make this tick's effects fail.
        w.router.fault = () => new Error("process died");
        w.clusters.fault = (call) => (call === "read" ? undefined : new Error("process died"));
        await tick(w, rt);
        w.router.fault = undefined;
        w.clusters.fault = undefined;
      }
      rt = await holder(w, "swedencentral", `b${i}`);
      w.clock.advance(leaseTiming(rt).durationMs);
      await lead(w, rt);
    }
    const step = await tick(w, rt);
    if (step && steps.at(-1) !== step) steps.push(step);
    if (step === "completed" || step === "failed") return { w, ticks: i + 1, steps };
  }
  return { w, ticks: 40, steps };
}

describe("runbook crash points", () => {
  it("an uninterrupted passive-cold failover wakes, scales, waits and promotes, each effect once", async () => {
    const { w, steps } = await run(undefined, false);
    assert.deepEqual(steps, [
      "detected",
      "confirmed",
      "waking",
      "waiting-ready",
      "shifting-traffic",
      "verifying",
      "completed",
    ]);
    assert.equal(primaryOf(w.router.peek("catalog")), "northeurope");
    assert.deepEqual(w.clusters.changes, ["start northeurope", "scale northeurope"]);
    assert.deepEqual(w.router.changes, ["promote catalog/northeurope"]);
  });

  it("a crash after any step, or between recording a step and its effect, reaches the same end with no effect twice", async () => {
    const { ticks } = await run(undefined, false);
    for (let k = 0; k < ticks; k++) {
      for (const dropEffects of [false, true]) {
        const { w, steps } = await run(k, dropEffects);
        const label = `crash after tick ${k}${dropEffects ? " (effect lost)" : ""}`;
        assert.equal(steps.at(-1), "completed", `${label}: ${steps.join(" > ")}`);
        assert.equal(primaryOf(w.router.peek("catalog")), "northeurope", label);
        assert.deepEqual(w.clusters.changes, ["start northeurope", "scale northeurope"], label);
        assert.deepEqual(w.router.changes, ["promote catalog/northeurope"], label);
        const incidents = await w.store.readIncidents("catalog");
        assert.equal(incidents.length, 1, `${label}: one incident, resumed, not a second one`);
      }
    }
  });
});
