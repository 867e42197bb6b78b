// The traffic lever of a group: Traffic Manager endpoints or Front Door origins (issue "Azure
// levers"), a simulated one (sandbox, simulation), or a dry run that changes nothing.

import type { RoutingState } from "../core/levers.js";

export type { RegionRoute, RoutingState } from "../core/levers.js";
export { primaryOf } from "../core/levers.js";

export interface LeverCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface TrafficRouter {
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
