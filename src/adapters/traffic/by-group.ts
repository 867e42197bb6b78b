// One TrafficRouter over several: each group is routed by the lever that covers it (a Traffic
// Manager profile for one group, a Front Door origin group for another).
import type { LeverCapabilities, RoutingState } from "../../core/levers.js";
import type { LeverCallOptions, TrafficRouter } from "../../ports/traffic-router.js";

export class RouterByGroup implements TrafficRouter {
  readonly #routers: readonly TrafficRouter[];

  constructor(routers: readonly TrafficRouter[]) {
    this.#routers = routers;
  }

  covers(group: string): boolean {
    return this.#routers.some((r) => r.covers(group));
  }

  capabilities(group: string): LeverCapabilities {
    return this.#for(group).capabilities(group);
  }

  #for(group: string): TrafficRouter {
    const router = this.#routers.find((r) => r.covers(group));
    if (!router) throw new Error(`group ${group} has no traffic lever`);
    return router;
  }

  read(group: string, options?: LeverCallOptions): Promise<RoutingState> {
    return this.#for(group).read(group, options);
  }

  promote(group: string, region: string, options?: LeverCallOptions): Promise<void> {
    return this.#for(group).promote(group, region, options);
  }

  setEnabled(
    group: string,
    region: string,
    enabled: boolean,
    options?: LeverCallOptions,
  ): Promise<void> {
    return this.#for(group).setEnabled(group, region, enabled, options);
  }
}
