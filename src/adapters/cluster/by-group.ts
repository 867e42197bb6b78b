// One ClusterControl over several: each region's cluster is driven by the lever that covers it.
import type { ClusterControl } from "../../ports/cluster-control.js";

export function clustersByRegion(levers: readonly ClusterControl[]): ClusterControl {
  const leverOf = (group: string, region: string): ClusterControl => {
    const lever = levers.find((l) => l.covers(group, region));
    if (!lever) throw new Error(`${region} in group ${group} has no cluster lever`);
    return lever;
  };
  return {
    covers: (group, region) => levers.some((l) => l.covers(group, region)),
    read: (group, region, options) => leverOf(group, region).read(group, region, options),
    start: (group, region, options) => leverOf(group, region).start(group, region, options),
    stop: (group, region, options) => leverOf(group, region).stop(group, region, options),
    scale: (group, region, pools, options) =>
      leverOf(group, region).scale(group, region, pools, options),
  };
}
