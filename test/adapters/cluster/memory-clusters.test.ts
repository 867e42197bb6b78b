import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryClusterControl } from "../../../src/adapters/cluster/memory.js";
import { systemClock } from "../../../src/adapters/clock/system-clock.js";
import { clusterControlContract } from "./contract.js";

clusterControlContract("in memory", async () => {
  const clusters = new MemoryClusterControl(systemClock, { startMs: 50 });
  clusters.add("catalog", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
  return { clusters, group: "catalog", writes: () => clusters.changes.length };
});

describe("in memory: when a cluster can serve", () => {
  const clock = { t: 1000, now: () => clock.t, sleep: async () => {} };
  const cases = [
    { name: "a start ends after startMs, read or not", scale: false, readyAt: 1000 + 300 },
    { name: "a scale-up's nodes take pods scaleMs after it", scale: true, readyAt: 1400 + 200 },
  ];
  for (const c of cases)
    it(c.name, async () => {
      clock.t = 1000;
      const clusters = new MemoryClusterControl(clock, { startMs: 300, scaleMs: 200 });
      clusters.add("shop", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
      assert.equal(clusters.readyAt("shop", "northeurope"), undefined);
      await clusters.start("shop", "northeurope");
      clock.t = 1400; // read long after the start ended: readiness is not when it was read
      if (c.scale) await clusters.scale("shop", "northeurope", [{ name: "user", count: 3 }]);
      assert.equal(clusters.readyAt("shop", "northeurope"), c.readyAt);
    });
});
