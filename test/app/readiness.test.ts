// Readiness run by the lease holder against the ARM emulator through the real Azure SDK clients:
// the levers are read by the tick as always (no read of readiness's own), each cause made in the
// emulator turns the group not ready (an event, the stored report, GET /api/status, the status
// page), and removing it makes the group ready again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventAlert } from "../../src/core/event-alerts.js";
import { AKS_NEU, AKS_WEU } from "../helpers/arm.js";
import { armShop, withEmulatorRig } from "../helpers/emulator-rig.js";
import { shopPractice } from "../helpers/shop-practice.js";

const raw = armShop("active-passive", {
  intervalSeconds: 10,
  leverReconcileSeconds: 10,
  readiness: { intervalMinutes: 1 },
});

describe("readiness against the ARM emulator", () => {
  it("a version or VM size drift, maxCount below the primary's count, a disabled standby endpoint and an expiring certificate each turn the group not ready, and removing them ready again", () =>
    withEmulatorRig(raw, { standbyRunning: true, at: 1_900_000_000_000 }, async (rig) => {
      const { arm, runtimes, certificateDays, metrics, events } = rig;
      let page = "";
      const judge = async () => {
        const judged = await rig.judge();
        page = judged.page;
        return judged.readiness;
      };
      const told = rig.told;

      // The lease is taken after one lease duration; the first judgement after that is ready.
      rig.clock.advance(30_000);
      await judge();
      let readiness = await judge();
      assert.equal(readiness?.verdict, "ready", readiness?.line);
      assert.deepEqual(told(), [], "nothing to tell while ready");

      const causes: [string, () => void | Promise<void>, () => void | Promise<void>, RegExp][] = [
        [
          "Kubernetes version drift",
          () => arm.aks.setKubernetesVersion(AKS_NEU, "1.32.7"),
          () => arm.aks.setKubernetesVersion(AKS_NEU, "1.33.2"),
          /standby-cluster \(northeurope\): .*Kubernetes 1\.32\.7/,
        ],
        [
          "VM size drift",
          () => arm.aks.changePool(AKS_NEU, "system", { vmSize: "Standard_D2s_v5" }),
          () => arm.aks.changePool(AKS_NEU, "system", { vmSize: "Standard_D4s_v5" }),
          /pool system is Standard_D2s_v5, westeurope's is Standard_D4s_v5/,
        ],
        [
          "maxCount below the primary's count",
          () => {
            arm.aks.changePool(AKS_WEU, "system", { count: 6 });
            arm.aks.changePool(AKS_NEU, "system", { minCount: 1, maxCount: 4 });
          },
          () => arm.aks.changePool(AKS_NEU, "system", { maxCount: 8 }),
          /capacity \(northeurope\): .*reaches 4 of westeurope's 6/,
        ],
        [
          "standby endpoint disabled",
          () => runtimes[0]!.levers.router!.setEnabled("shop", "northeurope", false),
          () => runtimes[0]!.levers.router!.setEnabled("shop", "northeurope", true),
          /standby-traffic \(northeurope\): .*disabled/,
        ],
        [
          "an expiring certificate",
          () => void certificateDays.set("neu.shop.test", 5),
          () => void certificateDays.set("neu.shop.test", 90),
          /certificate \(northeurope\): .*expires in 5 day/,
        ],
      ];
      for (const [name, make, remove, evidence] of causes) {
        await make();
        metrics.length = 0;
        readiness = await judge();
        assert.equal(readiness?.verdict, "not-ready", `${name}: ${readiness?.line}`);
        assert.match(readiness.line, evidence, name);
        assert.match(page, /Failover readiness: not-ready: /, `${name}: the status page's line`);
        const broken = readiness.checks.find((c) => c.verdict === "not-ready")!.check;
        assert.deepEqual(
          metrics.filter((m) => m.value === 0).map((m) => m.check),
          [broken, "all"],
          `${name}: a 0 for the check and for the group`,
        );
        await remove();
        readiness = await judge();
        assert.equal(readiness?.verdict, "ready", `${name} removed: ${readiness?.line}`);
      }
      assert.deepEqual(
        told(),
        causes.flatMap(() => ["readiness.lost", "readiness.regained"]),
        "each loss and each return told once",
      );
      const lost = events.find((e) => e.type === "readiness.lost")!;
      const alert = eventAlert(lost);
      assert.equal(alert?.type, "readiness.lost");
      assert.equal(alert?.subject, "readiness:shop");
      assert.equal(
        eventAlert(events.find((e) => e.type === "readiness.regained")!)?.resolves?.type,
        "readiness.lost",
        "regained resolves lost (PagerDuty's dedup_key is the shared subject)",
      );
    }));

  it("a passive-cold standby whose cluster has never started is not ready (cold-start says so and what to do); once started through the wake lever it is ready, and the start is kept", () =>
    withEmulatorRig(
      armShop("passive-cold", raw.policy),
      { standbyRunning: false, at: 1_900_000_000_000 },
      async (rig) => {
        rig.clock.advance(30_000);
        await rig.judge();
        const first = await rig.judge();
        let readiness = first.readiness;
        assert.equal(readiness?.verdict, "not-ready", readiness?.line);
        assert.deepEqual(
          readiness.checks.filter((c) => c.verdict !== "ready").map((c) => c.check),
          ["cold-start"],
          "the cluster never started is the only cause",
        );
        assert.match(
          readiness.line,
          /cold-start \(northeurope\): northeurope's cluster has not been seen started/,
        );
        assert.match(first.page, /Failover readiness: not-ready: cold-start/);
        const fix = readiness.checks.find((c) => c.check === "cold-start")?.fix;
        assert.match(fix ?? "", /a practice failover, or `az aks start`/);

        // A real start, through the wake lever over ARM as a wake or a practice makes it.
        await rig.runtimes[0]!.levers.clusters!.start("shop", "northeurope");
        ({ readiness } = await rig.judge());
        assert.equal(readiness?.verdict, "ready", readiness?.line);
        assert.deepEqual(rig.told(), ["readiness.lost", "readiness.regained"]);
        // Stopped again to save its cost, as a cold standby is: the start seen is remembered.
        rig.arm.aks.resetStopped(AKS_NEU);
        ({ readiness } = await rig.judge());
        assert.equal(readiness?.verdict, "ready", readiness?.line);
        assert.match(
          readiness.checks.find((c) => c.check === "cold-start")!.evidence,
          /started successfully today/,
        );
        const starts = rig.arm.emulator.requests.filter(
          (r) => r.method === "POST" && r.path.toLowerCase().endsWith("/aks-neu/start"),
        );
        assert.equal(starts.length, 1, "one start, the lever's");
      },
    ));

  it("a practice drill on its schedule: none before the time, one after it (audited, its prediction kept), and recovery-time judged by it", async () => {
    const { store, until } = await shopPractice(
      { intervalSeconds: 10, readiness: { intervalMinutes: 5 }, practice: { drill: "0 3 * * *" } },
      { rtoSeconds: 1 },
    );
    await until("2026-12-07T02:59:50Z");
    assert.deepEqual((await store.readReadiness()).drills, {}, "no drill before its time");
    await until("2026-12-07T03:06:00Z");
    const { drills, reports } = await store.readReadiness();
    assert.equal(drills["shop"]?.by, "tandem-practice");
    assert.ok(drills["shop"]!.at >= Date.parse("2026-12-07T03:00:00Z"));
    const audited = (await store.readActions()).filter((a) => a.name === "api drill");
    assert.deepEqual(
      audited.map((a) => a.actor),
      ["tandem-practice"],
      "one drill, audited by the schedule",
    );
    const recovery = reports["shop"]?.checks.find((c) => c.check === "recovery-time");
    assert.equal(recovery?.verdict, "not-ready", "predicted beyond the 1 s objective");
    await until("2026-12-07T03:30:00Z");
    assert.equal(
      (await store.readActions()).filter((a) => a.name === "api drill").length,
      1,
      "once per firing",
    );
  });
});
