// The wake lever: an AKS cluster per region, one held in memory (simulation), or a dry run.

import type { ClusterState, NodePoolSize } from "../core/levers.js";

export type { ClusterState, NodePoolSize, PowerState } from "../core/levers.js";

export interface ClusterCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface ClusterControl {
  /** Whether this lever knows the region's cluster in the group. */
  covers(group: string, region: string): boolean;
  read(group: string, region: string, options?: ClusterCallOptions): Promise<ClusterState>;
  /** Begins starting a stopped cluster; returns once the start is accepted, not when it is done. */
  start(group: string, region: string, options?: ClusterCallOptions): Promise<void>;
  /** Begins stopping a running cluster. */
  stop(group: string, region: string, options?: ClusterCallOptions): Promise<void>;
  /** Sets node pool sizes (and autoscaler bounds); returns once accepted. */
  scale(
    group: string,
    region: string,
    pools: readonly NodePoolSize[],
    options?: ClusterCallOptions,
  ): Promise<void>;
}
