// The runbook driving the real Azure adapters (Traffic Manager and AKS through the SDKs) against
// the ARM emulator over HTTPS: a passive-cold failover wakes the stopped cluster, scales it and
// promotes it; a cluster that fails to start ends the incident as failed, in a few ticks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Runtime } from "../../src/app/runtime.js";
import type { ArmFixture } from "../helpers/arm.js";
import { AKS_NEU, TM_PROFILE, armRequest, withArm } from "../helpers/arm.js";
import { armCatalog, armHolder, armTick } from "../helpers/catalog-arm.js";
import { stepsOf } from "../helpers/catalog-runbook.js";
import { WAKING_FAILOVER } from "../helpers/runbook-fixtures.js";
import type { ManualClock } from "../helpers/runtime.js";
import { ManualTimeRealWaits } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";

const raw = armCatalog(
  { kind: "traffic-manager", profileId: TM_PROFILE },
  { intervalSeconds: 10, probeTimeoutSeconds: 5, wakeTimeoutSeconds: 600 },
);

async function holder(arm: ArmFixture): Promise<{ rt: Runtime; clock: ManualClock }> {
  const clock = new ManualTimeRealWaits();
  return { rt: await armHolder(arm, raw, clock), clock };
}

async function run(
  arm: ArmFixture,
  maxTicks: number,
  options: { tickMs?: number; waiting?: string[]; problems?: string[] } = {},
): Promise<string[]> {
  const { rt, clock } = await holder(arm);
  const steps: string[] = [];
  for (let i = 0; i < maxTicks; i++) {
    clock.advance(10_000);
    const outcome = await armTick(arm, rt, true, options.tickMs);
    if (options.problems) options.problems.push(...outcome.problems);
    else assert.deepEqual(outcome.problems, [], `tick ${i}`);
    options.waiting?.push(...(outcome.waiting ?? []));
    // The steps from the incident's history: a tick may take several in a row.
    steps.splice(0, steps.length, ...stepsOf(outcome.incident?.history));
    const step = outcome.incident?.step;
    if (step === "completed" || step === "failed" || step === "aborted") break;
    await new Promise((r) => setTimeout(r, 60)); // the emulator's own time moves too
  }
  return steps;
}

describe("runbook through the Azure adapters and the ARM emulator", () => {
  it("passive-cold: wakes the stopped AKS cluster, scales it, promotes it in Traffic Manager", async () => {
    await withArm({ clusterStartMs: 200, operationMs: 50 }, async (arm) => {
      const steps = await run(arm, 40);
      assert.deepEqual(steps, WAKING_FAILOVER);
      assert.deepEqual(arm.aks.power(AKS_NEU), {
        power: "Running",
        provisioning: "Succeeded",
        pools: { system: 2, user: 4 },
      });
      assert.equal(arm.tm.route(TM_PROFILE), "neu");
      const starts = arm.emulator.requests.filter((r) => r.path.endsWith("/start"));
      assert.equal(starts.length, 1, "started once");
    });
  });

  it("a cluster start that outlasts the tick is progress, not a problem: the group waits for it, then goes on", async () => {
    await withArm({ clusterStartMs: 300, operationMs: 600 }, async (arm) => {
      const waiting: string[] = [];
      const steps = await run(arm, 80, { tickMs: 100, waiting });
      assert.equal(steps.at(-1), "completed", `steps ${steps.join(", ")}`);
      assert.ok(
        waiting.some((w) => /^catalog: .*northeurope is still running/.test(w)),
        `waiting: ${waiting.join("; ")}`,
      );
      const starts = arm.emulator.requests.filter((r) => r.path.endsWith("/start"));
      assert.equal(starts.length, 1, "started once, however many ticks it took");
    });
  });

  it("a start AKS refuses during its stop-to-start wait is tried again every tick, with why, until it goes through", async () => {
    await withArm({ clusterStartMs: 100, operationMs: 20, stopToStartMs: 1500 }, async (arm) => {
      // The standby was stopped a moment ago (a failback that sent it cold again, say).
      arm.aks.resetStopped(AKS_NEU);
      const started = await armRequest(arm, "POST", `${AKS_NEU}/start`, "2026-04-01");
      assert.equal(started.status, 202);
      await waitFor("it runs", () => (arm.aks.serves(AKS_NEU) ? true : undefined));
      const stopped = await armRequest(arm, "POST", `${AKS_NEU}/stop`, "2026-04-01");
      assert.equal(stopped.status, 202);
      await waitFor("it stops", () =>
        arm.aks.power(AKS_NEU).power === "Stopped" ? true : undefined,
      );
      const before = arm.emulator.requests.length;

      const problems: string[] = [];
      const steps = await run(arm, 80, { problems });
      assert.equal(steps.at(-1), "completed", steps.join(", "));
      const starts = arm.emulator.requests
        .slice(before)
        .filter((r) => r.method === "POST" && r.path.endsWith("/start"))
        .map((r) => r.status);
      assert.ok(starts.length >= 2 && starts.slice(0, -1).every((s) => s === 409), `${starts}`);
      assert.equal(starts.at(-1), 202, "then accepted, once");
      const refused = problems.filter((p) => /start-cluster northeurope failed/.test(p));
      assert.ok(refused.length >= 1, problems.join("\n"));
      assert.match(refused[0]!, /15 to 30 minutes between a stop and the next start/);
      assert.equal(arm.tm.route(TM_PROFILE), "neu");
    });
  });

  it("a cluster that fails to start ends the incident as failed within a few ticks, routing untouched", async () => {
    await withArm({ clusterStartMs: 100 }, async (arm) => {
      arm.aks.failNextStart(AKS_NEU, "no capacity for Standard_D4s_v5 in northeurope");
      const steps = await run(arm, 20);
      assert.equal(steps.at(-1), "failed", steps.join(", "));
      assert.equal(arm.tm.route(TM_PROFILE), "weu");
      assert.equal(
        arm.emulator.requests.filter((r) => r.method === "PATCH").length,
        0,
        "no traffic change",
      );
    });
  });
});
