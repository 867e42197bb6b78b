import assert from "node:assert/strict";
import { AksClusterControl } from "../../../src/providers/aks/clusters.js";
import { systemClock } from "../../../src/adapters/clock/system-clock.js";
import { DryRunClusterControl } from "../../../src/adapters/dry-run/levers.js";
import { AKS_NEU, startArm } from "../../helpers/arm.js";
import { clusterControlContract } from "./contract.js";

clusterControlContract("dry run over AKS", async () => {
  const arm = await startArm({ clusterStartMs: 60_000 });
  const real = new AksClusterControl(arm.conn, [
    { group: "catalog", region: "northeurope", resourceId: AKS_NEU },
  ]);
  const clusters = new DryRunClusterControl(real, systemClock, { startMs: 50 });
  return {
    clusters,
    group: "catalog",
    writes: () => clusters.planned.length,
    close: async () => {
      assert.equal(arm.writes(), 0, "the dry run only reads the real cluster");
      assert.equal(arm.aks.power(AKS_NEU).power, "Stopped");
      await arm.stop();
    },
  };
});
