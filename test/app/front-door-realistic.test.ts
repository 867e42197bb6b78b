// A passive-cold failover behind Front Door with Azure's realistic timings (the emulator's
// `realistic` profile, scaled down 400 times; Tandem's clock runs at the same scale): AKS takes
// minutes to start, Front Door's edge minutes to follow, and its API says deploymentStatus
// NotStarted throughout. The incident completes, and its history tells how long the edge took,
// seen through the global entry point alone.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident } from "../../src/core/index.js";
import { TIMINGS } from "../../src/sandbox/arm/timing.js";
import { FD_GROUP, FD_PROFILE, originDeploymentStatuses, startArm } from "../helpers/arm.js";
import { armCatalog, armHolder, armTick } from "../helpers/catalog-arm.js";
import { stepsOf } from "../helpers/catalog-runbook.js";
import { WAKING_FAILOVER } from "../helpers/runbook-fixtures.js";
import { ManualTimeRealWaits } from "../helpers/runtime.js";

/** Real time runs this much faster than Azure's: ten minutes take 1.5 s. */
const SCALE = 1 / 400;

const raw = armCatalog(
  { kind: "front-door", profileId: FD_PROFILE, originGroup: FD_GROUP },
  {
    intervalSeconds: 10,
    probeTimeoutSeconds: 5,
    wakeTimeoutSeconds: 900,
    stepTimeoutSeconds: 300,
    propagationTimeoutSeconds: 1800,
  },
);

describe("a passive-cold failover behind Front Door, with Azure's realistic timings", () => {
  it("completes once the entry point follows, minutes after ARM took the change; deploymentStatus stays NotStarted", async () => {
    // westeurope fails for users while Front Door's own health probes still pass there (a gray
    // failure): the edge keeps sending traffic to it until the new priorities are deployed.
    const arm = await startArm(
      { timing: "realistic", timeScale: SCALE, health: () => true },
      { lroPatienceMs: 2000 },
    );
    try {
      // Its waits run at the same scale, and no wait moves it: ARM's answers take real time.
      const clock = new ManualTimeRealWaits(SCALE);
      const rt = await armHolder(arm, raw, clock);
      let incident: Incident | undefined;
      let real = Date.now();
      for (let i = 0; i < 400; i++) {
        await new Promise((r) => setTimeout(r, 40));
        // Tandem's clock moves as Azure's does, at the same scale.
        const now = Date.now();
        clock.advance(Math.max(1, now - real) / SCALE);
        real = now;
        // The entry point's probes: they pass once the edge sends traffic to northeurope.
        const entryHealthy = arm.fd.route(FD_PROFILE, FD_GROUP) === "neu";
        const outcome = await armTick(arm, rt, entryHealthy);
        incident = outcome.incident ?? incident;
        if (incident && ["completed", "failed", "aborted"].includes(incident.step)) break;
      }
      assert.ok(incident, "an incident was opened");
      assert.deepEqual(
        stepsOf(incident.history),
        WAKING_FAILOVER,
        incident.history.map((h) => `${h.step}: ${h.note}`).join("\n"),
      );
      const verifying = incident.history.find((h) => h.step === "verifying")!;
      const completed = incident.history.at(-1)!;
      const waited = completed.at - verifying.at;
      // Longer than the step timeout (300 s): the propagation timeout held the step open.
      assert.ok(
        waited > raw.policy!.stepTimeoutSeconds! * 1000,
        `verifying took ${Math.round(waited / 1000)} s (Azure time)`,
      );
      assert.ok(waited < TIMINGS.realistic.propagationMs * 2, "and ended once the edge followed");
      assert.ok(
        incident.history.some((h) => h.step === "verifying" && /waiting for its edge/.test(h.note)),
        "the wait was said",
      );
      assert.match(completed.note, /global entry point answers on the new routing, \d+ s after/);

      // Front Door never said the change was propagating.
      const said = originDeploymentStatuses(arm);
      assert.ok(said.length > 0);
      assert.deepEqual(new Set(said), new Set(["NotStarted"]));
      // Each change made once.
      const changes = arm.emulator.requests
        .filter((r) => r.method !== "GET" && r.status >= 200 && r.status < 300)
        .map((r) => `${r.method} ${r.path.split("/").slice(-2).join("/")}`);
      assert.deepEqual(changes.sort(), [
        "PATCH origins/neu",
        "PATCH origins/weu",
        "POST aks-neu/start",
        "PUT agentPools/user",
      ]);
    } finally {
      await arm.stop();
    }
  });
});
