import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DryRunTrafficRouter } from "../../../src/adapters/dry-run/levers.js";
import { TrafficManagerRouter } from "../../../src/providers/traffic-manager/router.js";
import { primaryOf } from "../../../src/core/levers.js";
import { ENDPOINTS, TM_PROFILE, startArm } from "../../helpers/arm.js";
import { trafficRouterContract } from "./contract.js";

trafficRouterContract("dry run over Traffic Manager", async () => {
  const arm = await startArm();
  const real = new TrafficManagerRouter(arm.conn, [
    { name: "shop", profileId: TM_PROFILE, endpoints: ENDPOINTS },
  ]);
  const router = new DryRunTrafficRouter(real);
  return {
    router,
    group: "shop",
    writes: () => router.planned.length,
    uniquePriorities: true,
    close: async () => {
      // Whatever the contract did, the real profile was only read.
      assert.equal(arm.writes(), 0);
      assert.deepEqual(
        arm.tm.endpoints(TM_PROFILE).map((e) => [e.name, e.priority, e.status]),
        [
          ["weu", 1, "Enabled"],
          ["neu", 2, "Enabled"],
          ["spare", 999, "Disabled"],
        ],
      );
      await arm.stop();
    },
  };
});

describe("dry-run traffic lever", () => {
  it("records the exact calls of a promotion and leaves the real lever as it was", async () => {
    const arm = await startArm();
    try {
      const real = new TrafficManagerRouter(arm.conn, [
        { name: "shop", profileId: TM_PROFILE, endpoints: ENDPOINTS },
      ]);
      const dry = new DryRunTrafficRouter(real);
      await dry.promote("shop", "northeurope");
      assert.deepEqual(
        dry.planned.map((p) => p.change),
        ["promote northeurope"],
      );
      assert.equal(primaryOf(await dry.read("shop")), "northeurope");
      assert.equal(primaryOf(await real.read("shop")), "westeurope");
      assert.equal(arm.writes(), 0);
    } finally {
      await arm.stop();
    }
  });
});
