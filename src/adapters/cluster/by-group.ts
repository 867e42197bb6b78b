// One ClusterControl over several: each region's cluster is driven by the lever that covers it.
import type { ClusterState, NodePoolSize } from "../../core/levers.js";
import type { ClusterCallOptions, ClusterControl } from "../../ports/cluster-control.js";

export class ClustersByRegion implements ClusterControl {
  readonly #levers: readonly ClusterControl[];

  constructor(levers: readonly ClusterControl[]) {
    this.#levers = levers;
  }

  covers(group: string, region: string): boolean {
    return this.#levers.some((l) => l.covers(group, region));
  }

  #for(group: string, region: string): ClusterControl {
    const lever = this.#levers.find((l) => l.covers(group, region));
    if (!lever) throw new Error(`${region} in group ${group} has no cluster lever`);
    return lever;
  }

  read(group: string, region: string, options?: ClusterCallOptions): Promise<ClusterState> {
    return this.#for(group, region).read(group, region, options);
  }

  start(group: string, region: string, options?: ClusterCallOptions): Promise<void> {
    return this.#for(group, region).start(group, region, options);
  }

  stop(group: string, region: string, options?: ClusterCallOptions): Promise<void> {
    return this.#for(group, region).stop(group, region, options);
  }

  scale(
    group: string,
    region: string,
    pools: readonly NodePoolSize[],
    options?: ClusterCallOptions,
  ): Promise<void> {
    return this.#for(group, region).scale(group, region, pools, options);
  }
}
