// The behaviour every TrafficRouter must have. Run against each implementation: in memory, Traffic
// Manager and Front Door through the ARM emulator, the dry run, and the test switch (a kind from
// outside src/). A lever does what its capabilities() declare: the cases of a capability it does
// not declare check instead that it refuses the call and changes nothing, as the runbook plans
// only with what is declared (src/ports/traffic-router.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LeverCapabilities } from "../../../src/core/levers.js";
import { FULL_LEVER, primaryOf } from "../../../src/core/levers.js";
import type { TrafficRouter } from "../../../src/ports/traffic-router.js";

export interface TrafficFixture {
  readonly router: TrafficRouter;
  /** A group whose primary is `westeurope` and secondary `northeurope`, both enabled. */
  readonly group: string;
  /** Changes that reached the lever's store so far. */
  writes(): number;
  /** Whether priorities must be unique within the group (Traffic Manager). */
  readonly uniquePriorities: boolean;
  /** What it must declare it can do (default: promote and take a region out of rotation). */
  readonly can?: Pick<LeverCapabilities, "promote" | "enable">;
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

    /** Whether it declares `capability`; if not, the call it would need is refused, unchanged. */
    const declares = async (
      capability: "promote" | "enable",
      refused: () => Promise<void>,
    ): Promise<boolean> => {
      if (f.router.capabilities(f.group)[capability]) return true;
      const writes = f.writes();
      await assert.rejects(refused(), `it does not declare ${capability}, so it refuses it`);
      assert.equal(f.writes(), writes, "a refused call writes nothing");
      return false;
    };

    it("declares what it can do", () => {
      const can = f.router.capabilities(f.group);
      const { promote, enable } = f.can ?? FULL_LEVER;
      assert.deepEqual({ promote: can.promote, enable: can.enable }, { promote, enable });
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

    it("promotes northeurope, once: a second promote writes nothing (or refuses to promote)", async () => {
      if (!(await declares("promote", () => f.router.promote(f.group, "northeurope")))) return;
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
      if (!f.router.capabilities(f.group).promote) return;
      await f.router.promote(f.group, "westeurope");
      assert.equal(primaryOf(await f.router.read(f.group)), "westeurope");
    });

    it("disables and enables a region, writing only when it differs (or refuses to)", async () => {
      if (!(await declares("enable", () => f.router.setEnabled(f.group, "northeurope", false))))
        return;
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

    it("names the region it does not know", async () => {
      const can = f.router.capabilities(f.group);
      await assert.rejects(
        can.promote
          ? f.router.promote(f.group, "atlantis")
          : f.router.setEnabled(f.group, "atlantis", false),
        /atlantis/,
      );
    });
  });
}
