import { MemoryClusterControl } from "../../../src/adapters/cluster/memory.js";
import { systemClock } from "../../../src/adapters/clock/system-clock.js";
import { clusterControlContract } from "./contract.js";

clusterControlContract("in memory", async () => {
  const clusters = new MemoryClusterControl(systemClock, { startMs: 50 });
  clusters.add("catalog", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
  return { clusters, group: "catalog", writes: () => clusters.changes.length };
});
