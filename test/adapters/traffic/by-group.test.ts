// One lever over several, as the composition root builds it from every kind's levers: each call
// reaches the lever that covers its group (or region) and no other; one that covers none is
// refused by name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clustersByRegion } from "../../../src/adapters/cluster/by-group.js";
import { MemoryClusterControl } from "../../../src/adapters/cluster/memory.js";
import { routerByGroup } from "../../../src/adapters/traffic/by-group.js";
import { MemoryTrafficRouter } from "../../../src/adapters/traffic/memory.js";
import { FULL_LEVER, primaryOf } from "../../../src/core/levers.js";
import { ManualClock } from "../../helpers/runtime.js";

const layout = (name: string) => ({
  name,
  model: "active-passive",
  regions: [
    { name: "westeurope", role: "primary" },
    { name: "northeurope", role: "secondary" },
  ],
});

describe("one lever over several", () => {
  it("traffic: each group's calls reach its own router, with its own capabilities", async () => {
    const shop = new MemoryTrafficRouter([layout("shop")]);
    const catalog = new MemoryTrafficRouter([layout("catalog")]);
    catalog.can = { ...FULL_LEVER, dataPlaneLag: true };
    const router = routerByGroup([shop, catalog]);
    await router.promote("catalog", "northeurope");
    await router.setEnabled("catalog", "westeurope", false);
    assert.deepEqual(shop.changes, []);
    assert.equal(catalog.changes.length, 2);
    assert.equal(primaryOf(await router.read("catalog")), "northeurope");
    assert.equal(primaryOf(await router.read("shop")), "westeurope");
    assert.equal(router.capabilities("catalog").dataPlaneLag, true);
    assert.equal(router.capabilities("shop").dataPlaneLag, undefined);
    assert.equal(router.covers("basket"), false);
    await assert.rejects(
      async () => router.read("basket"),
      /^Error: group basket has no traffic lever$/,
    );
  });

  it("clusters: each region's calls reach the lever that covers it", async () => {
    const clock = new ManualClock();
    const a = new MemoryClusterControl(clock, { startMs: 0 });
    const b = new MemoryClusterControl(clock, { startMs: 0 });
    a.add("shop", "westeurope", "Running");
    b.add("shop", "northeurope", "Stopped");
    const clusters = clustersByRegion([a, b]);
    await clusters.start("shop", "northeurope");
    assert.deepEqual(a.changes, []);
    assert.notEqual(b.peek("shop", "northeurope"), "Stopped");
    assert.equal((await clusters.read("shop", "westeurope")).power, "Running");
    assert.equal(clusters.covers("shop", "swedencentral"), false);
    await assert.rejects(
      async () => clusters.stop("shop", "swedencentral"),
      /^Error: swedencentral in group shop has no cluster lever$/,
    );
  });
});
