import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AksClusterControl } from "../../../src/providers/aks/clusters.js";
import type { ArmFixture } from "../../helpers/arm.js";
import { AKS_NEU, AKS_WEU, RG, startArm, withArm } from "../../helpers/arm.js";
import { waitFor } from "../../helpers/wait.js";
import { clusterControlContract } from "../../adapters/cluster/contract.js";

clusterControlContract("AKS through the ARM emulator", async () => {
  const arm = await startArm({ clusterStartMs: 300, clusterStopMs: 100, operationMs: 100 });
  const clusters = new AksClusterControl(arm.conn, [
    { group: "catalog", region: "northeurope", resourceId: AKS_NEU },
  ]);
  return { clusters, group: "catalog", writes: arm.writes, close: arm.stop };
});

/** The AKS lever of group "g" on one emulated cluster: aks-neu in northeurope, aks-weu in westeurope. */
const leverOn = (arm: ArmFixture, region: "northeurope" | "westeurope") =>
  new AksClusterControl(arm.conn, [
    { group: "g", region, resourceId: region === "northeurope" ? AKS_NEU : AKS_WEU },
  ]);

/** Starts northeurope and scales its user pool to 4, while someone sets it to `theirs` just after it is read. */
async function scaleRacing(arm: ArmFixture, theirs: number) {
  arm.aks.resetStopped(AKS_NEU);
  const aks = leverOn(arm, "northeurope");
  await aks.start("g", "northeurope");
  arm.aks.changeAfterNextRead(AKS_NEU, "user", theirs);
  await aks.scale("g", "northeurope", [{ name: "user", count: 4 }]);
}

describe("AKS lever", () => {
  it("a 412 on an agent pool PUT (changed since it was read) is met by reading again: the size wanted, one PUT accepted", async () => {
    await withArm({ clusterStartMs: 0 }, async (arm) => {
      // The autoscaler moves the pool to 5 right after Tandem reads it at 3.
      await scaleRacing(arm, 5);
      assert.equal(arm.aks.power(AKS_NEU).pools["user"], 4);
      const puts = arm.emulator.requests.filter((r) => r.method === "PUT");
      assert.deepEqual(
        puts.map((r) => r.status),
        [412, 200],
        "the stale PUT refused, the one over the version read again accepted",
      );
      assert.ok(
        puts.every((r) => typeof r.headers["if-match"] === "string"),
        "every PUT carried the eTag it was read with",
      );
      assert.notEqual(puts[0]!.headers["if-match"], puts[1]!.headers["if-match"]);
    });
  });

  it("after a 412, a pool someone else already put at the size wanted is left alone", async () => {
    await withArm({}, async (arm) => {
      await scaleRacing(arm, 4);
      assert.equal(arm.aks.power(AKS_NEU).pools["user"], 4);
      assert.deepEqual(
        arm.emulator.requests.filter((r) => r.method === "PUT").map((r) => r.status),
        [412],
        "no second PUT: the change is there already",
      );
    });
  });

  it("refuses a System pool below 1 node, as AKS does", async () => {
    await withArm({}, async (arm) => {
      const aks = leverOn(arm, "westeurope");
      await assert.rejects(
        aks.scale("g", "westeurope", [{ name: "system", count: 0 }]),
        /400 InvalidParameter: .*System pool/,
      );
    });
  });

  it("refuses changes while AKS upgrades the cluster (409), and takes them once it is done", async () => {
    await withArm({}, async (arm) => {
      const aks = leverOn(arm, "westeurope");
      arm.aks.beginOperation(AKS_WEU, "Upgrading", 300);
      assert.equal(
        (await aks.read("g", "westeurope")).detail,
        "provisioning Upgrading, power Running",
      );
      await assert.rejects(
        aks.scale("g", "westeurope", [{ name: "system", count: 3 }]),
        /409 OperationNotAllowed: .*Upgrading/,
      );
      await waitFor("the upgrade ends", () =>
        arm.aks.power(AKS_WEU).provisioning === "Succeeded" ? true : undefined,
      );
      await aks.scale("g", "westeurope", [{ name: "system", count: 3 }]);
      assert.equal(arm.aks.power(AKS_WEU).pools["system"], 3);
    });
  });

  it("goes from Stopped through Starting to Running, and start returns before it runs", async () => {
    await withArm({ clusterStartMs: 800 }, async (arm) => {
      const aks = leverOn(arm, "northeurope");
      await aks.start("g", "northeurope");
      assert.equal((await aks.read("g", "northeurope")).power, "Starting");
      await waitFor("Running", async () =>
        (await aks.read("g", "northeurope")).power === "Running" ? true : undefined,
      );
      assert.equal(
        arm.emulator.requests.filter((r) => r.method === "POST" && r.path.endsWith("/start"))
          .length,
        1,
      );
    });
  });

  it("reports a start that failed as Failed, with what AKS says, rather than Starting forever", async () => {
    await withArm({ clusterStartMs: 100 }, async (arm) => {
      arm.aks.failNextStart(AKS_NEU, "the VM size is not available in northeurope");
      const aks = leverOn(arm, "northeurope");
      await aks.start("g", "northeurope");
      const state = await waitFor("Failed", async () => {
        const s = await aks.read("g", "northeurope");
        return s.power === "Failed" ? s : undefined;
      });
      assert.match(state.detail ?? "", /provisioning Failed/);
    });
  });

  it("sets autoscaler bounds with the count, keeping the rest of the pool as it is", async () => {
    await withArm({}, async (arm) => {
      const aks = leverOn(arm, "westeurope");
      await aks.scale("g", "westeurope", [{ name: "system", count: 3, minCount: 2, maxCount: 6 }]);
      const pool = (await aks.read("g", "westeurope")).nodePools[0]!;
      assert.deepEqual(pool, {
        name: "system",
        count: 3,
        minCount: 2,
        maxCount: 6,
        vmSize: "Standard_D4s_v5",
        autoscale: true,
        power: "Running",
      });
      const put = arm.emulator.requests.find((r) => r.method === "PUT")!;
      const props = (put.body as { properties: Record<string, unknown> }).properties;
      assert.equal(props["mode"], "System", "the pool's mode is sent back unchanged");
      assert.equal(props["powerState"], undefined, "the pool's power state is not touched");
    });
  });

  it("says which permission is missing when the identity's scope does not cover the cluster", async () => {
    await withArm({ scopes: [`${RG}/providers/Microsoft.Network`] }, async (arm) => {
      const aks = leverOn(arm, "northeurope");
      await assert.rejects(aks.read("g", "northeurope"), (error: Error) => {
        assert.match(error.message, /403 AuthorizationFailed/);
        assert.match(
          error.message,
          /Microsoft\.ContainerService\/managedClusters\/read on aks-neu/,
        );
        assert.match(error.message, /docs\/permissions\.md/);
        return true;
      });
    });
  });

  it("says which cluster does not exist", async () => {
    await withArm({}, async (arm) => {
      const aks = new AksClusterControl(arm.conn, [
        { group: "g", region: "x", resourceId: AKS_NEU.replace("aks-neu", "aks-gone") },
      ]);
      await assert.rejects(aks.start("g", "x"), /404 ResourceNotFound: aks-gone was not found/);
      assert.equal(aks.covers("g", "y"), false);
      await assert.rejects(
        aks.read("g", "y"),
        /^Error: y in group g has no AKS cluster configured$/,
      );
    });
  });
});
