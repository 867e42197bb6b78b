import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrontDoorRouter } from "../../../src/providers/front-door/router.js";
import { primaryOf } from "../../../src/core/levers.js";
import {
  ENDPOINTS,
  FD_GROUP,
  FD_PROFILE,
  armRequest,
  originDeploymentStatuses,
  startArm,
  withArm,
} from "../../helpers/arm.js";
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
  it("awaits the long-running update; the API says nothing of the edge, which follows later: the lever declares that lag", async () => {
    await withArm({ operationMs: 150, propagationMs: 1200 }, async (arm) => {
      const fd = new FrontDoorRouter(arm.conn, groups);
      assert.equal(fd.capabilities().dataPlaneLag, true);
      await fd.promote("catalog", "northeurope");
      // The operations were polled to their end before promote returned.
      assert.ok(arm.emulator.requests.some((r) => r.path.includes("/operations/")));
      assert.ok(arm.fd.origins(FD_PROFILE, FD_GROUP).every((o) => o.provisioning === "Succeeded"));

      const state = await fd.read("catalog");
      assert.equal(primaryOf(state), "northeurope");
      assert.equal(state.propagating, false, "ARM has finished; it gives no sign of the edge");
      assert.equal(arm.fd.route(FD_PROFILE, FD_GROUP), "weu", "the edge has not followed");
      await waitFor("the change to reach the edge", () =>
        arm.fd.route(FD_PROFILE, FD_GROUP) === "neu" ? true : undefined,
      );
      const statuses = originDeploymentStatuses(arm);
      assert.ok(statuses.length > 0);
      assert.deepEqual(new Set(statuses), new Set(["NotStarted"]), "as the service reports it");
    });
  });

  it("waits out a 409 from a sibling origin's update and sends again: each origin changed once", async () => {
    await withArm({ operationMs: 300 }, async (arm) => {
      // Someone else's update of the other origin runs when the promotion starts.
      const other = await armRequest(
        arm,
        "PATCH",
        `${FD_PROFILE}/originGroups/${FD_GROUP}/origins/weu`,
        "2024-02-01",
        { properties: { weight: 500 } },
      );
      assert.equal(other.status, 202);
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.promote("catalog", "northeurope");
      assert.deepEqual(
        arm.fd.origins(FD_PROFILE, FD_GROUP).map((o) => [o.name, o.priority, o.weight]),
        [
          ["weu", 2, 500],
          ["neu", 1, 1000],
        ],
      );
      const patches = arm.emulator.requests.filter((r) => r.method === "PATCH");
      const neu = patches.filter((r) => r.path.endsWith("/neu")).map((r) => r.status);
      assert.equal(neu[0], 409, "the first try met the sibling's update");
      assert.deepEqual(
        neu.filter((s) => s < 300),
        [202],
        "accepted once",
      );
      const weu = patches.filter((r) => r.path.endsWith("/weu")).map((r) => r.status);
      assert.deepEqual(
        weu.filter((s) => s < 300),
        [202, 202],
        "the other actor's and ours, once each",
      );
    });
  });

  it("a promotion cut short by the patience is finished by the next calls, nothing sent twice", async () => {
    await withArm([{ operationMs: 400 }, { lroPatienceMs: 100 }], async (arm) => {
      const fd = new FrontDoorRouter(arm.conn, groups);
      const done = () =>
        arm.fd
          .origins(FD_PROFILE, FD_GROUP)
          .map((o) => `${o.name}:${o.priority}:${o.provisioning}`)
          .join(" ") === "weu:2:Succeeded neu:1:Succeeded";
      let calls = 0;
      // As the runbook's shifting step does: promote every tick until the routing shows it.
      while (!done() && calls < 40) {
        await fd.promote("catalog", "northeurope");
        calls++;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(done(), `promoted after ${calls} calls`);
      assert.ok(calls > 1, "the first call was cut short");
      const accepted = arm.emulator.requests
        .filter((r) => r.method === "PATCH" && r.status < 300)
        .map((r) => r.path.split("/").at(-1));
      assert.deepEqual(accepted, ["neu", "weu"], "each origin changed once, in order");
    });
  });

  it("returns an accepted change it has waited long enough for; the next read says where it is", async () => {
    await withArm([{ operationMs: 2000 }, { lroPatienceMs: 100 }], async (arm) => {
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.setEnabled("catalog", "northeurope", false);
      const state = await fd.read("catalog");
      assert.equal(state.regions.find((r) => r.region === "northeurope")?.enabled, false);
      assert.equal(state.propagating, true, "its ARM operation still runs");
    });
  });

  it("keeps origin priorities within 1-5: the promoted origin gets 1, the others 2", async () => {
    await withArm({}, async (arm) => {
      const fd = new FrontDoorRouter(arm.conn, groups);
      await fd.promote("catalog", "northeurope");
      assert.deepEqual(
        arm.fd.origins(FD_PROFILE, FD_GROUP).map((o) => [o.name, o.priority]),
        [
          ["weu", 2],
          ["neu", 1],
        ],
      );
    });
  });
});
