// One TrafficRouter over several: each group is routed by the lever that covers it (a Traffic
// Manager profile for one group, a Front Door origin group for another).
import type { TrafficRouter } from "../../ports/traffic-router.js";

export function routerByGroup(routers: readonly TrafficRouter[]): TrafficRouter {
  const leverOf = (group: string): TrafficRouter => {
    const router = routers.find((r) => r.covers(group));
    if (!router) throw new Error(`group ${group} has no traffic lever`);
    return router;
  };
  return {
    covers: (group) => routers.some((r) => r.covers(group)),
    capabilities: (group) => leverOf(group).capabilities(group),
    read: (group, options) => leverOf(group).read(group, options),
    promote: (group, region, options) => leverOf(group).promote(group, region, options),
    setEnabled: (group, region, enabled, options) =>
      leverOf(group).setEnabled(group, region, enabled, options),
  };
}
