// The wake lever: an AKS cluster per region (issue "Azure levers"), a simulated one, or a dry run.

import type { ClusterState, NodePoolSize } from "../core/levers.js";

export type { ClusterState, NodePoolSize, PowerState } from "../core/levers.js";

export interface ClusterCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface ClusterControl {
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
