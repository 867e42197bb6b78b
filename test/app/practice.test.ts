// A real practice failover through the lease holder's tick (the real runbook, the memory store and
// traffic router): in its window, once the readiness run found the group ready, over to the
// standby and back, as incidents with the trigger "practice", shown in the status.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { holderId } from "../../src/app/runtime.js";
import { readStatus } from "../../src/app/status.js";
import { renderStatusPage } from "../../src/app/status-page.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import { AlertReceivers } from "../../src/sandbox/alert-receivers.js";
import { TM_PROFILE } from "../helpers/arm.js";
import { armShop, withEmulatorRig } from "../helpers/emulator-rig.js";
import { shopPractice } from "../helpers/shop-practice.js";

/** The rig, with a practice failover at 03:00 UTC for 30 minutes, staying 5 on the standby. */
const deployment = () =>
  shopPractice({
    intervalSeconds: 10,
    readiness: { intervalMinutes: 1 },
    practice: { failover: { start: "0 3 * * *", durationMinutes: 30, dwellMinutes: 5 } },
  });

describe("practice failover through the tick", () => {
  it("in its window, once ready: over to the standby for the dwell and back, told as practice and shown in the status", async () => {
    const d = await deployment();
    await d.until("2026-12-07T02:59:50Z");
    assert.deepEqual(await d.practices(), [], "none before the window");
    const seen = [(await d.primary()) ?? ""];
    await d.until("2026-12-07T03:20:00Z", async () => {
      const p = (await d.primary()) ?? "";
      if (seen.at(-1) !== p) seen.push(p);
    });
    assert.deepEqual(seen, ["westeurope", "northeurope", "westeurope"], "over and back");
    const runs = await d.practices();
    assert.deepEqual(
      runs.map((i) => `${i.kind} ${i.step} ${i.requestedBy}`),
      ["failover completed tandem-practice", "failback completed tandem-practice"],
    );
    assert.ok(runs[1]!.closedAt! < Date.parse("2026-12-07T03:30:00Z"), "within the window");
    assert.ok(
      runs[1]!.openedAt - runs[0]!.closedAt! >= 5 * 60_000,
      "the failback waited for the dwell",
    );
    const opened = d.events.filter((e) => e.type === "incident.opened");
    assert.ok(
      opened.length === 2 && opened.every((e) => "trigger" in e && e.trigger === "practice"),
      JSON.stringify(opened.map((e) => e.type)),
    );
    const group = (await readStatus(d.runtimes[0]!)).groups[0]!;
    assert.equal(group.practice?.outcome, "completed");
    assert.ok(group.practice!.failoverSeconds! > 0 && group.practice!.failbackSeconds! > 0);
    assert.match(
      renderStatusPage(await readStatus(d.runtimes[0]!)),
      /Last practice failover: completed \(to northeurope/,
    );
  });

  it("home failing its probes during the dwell is not told as readiness lost: readiness waits for the practice to end", async () => {
    const d = await deployment();
    let movedAt: number | undefined;
    await d.until("2026-12-07T03:04:00Z", async () => {
      if (movedAt === undefined && (await d.primary()) === "northeurope") movedAt = d.clock.now();
      if (movedAt !== undefined && d.clock.now() - movedAt < 120_000)
        d.failing.add("westeurope.shop.test");
      else d.failing.delete("westeurope.shop.test");
    });
    assert.ok(movedAt !== undefined, "the practice failed over");
    assert.deepEqual(
      d.events.filter((e) => e.type === "readiness.lost").map((e) => JSON.stringify(e)),
      [],
    );
  });

  it("the standby failing its probes mid-run: the practice stops at once and the routing is restored", async () => {
    const d = await deployment();
    let failedAt: number | undefined;
    await d.until("2026-12-07T03:04:00Z", async () => {
      if (failedAt === undefined && (await d.primary()) === "northeurope") {
        failedAt = d.clock.now();
        d.failing.add("northeurope.shop.test");
      }
    });
    assert.ok(failedAt !== undefined, "the practice failed over");
    assert.equal(await d.primary(), "westeurope", "routing restored before the dwell ended");
    const back = (await d.practices()).find((i) => i.kind === "failback");
    assert.ok(back && back.openedAt - failedAt! < 60_000, "the failback opened at once");
    assert.match(back.reason, /practice stopped: northeurope fails its probes/);
    const group = (await readStatus(d.runtimes[0]!)).groups[0]!;
    assert.equal(group.practice?.outcome, "aborted");
  });

  it("a new lease holder mid-practice fails back after the dwell: traffic is not left on the standby", async () => {
    const d = await deployment();
    await d.until("2026-12-07T03:01:00Z");
    assert.equal(await d.primary(), "northeurope", "the practice failed over");
    // The holder stops (a crash); the other observer takes the lease and carries on.
    const holder = d.runtimes.find((rt) => rt.memory.said.leader?.holder === holderId(rt));
    const others = d.runtimes.filter((rt) => rt !== holder);
    assert.equal(others.length, 1);
    await d.until("2026-12-07T03:15:00Z", undefined, others);
    assert.equal(await d.primary(), "westeurope");
    const back = (await d.practices()).find((i) => i.kind === "failback");
    assert.equal(back?.step, "completed");
    assert.ok(
      back.history[0]!.epoch > (await d.practices())[0]!.history[0]!.epoch,
      "by the new holder",
    );
  });
});

type AlertsInput = NonNullable<TandemConfigInput["alerts"]>;

// The same through the real parts: Traffic Manager's endpoints over ARM (the emulator, the Azure
// SDK), and the alerts delivered to a PagerDuty receiver on loopback through the outbox.
describe("practice failover against the ARM emulator", () => {
  it("over to the standby on Traffic Manager through the real SDK, a dwell, and back: each endpoint change made once, the incidents and the alerts told as practice", async () => {
    const receivers = new AlertReceivers();
    await receivers.start();
    const { channels, env } = receivers.channels("PRACTICE", ["pagerduty"]);
    const raw = armShop("active-passive", {
      intervalSeconds: 10,
      leverReconcileSeconds: 10,
      readiness: { intervalMinutes: 1 },
      practice: { failover: { start: "0 3 * * *", durationMinutes: 10, dwellMinutes: 1 } },
    });
    try {
      await withEmulatorRig(
        { ...raw, alerts: { channels: channels as AlertsInput["channels"] } },
        { standbyRunning: true, at: Date.parse("2026-12-07T02:58:00Z"), env },
        async (rig) => {
          await rig.until("2026-12-07T03:05:00Z");
          for (const rt of rig.runtimes) await alertsSettled(rt);

          // What Traffic Manager was asked, in order, from the emulator's request log.
          const changes = rig.arm.emulator.requests
            .filter((r) => r.method === "PATCH" && /\/externalendpoints\//i.test(r.path))
            .map((r) => {
              const body = r.body as { properties?: { priority?: number } };
              return `${r.status} ${r.path.split("/").at(-1)} ${body.properties?.priority}`;
            });
          assert.deepEqual(
            changes,
            [
              // Over: neu parked on a free priority (no two endpoints of a profile may share
              // one: EndpointProperties.priority, @azure/arm-trafficmanager), weu given neu's 2,
              // neu the top.
              ...["200 neu 1000", "200 weu 2", "200 neu 1"],
              // And back the same way.
              ...["200 weu 1000", "200 neu 2", "200 weu 1"],
            ],
            "each change made once",
          );
          assert.equal(
            rig.arm.tm.route(TM_PROFILE),
            "weu",
            "Traffic Manager answers with weu again",
          );

          const [over, back, ...more] = (await rig.store.readIncidents("shop"))
            .map((s) => s.incident)
            .sort((x, y) => x.openedAt - y.openedAt);
          assert.deepEqual(
            [over, back].map(
              (i) => `${i?.kind} to ${i?.to}: ${i?.step}, ${i?.trigger} by ${i?.requestedBy}`,
            ),
            [
              "failover to northeurope: completed, practice by tandem-practice",
              "failback to westeurope: completed, practice by tandem-practice",
            ],
          );
          assert.deepEqual(more, [], "one practice in the window");
          assert.ok(back!.openedAt - over!.closedAt! >= 60_000, "northeurope served for the dwell");
          assert.ok(back!.closedAt! < Date.parse("2026-12-07T03:10:00Z"), "within the window");
          const group = (await readStatus(rig.runtimes[0]!)).groups[0]!;
          assert.equal(group.practice?.outcome, "completed");

          // What PagerDuty got: each practice's opening, then its resolve. The opening is a
          // warning where a real failover's is critical: a service whose urgency follows the
          // event's severity takes it as low urgency and pages no one (PagerDuty, "Configurable
          // service settings": urgencies).
          assert.deepEqual(
            receivers.received.map((r) => r.title),
            [
              "shop: practice (not an outage) failover from westeurope to northeurope requested by tandem-practice",
              `(resolve tandem:incident:shop/${over!.id})`,
              "shop: practice (not an outage) failback from northeurope to westeurope requested by tandem-practice",
              `(resolve tandem:incident:shop/${back!.id})`,
            ],
          );
          const severities = receivers.received.map(
            (r) => (r.body as { payload?: { severity?: string } }).payload?.severity,
          );
          assert.deepEqual(severities, ["warning", undefined, "warning", undefined]);
        },
      );
    } finally {
      await receivers.stop();
    }
  });
});
