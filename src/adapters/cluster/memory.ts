// Clusters held in memory, for the sandbox and the simulator: starting takes `startMs` on the
// given clock, stopping `stopMs`; a node pool takes its new size at once (as AKS reports the
// count asked for while it scales), its new nodes take pods after `scaleMs` (0 by default).
// A fault hook can fail any call.
import type { ClusterState, NodePoolSize, PowerState } from "../../core/levers.js";
import type { Clock } from "../../ports/clock.js";
import type { ClusterControl } from "../../ports/cluster-control.js";

interface Cluster {
  power: PowerState;
  since: number;
  nodePools: NodePoolSize[];
  /** When the nodes of its last scale-up take pods (clock time). */
  poolsReadyAt?: number;
}

export class MemoryClusterControl implements ClusterControl {
  readonly #clusters = new Map<string, Cluster>();
  readonly #clock: Clock;
  readonly #startMs: number;
  readonly #stopMs: number;
  readonly #scaleMs: number;
  fault: ((call: string, region: string) => Error | undefined) | undefined;
  /** Counts of calls that changed something, for tests that check no effect ran twice. */
  readonly changes: string[] = [];

  constructor(clock: Clock, options: { startMs: number; stopMs?: number; scaleMs?: number }) {
    this.#clock = clock;
    this.#startMs = options.startMs;
    this.#stopMs = options.stopMs ?? options.startMs;
    this.#scaleMs = options.scaleMs ?? 0;
  }

  covers(group: string, region: string): boolean {
    return this.#clusters.has(`${group}/${region}`);
  }

  add(group: string, region: string, power: PowerState, nodePools: NodePoolSize[] = []): void {
    this.#clusters.set(`${group}/${region}`, { power, since: this.#clock.now(), nodePools });
  }

  #cluster(call: string, group: string, region: string): Cluster {
    const error = this.fault?.(call, region);
    if (error) throw error;
    const cluster = this.#clusters.get(`${group}/${region}`);
    if (!cluster) throw new Error(`no cluster for ${region} in group ${group}`);
    const now = this.#clock.now();
    // A running cluster's `since` is when the start ended, not when it was next read (readyAt).
    if (cluster.power === "Starting" && now - cluster.since >= this.#startMs)
      Object.assign(cluster, { power: "Running", since: cluster.since + this.#startMs });
    if (cluster.power === "Stopping" && now - cluster.since >= this.#stopMs)
      Object.assign(cluster, { power: "Stopped", since: now });
    return cluster;
  }

  async read(group: string, region: string): Promise<ClusterState> {
    const c = this.#cluster("read", group, region);
    return { power: c.power, nodePools: c.nodePools.map((p) => ({ ...p })) };
  }

  async start(group: string, region: string): Promise<void> {
    const c = this.#cluster("start", group, region);
    if (c.power === "Stopping")
      throw new Error(`${region}'s cluster is stopping; start it once it has stopped`);
    if (c.power !== "Stopped") return;
    Object.assign(c, { power: "Starting", since: this.#clock.now() });
    this.changes.push(`start ${region}`);
  }

  async stop(group: string, region: string): Promise<void> {
    const c = this.#cluster("stop", group, region);
    if (c.power === "Starting")
      throw new Error(`${region}'s cluster is starting; it can be stopped once it runs`);
    if (c.power !== "Running") return;
    Object.assign(c, { power: "Stopping", since: this.#clock.now() });
    this.changes.push(`stop ${region}`);
  }

  async scale(group: string, region: string, pools: readonly NodePoolSize[]): Promise<void> {
    const c = this.#cluster("scale", group, region);
    if (c.power !== "Running")
      throw new Error(`${region}'s cluster is ${c.power}; node pools scale only when it runs`);
    const same = pools.every((pool) => {
      const current = c.nodePools.find((p) => p.name === pool.name);
      return (
        current?.count === pool.count &&
        current.minCount === pool.minCount &&
        current.maxCount === pool.maxCount
      );
    });
    if (same) return;
    for (const pool of pools) {
      const i = c.nodePools.findIndex((p) => p.name === pool.name);
      if (i >= 0) c.nodePools[i] = { ...pool };
      else c.nodePools.push({ ...pool });
    }
    c.poolsReadyAt = this.#clock.now() + this.#scaleMs;
    this.changes.push(`scale ${region}`);
  }

  /**
   * From when (clock time) the cluster runs with the nodes of its last scale taking pods, even if
   * nobody has read it since; undefined when it is not running or starting. The simulator's
   * ground truth for when a woken region can serve.
   */
  readyAt(group: string, region: string): number | undefined {
    const c = this.#clusters.get(`${group}/${region}`);
    if (!c) return undefined;
    const running =
      c.power === "Starting"
        ? c.since + this.#startMs
        : c.power === "Running"
          ? c.since
          : undefined;
    return running === undefined ? undefined : Math.max(running, c.poolsReadyAt ?? running);
  }

  /** The current power state, without the fault hook. */
  peek(group: string, region: string): PowerState | undefined {
    return this.#clusters.get(`${group}/${region}`)?.power;
  }
}
