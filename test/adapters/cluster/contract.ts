// The behaviour every ClusterControl must have. Run against each implementation: in memory, AKS
// through the ARM emulator, and the dry run.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClusterControl } from "../../../src/ports/cluster-control.js";
import { waitFor } from "../../helpers/wait.js";

export interface ClusterFixture {
  readonly clusters: ClusterControl;
  /** A group whose `northeurope` cluster is stopped and has a node pool `user`. */
  readonly group: string;
  writes(): number;
  close?(): Promise<void>;
}

export function clusterControlContract(name: string, create: () => Promise<ClusterFixture>): void {
  describe(`ClusterControl contract: ${name}`, () => {
    let f: ClusterFixture;
    const region = "northeurope";
    before(async () => {
      f = await create();
    });
    after(async () => {
      await f.close?.();
    });

    it("covers its cluster and no other", () => {
      assert.equal(f.clusters.covers(f.group, region), true);
      assert.equal(f.clusters.covers(f.group, "atlantis"), false);
    });

    it("reads a stopped cluster", async () => {
      assert.equal((await f.clusters.read(f.group, region)).power, "Stopped");
    });

    it("refuses to scale a stopped cluster, saying why", async () => {
      await assert.rejects(
        f.clusters.scale(f.group, region, [{ name: "user", count: 4 }]),
        /Stopped|stopped/,
      );
    });

    it("starts it, once, and it runs", async () => {
      await f.clusters.start(f.group, region);
      const writes = f.writes();
      await f.clusters.start(f.group, region);
      assert.equal(f.writes(), writes, "a second start changes nothing");
      await waitFor("the cluster to run", async () =>
        (await f.clusters.read(f.group, region)).power === "Running" ? true : undefined,
      );
    });

    it("scales a node pool of the running cluster, once", async () => {
      await f.clusters.scale(f.group, region, [{ name: "user", count: 4 }]);
      const pools = (await f.clusters.read(f.group, region)).nodePools;
      assert.equal(pools.find((p) => p.name === "user")?.count, 4);
      const writes = f.writes();
      await f.clusters.scale(f.group, region, [{ name: "user", count: 4 }]);
      assert.equal(f.writes(), writes);
    });

    it("stops it again", async () => {
      await f.clusters.stop(f.group, region);
      await waitFor("the cluster to stop", async () =>
        (await f.clusters.read(f.group, region)).power === "Stopped" ? true : undefined,
      );
    });
  });
}
