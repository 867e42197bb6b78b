// One DataControl over several: each store is driven by the lever that covers it (a SQL failover
// group for one store, a Cosmos DB account for another).
import type { DataControl } from "../../ports/data-control.js";

export function dataByStore(levers: readonly DataControl[]): DataControl {
  const leverOf = (group: string, store: string): DataControl => {
    const lever = levers.find((l) => l.covers(group, store));
    if (!lever) throw new Error(`store ${store} in group ${group} has no data lever`);
    return lever;
  };
  return {
    covers: (group, store) => levers.some((l) => l.covers(group, store)),
    read: (group, store, options) => leverOf(group, store).read(group, store, options),
    failover: (group, store, region, mode, options) =>
      leverOf(group, store).failover(group, store, region, mode, options),
  };
}
