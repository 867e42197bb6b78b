// The traffic lever of a group: Traffic Manager endpoints or Front Door origins, one held in
// memory (simulation), or a dry run that changes nothing. Every change is idempotent: the adapter
// reads first and writes only what differs, so a retried or resumed step never applies twice.

import type { LeverCapabilities, RoutingState } from "../core/levers.js";

export type { LeverCapabilities, RegionRoute, RoutingState } from "../core/levers.js";
export { primaryOf } from "../core/levers.js";

export interface LeverCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface TrafficRouter {
  /** Whether this lever routes the group at all; a group it does not cover has no lever. */
  covers(group: string): boolean;
  /** What the lever can do for the group; the runbook plans only with these. */
  capabilities(group: string): LeverCapabilities;
  read(group: string, options?: LeverCallOptions): Promise<RoutingState>;
  /** Makes `region` the preferred one (lowest priority), keeping priorities unique. */
  promote(group: string, region: string, options?: LeverCallOptions): Promise<void>;
  setEnabled(
    group: string,
    region: string,
    enabled: boolean,
    options?: LeverCallOptions,
  ): Promise<void>;
}
