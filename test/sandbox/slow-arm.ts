// Azure Resource Manager slow (every reply 5 s late, and then 30 s late), end to end in the
// sandbox: the region's loss is detected as fast as the verdict rules allow, the lease never
// changes hands, /api/status answers from the store without waiting for ARM, and once ARM
// answers again both groups fail over.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { ticks, transitions, waitFor } from "../helpers/wait.js";

const INTERVAL = 1;
const FAILURE_THRESHOLD = 2;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

/** The suite for one ARM delay; each delay has its own test file (each takes half a minute). */
export function slowArmSuite(slowMs: number): void {
  describe(`sandbox with every ARM reply ${slowMs / 1000} s late`, () => {
    let sandbox: Sandbox;
    const lines: string[] = [];
    before(async () => {
      sandbox = await startSandbox({
        port: 0,
        intervalSeconds: INTERVAL,
        failureThreshold: FAILURE_THRESHOLD,
        dwellSeconds: 2,
        clusterStartSeconds: 2,
        propagationSeconds: 2,
        output: (l) => lines.push(l),
      });
    });
    after(async () => sandbox.stop());

    const status = async () => {
      const started = Date.now();
      const response = await fetch(`${sandbox.url}/api/status`);
      assert.equal(response.status, 200);
      return { body: (await response.json()) as any, ms: Date.now() - started };
    };

    it("detects westeurope down without waiting for ARM, keeps the lease, and answers the status from the store", async () => {
      const first = await waitFor(
        "a lease holder that has read both groups' levers",
        async () => {
          const { body } = await status();
          return body.lease && body.groups.every((g: any) => g.routing) ? body : undefined;
        },
        { ...within(20), seen: async () => (await status()).body.lease },
      );
      const epoch = first.lease.epoch;
      assert.ok((await fetch(`${sandbox.url}/sandbox/arm/slow`, { method: "POST" })).ok);
      sandbox.arm.slowMs = slowMs;
      const mark = lines.length;
      const downAt = Date.now();
      await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });

      const latencies: number[] = [];
      const detected = await waitFor(
        "westeurope recorded down in both groups",
        async () => {
          const { body, ms } = await status();
          latencies.push(ms);
          assert.equal(body.lease?.epoch, epoch, "the lease never changes hands");
          const down = ["shop", "catalog"].every((g) =>
            transitions(lines, `${g}/westeurope`, mark).some((t) => t.to === "down"),
          );
          return down ? Date.now() - downAt : undefined;
        },
        { ...within(20), intervalMs: 200 },
      );
      // Fault-free, a region is down after the failure threshold's probes from every observer,
      // within a few intervals; slow ARM must add nothing to that.
      assert.ok(
        detected <= (FAILURE_THRESHOLD + 3) * INTERVAL * 1000 + 3000,
        `detected after ${detected} ms`,
      );
      const max = Math.max(...latencies);
      assert.ok(max < 2000, `the status took ${max} ms at worst while ARM took ${slowMs} ms`);
      const lease = lines.slice(mark).filter((l) => /holds epoch/.test(l));
      assert.deepEqual(lease, [], "no new lease holder while ARM was slow");
    });

    it("fails both groups over once ARM answers again, and the status shows how old its lever view is", async () => {
      const { body } = await status();
      assert.ok(
        body.groups.every((g: any) => typeof g.routing.ageSeconds === "number"),
        "each group's routing says how old it is",
      );
      sandbox.arm.slowMs = 0;
      await waitFor(
        "both failovers completed",
        async () => {
          const { body: now } = await status();
          return now.groups.every(
            (g: any) => g.incident?.kind === "failover" && g.incident.step === "completed",
          )
            ? true
            : undefined;
        },
        {
          ...within(40),
          seen: async () => (await status()).body.groups.map((g: any) => g.incident),
        },
      );
      const { body: done } = await status();
      assert.deepEqual(
        done.groups.map((g: any) => g.routing.primary),
        ["northeurope", "northeurope"],
      );
    });
  });
}
