// Dry-run levers: they read the real lever once, then play every change on a copy held in memory
// and record it. Nothing reaches the real lever. Operators' dry runs and drills use them to see
// the exact plan: which calls, in which order, and the routing it would leave.
import type {
  ClusterState,
  LeverCapabilities,
  NodePoolSize,
  RoutingState,
} from "../../core/levers.js";
import type { Clock } from "../../ports/clock.js";
import type { ClusterCallOptions, ClusterControl } from "../../ports/cluster-control.js";
import type { LeverCallOptions, TrafficRouter } from "../../ports/traffic-router.js";
import type { DataCallOptions, DataControl, DataFailoverMode } from "../../ports/data-control.js";
import type { DataState } from "../../core/levers.js";
import { MemoryDataControl } from "../data/memory.js";
import type { DryRunLevers, LeverEstimates, PlannedChange } from "../../ports/dry-run.js";
import { MemoryClusterControl } from "../cluster/memory.js";
import { MemoryTrafficRouter } from "../traffic/memory.js";

export type { PlannedChange } from "../../ports/dry-run.js";

/** Dry-run levers over the real ones, as the composition root hands them to the operator API. */
export function dryRunLevers(
  router: TrafficRouter | undefined,
  clusters: ClusterControl | undefined,
  clock: Clock,
  estimates: LeverEstimates,
  data?: DataControl,
): DryRunLevers {
  const dryRouter = router
    ? new DryRunTrafficRouter(router, { clock, ms: estimates.propagationMs })
    : undefined;
  const dryClusters = clusters
    ? new DryRunClusterControl(clusters, clock, { startMs: estimates.clusterStartMs })
    : undefined;
  const dryData = data
    ? new DryRunDataControl(data, clock, { failoverMs: estimates.dataFailoverMs ?? 0 })
    : undefined;
  return {
    ...(dryRouter ? { router: dryRouter } : {}),
    ...(dryClusters ? { clusters: dryClusters } : {}),
    ...(dryData ? { data: dryData } : {}),
    planned: () =>
      [
        ...(dryRouter?.planned ?? []),
        ...(dryClusters?.planned ?? []),
        ...(dryData?.planned ?? []),
      ].sort((a, b) => (a.at ?? 0) - (b.at ?? 0)),
  };
}

export class DryRunTrafficRouter implements TrafficRouter {
  readonly #base: TrafficRouter;
  readonly #copies = new Map<string, MemoryTrafficRouter>();
  readonly #propagation: { clock: Clock; ms: (group: string) => number } | undefined;
  readonly #propagatingUntil = new Map<string, number>();
  readonly planned: PlannedChange[] = [];

  /** `propagation`: how long a change is expected to take to reach the data plane, per group. */
  constructor(base: TrafficRouter, propagation?: { clock: Clock; ms: (group: string) => number }) {
    this.#base = base;
    this.#propagation = propagation;
  }

  covers(group: string): boolean {
    return this.#base.covers(group);
  }

  capabilities(group: string): LeverCapabilities {
    return this.#base.capabilities(group);
  }

  async #copy(group: string, options?: LeverCallOptions): Promise<MemoryTrafficRouter> {
    let copy = this.#copies.get(group);
    if (!copy) {
      const state = await this.#base.read(group, options);
      copy = MemoryTrafficRouter.from(new Map([[group, state]]));
      this.#copies.set(group, copy);
    }
    return copy;
  }

  async #play(
    group: string,
    options: LeverCallOptions | undefined,
    run: (copy: MemoryTrafficRouter) => Promise<void>,
  ): Promise<void> {
    const copy = await this.#copy(group, options);
    const before = copy.changes.length;
    await run(copy);
    for (const change of copy.changes.slice(before))
      this.planned.push({
        lever: "traffic",
        group,
        change: change.replace(`${group}/`, ""),
        ...(this.#propagation ? { at: this.#propagation.clock.now() } : {}),
      });
    if (this.#propagation && copy.changes.length > before)
      this.#propagatingUntil.set(
        group,
        this.#propagation.clock.now() + this.#propagation.ms(group),
      );
  }

  async read(group: string, options?: LeverCallOptions): Promise<RoutingState> {
    const copy = await this.#copy(group, options);
    const { propagating: _, ...state } = await copy.read(group);
    const until = this.#propagatingUntil.get(group);
    return until !== undefined && this.#propagation!.clock.now() < until
      ? { ...state, propagating: true }
      : state;
  }

  promote(group: string, region: string, options?: LeverCallOptions): Promise<void> {
    return this.#play(group, options, (copy) => copy.promote(group, region));
  }

  setEnabled(
    group: string,
    region: string,
    enabled: boolean,
    options?: LeverCallOptions,
  ): Promise<void> {
    return this.#play(group, options, (copy) => copy.setEnabled(group, region, enabled));
  }
}

export class DryRunClusterControl implements ClusterControl {
  readonly #base: ClusterControl;
  readonly #copy: MemoryClusterControl;
  readonly #known = new Set<string>();
  readonly #clock: Clock;
  readonly planned: PlannedChange[] = [];

  /** `startMs`: how long a start is expected to take (the copy runs after that on `clock`). */
  constructor(base: ClusterControl, clock: Clock, options: { startMs: number }) {
    this.#base = base;
    this.#clock = clock;
    this.#copy = new MemoryClusterControl(clock, { startMs: options.startMs });
  }

  covers(group: string, region: string): boolean {
    return this.#base.covers(group, region);
  }

  async #ensure(group: string, region: string, options?: ClusterCallOptions): Promise<void> {
    const key = `${group}/${region}`;
    if (this.#known.has(key)) return;
    const state = await this.#base.read(group, region, options);
    this.#copy.add(
      group,
      region,
      state.power,
      state.nodePools.map((p) => ({ ...p })),
    );
    this.#known.add(key);
  }

  async #play(
    group: string,
    region: string,
    options: ClusterCallOptions | undefined,
    run: () => Promise<void>,
  ): Promise<void> {
    await this.#ensure(group, region, options);
    const before = this.#copy.changes.length;
    await run();
    for (const change of this.#copy.changes.slice(before))
      this.planned.push({ lever: "cluster", group, change, at: this.#clock.now() });
  }

  async read(group: string, region: string, options?: ClusterCallOptions): Promise<ClusterState> {
    await this.#ensure(group, region, options);
    return this.#copy.read(group, region);
  }

  start(group: string, region: string, options?: ClusterCallOptions): Promise<void> {
    return this.#play(group, region, options, () => this.#copy.start(group, region));
  }

  stop(group: string, region: string, options?: ClusterCallOptions): Promise<void> {
    return this.#play(group, region, options, () => this.#copy.stop(group, region));
  }

  scale(
    group: string,
    region: string,
    pools: readonly NodePoolSize[],
    options?: ClusterCallOptions,
  ): Promise<void> {
    return this.#play(group, region, options, () => this.#copy.scale(group, region, pools));
  }
}

/**
 * Data stores as they would move: each store is read from the real lever once, then its failovers
 * play on a copy in memory (taking `failoverMs` on the plan's clock) and are recorded, with the
 * mode: whether Tandem would ask for a planned or a forced one.
 */
class DryRunDataControl implements DataControl {
  readonly #base: DataControl;
  readonly #copy: MemoryDataControl;
  readonly #known = new Set<string>();
  readonly #clock: Clock;
  readonly planned: PlannedChange[] = [];

  constructor(base: DataControl, clock: Clock, options: { failoverMs: number }) {
    this.#base = base;
    this.#clock = clock;
    this.#copy = new MemoryDataControl(clock, { changeMs: options.failoverMs });
  }

  covers(group: string, store: string): boolean {
    return this.#base.covers(group, store);
  }

  async #ensure(group: string, store: string, options?: DataCallOptions): Promise<void> {
    const key = `${group}/${store}`;
    if (this.#known.has(key)) return;
    const state: DataState = await this.#base.read(group, store, options);
    const regions = Object.keys(state.regions);
    const primary = state.primary ?? regions[0];
    if (primary === undefined) throw new Error(`store ${store} in group ${group} has no copy`);
    // The plan asks for a forced failover only where the store's configuration allows it (the
    // runbook's rule); the copy plays what the plan asks.
    this.#copy.add(group, store, primary, regions, { allowDataLoss: true });
    for (const [region, copy] of Object.entries(state.regions))
      this.#copy.set(group, store, region, {
        reachable: copy.reachable,
        // The copy added caught up stays so; one that is not says so in words of its own.
        ...(copy.caughtUp
          ? {}
          : { replication: `${copy.replication ?? "not replicating"} (not caught up)` }),
        ...(copy.lagSeconds === undefined ? {} : { lagSeconds: copy.lagSeconds }),
      });
    this.#known.add(key);
  }

  async read(group: string, store: string, options?: DataCallOptions): Promise<DataState> {
    await this.#ensure(group, store, options);
    return this.#copy.read(group, store, options);
  }

  async failover(
    group: string,
    store: string,
    region: string,
    mode: DataFailoverMode,
    options?: DataCallOptions,
  ): Promise<void> {
    await this.#ensure(group, store, options);
    await this.#copy.failover(group, store, region, mode);
    this.planned.push({
      lever: "data",
      group,
      change: `data-failover ${store} to ${region} (${mode})`,
      at: this.#clock.now(),
    });
  }
}
