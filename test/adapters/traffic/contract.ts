// The behaviour every TrafficRouter must have. Run against each implementation: in memory, Traffic
// Manager and Front Door through the ARM emulator, and the dry run.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { primaryOf } from "../../../src/core/levers.js";
import type { TrafficRouter } from "../../../src/ports/traffic-router.js";

export interface TrafficFixture {
  readonly router: TrafficRouter;
  /** A group whose primary is `westeurope` and secondary `northeurope`, both enabled. */
  readonly group: string;
  /** Changes that reached the lever's store so far. */
  writes(): number;
  /** Whether priorities must be unique within the group (Traffic Manager). */
  readonly uniquePriorities: boolean;
  close?(): Promise<void>;
}

export function trafficRouterContract(name: string, create: () => Promise<TrafficFixture>): void {
  describe(`TrafficRouter contract: ${name}`, () => {
    let f: TrafficFixture;
    before(async () => {
      f = await create();
    });
    after(async () => {
      await f.close?.();
    });

    it("covers its group and no other", () => {
      assert.equal(f.router.covers(f.group), true);
      assert.equal(f.router.covers("no-such-group"), false);
    });

    it("reads both regions, westeurope first, both enabled", async () => {
      const state = await f.router.read(f.group);
      assert.deepEqual(state.regions.map((r) => [r.region, r.enabled]).sort(), [
        ["northeurope", true],
        ["westeurope", true],
      ]);
      assert.equal(primaryOf(state), "westeurope");
    });

    it("promotes northeurope, once: a second promote writes nothing", async () => {
      await f.router.promote(f.group, "northeurope");
      const state = await f.router.read(f.group);
      assert.equal(primaryOf(state), "northeurope");
      const top = Math.min(...state.regions.map((r) => r.priority));
      assert.equal(state.regions.filter((r) => r.priority === top).length, 1);
      if (f.uniquePriorities)
        assert.equal(new Set(state.regions.map((r) => r.priority)).size, state.regions.length);
      const writes = f.writes();
      await f.router.promote(f.group, "northeurope");
      assert.equal(f.writes(), writes);
    });

    it("promotes westeurope back", async () => {
      await f.router.promote(f.group, "westeurope");
      assert.equal(primaryOf(await f.router.read(f.group)), "westeurope");
    });

    it("disables and enables a region, writing only when it differs", async () => {
      await f.router.setEnabled(f.group, "northeurope", false);
      let state = await f.router.read(f.group);
      assert.equal(state.regions.find((r) => r.region === "northeurope")?.enabled, false);
      const writes = f.writes();
      await f.router.setEnabled(f.group, "northeurope", false);
      assert.equal(f.writes(), writes);
      await f.router.setEnabled(f.group, "northeurope", true);
      state = await f.router.read(f.group);
      assert.equal(state.regions.find((r) => r.region === "northeurope")?.enabled, true);
    });

    it("declares what it can do: promote a region and take one out of rotation", () => {
      const can = f.router.capabilities(f.group);
      assert.deepEqual(
        { promote: can.promote, enable: can.enable },
        { promote: true, enable: true },
      );
    });

    it("names the region it does not know", async () => {
      await assert.rejects(f.router.promote(f.group, "atlantis"), /atlantis/);
    });
  });
}
