import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrontDoorRouter } from "../../../src/providers/front-door/router.js";
import { primaryOf } from "../../../src/core/levers.js";
import { ENDPOINTS, FD_GROUP, FD_PROFILE, startArm } from "../../helpers/arm.js";
import { waitFor } from "../../helpers/wait.js";
import { trafficRouterContract } from "../../adapters/traffic/contract.js";

const groups = [
  { name: "catalog", profileId: FD_PROFILE, originGroup: FD_GROUP, origins: ENDPOINTS },
];

trafficRouterContract("Front Door through the ARM emulator", async () => {
  const arm = await startArm({ operationMs: 50 });
  return {
    router: new FrontDoorRouter(arm.conn, groups),
    group: "catalog",
    writes: arm.writes,
    uniquePriorities: false,
    close: arm.stop,
  };
});

describe("Front Door lever", () => {
  it("awaits the long-running update, then reports propagating until the edge follows", async () => {
    const arm = await startArm({ operationMs: 150, propagationMs: 1200 });
    try {
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.promote("catalog", "northeurope");
      // The operation was polled to its end before promote returned.
      assert.ok(arm.emulator.requests.some((r) => r.path.includes("/operations/")));
      assert.ok(arm.fd.origins(FD_PROFILE, FD_GROUP).every((o) => o.provisioning === "Succeeded"));

      const state = await fd.read("catalog");
      assert.equal(primaryOf(state), "northeurope");
      assert.equal(state.propagating, true);
      assert.equal(arm.fd.route(FD_PROFILE, FD_GROUP), "weu", "the edge has not followed");

      await waitFor("the change to reach the edge", async () =>
        (await fd.read("catalog")).propagating ? undefined : true,
      );
      assert.equal(arm.fd.route(FD_PROFILE, FD_GROUP), "neu");
    } finally {
      await arm.stop();
    }
  });

  it("returns an accepted change it has waited long enough for; the next read says where it is", async () => {
    const arm = await startArm({ operationMs: 2000 }, { lroPatienceMs: 100 });
    try {
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.setEnabled("catalog", "northeurope", false);
      const state = await fd.read("catalog");
      assert.equal(state.regions.find((r) => r.region === "northeurope")?.enabled, false);
      assert.equal(state.propagating, true);
    } finally {
      await arm.stop();
    }
  });

  it("keeps origin priorities within 1-5: the promoted origin gets 1, the others 2", async () => {
    const arm = await startArm();
    try {
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.promote("catalog", "northeurope");
      assert.deepEqual(
        arm.fd.origins(FD_PROFILE, FD_GROUP).map((o) => [o.name, o.priority]),
        [
          ["weu", 2],
          ["neu", 1],
        ],
      );
    } finally {
      await arm.stop();
    }
  });
});
