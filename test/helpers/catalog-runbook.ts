// A passive-cold group (catalog) for runbook tests: westeurope primary, northeurope's AKS cluster
// stopped and scaled to zero; in-memory store, levers and a manual clock. northeurope passes its
// probes once its cluster runs with its node pools scaled.
import assert from "node:assert/strict";
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { RegionEvidence, RegionState, Verdict } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { ClusterControl } from "../../src/ports/cluster-control.js";
import type { StateStore } from "../../src/ports/state-store.js";
import type { TrafficRouter } from "../../src/ports/traffic-router.js";
import { keptOf, regionEvidence } from "./evidence.js";
import { ManualClock, runtimeFor } from "./runtime.js";

const SUB = "00000000-0000-0000-0000-000000000000";
export const raw: TandemConfigInput = {
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

export interface World {
  clock: ManualClock;
  store: MemoryStateStore;
  router: MemoryTrafficRouter;
  clusters: MemoryClusterControl;
}

export function world(): World {
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

/** A holder process of catalog; `parts` replace its store or levers (a dying process's, a slow one's). */
export const holder = (
  w: World,
  name: string,
  instance: string,
  parts: { store?: StateStore; router?: TrafficRouter; clusters?: ClusterControl } = {},
) =>
  runtimeFor(raw, name, {
    store: parts.store ?? w.store,
    clock: w.clock,
    instance,
    router: parts.router ?? w.router,
    clusters: parts.clusters ?? w.clusters,
  });

/** The steps an incident went through, in order, from its history. */
export const stepsOf = (history: readonly { step: string }[] | undefined): string[] =>
  (history ?? []).map((h) => h.step).filter((step, i, all) => i === 0 || all[i - 1] !== step);

/** The evidence and kept verdicts for the verdicts given by region. */
export function evidenceOf(verdicts: Record<string, Verdict>): {
  evidence: RegionEvidence[];
  kept: Record<string, RegionState>;
} {
  const evidence = regionEvidence(verdicts);
  return { evidence, kept: keptOf(evidence) };
}

/** westeurope is down; northeurope passes its probes once its cluster runs with its node pools. */
export async function verdicts(
  w: World,
  westeurope: Verdict = "down",
): Promise<{ evidence: RegionEvidence[]; kept: Record<string, RegionState> }> {
  const neu = await w.clusters.read("catalog", "northeurope");
  const neuUp = neu.power === "Running" && (neu.nodePools[0]?.count ?? 0) >= 4;
  return evidenceOf({ westeurope, northeurope: neuUp ? "healthy" : "down" });
}

/** Makes `rt` the lease holder, waiting out a lease another holds; returns its epoch. */
export async function takeLease(rt: Runtime, clock: ManualClock): Promise<number> {
  const first = await tickLease(rt);
  if (first.leader) return first.epoch!;
  clock.advance(leaseTiming(rt).durationMs);
  const status = await tickLease(rt);
  assert.ok(status.leader, `${rt.observer} should take the lease: ${JSON.stringify(status)}`);
  return status.epoch!;
}

export const lead = (w: World, rt: Runtime): Promise<number> => takeLease(rt, w.clock);
