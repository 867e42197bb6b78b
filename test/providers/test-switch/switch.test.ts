// A lever kind added by its folder alone: registered through withProviders(), its settings are
// accepted by the configuration, its emulated service is loaded by the ARM emulator from the
// registry, the composition root builds its lever, and a lost region fails over through it, as
// the sandbox composes a runtime (the emulator's identity and CA, real regional apps, real
// probes). Its lever, built by its factory, passes the traffic router contract for what it
// declares (it promotes; it cannot take a region out of rotation, and refuses to). Nothing outside
// this folder knows the kind.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { runOrchestrateTick } from "../../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../../src/app/probe-tick.js";
import type { Runtime } from "../../../src/app/runtime.js";
import { compose } from "../../../src/compose.js";
import type { TandemConfigInput } from "../../../src/config/index.js";
import { jsonSchema, parseConfig, validateConfig } from "../../../src/config/index.js";
import type { TandemEvent } from "../../../src/ports/events.js";
import { silentLog } from "../../../src/ports/log.js";
import { PROVIDERS, withProviders } from "../../../src/providers/registry.js";
import { ArmEmulator } from "../../../src/sandbox/arm-emulator.js";
import { sandboxCredential } from "../../../src/sandbox/credential.js";
import { trafficRouterContract } from "../../adapters/traffic/contract.js";
import { ENDPOINTS, startArm } from "../../helpers/arm.js";
import { ManualTimeRealWaits, regionalApps } from "../../helpers/runtime.js";
import type { SwitchService } from "./emulator.js";
import { testSwitch } from "./index.js";

const SWITCH =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.Test/switches/shop";
const registry = withProviders(PROVIDERS, [testSwitch]);

trafficRouterContract("test switch through the ARM emulator", async () => {
  const arm = await startArm({ registry });
  arm.emulator.service<SwitchService>("test-switch").add(SWITCH, "weu");
  const settings = { kind: "test-switch" as const, switchId: SWITCH };
  const { router } = await testSwitch.create([{ name: "shop", settings, members: ENDPOINTS }], {
    conn: arm.conn,
    log: silentLog,
  });
  return {
    router,
    group: "shop",
    writes: arm.writes,
    uniquePriorities: false,
    can: { promote: true, enable: false },
    close: arm.stop,
  };
});

describe("a lever kind added by its folder alone (test-switch)", () => {
  const { weu, neu } = regionalApps();
  const arm = new ArmEmulator({ registry, pollSeconds: 0 });
  before(() => arm.start());
  after(() => arm.stop());

  const config = (): TandemConfigInput => ({
    observers: [{ region: "westeurope" }, { region: "northeurope" }],
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    policy: { intervalSeconds: 2, probeTimeoutSeconds: 1, failureThreshold: 2, confirmRetries: 0 },
    groups: [
      {
        name: "shop",
        model: "active-passive",
        traffic: { kind: "test-switch", switchId: SWITCH },
        regions: [
          {
            name: "westeurope",
            role: "primary",
            probe: { url: weu.healthUrl },
            traffic: { endpoint: "weu" },
          },
          {
            name: "northeurope",
            role: "secondary",
            probe: { url: neu.healthUrl },
            traffic: { endpoint: "neu" },
          },
        ],
      },
    ],
  });

  it("its settings are part of the configuration's schema with it, and only with it", () => {
    assert.equal(validateConfig(config(), registry).ok, true);
    const without = validateConfig(config());
    assert.equal(without.ok, false);
    assert.ok(
      !without.ok && without.problems.some((p) => p.path === "groups[0].traffic.kind"),
      JSON.stringify(without),
    );
    assert.match(JSON.stringify(jsonSchema(registry)), /test-switch/);
    assert.doesNotMatch(JSON.stringify(jsonSchema()), /test-switch/);
  });

  it("fails over through it when westeurope is lost: one change of the switch, to northeurope", async () => {
    const service = arm.service<SwitchService>("test-switch");
    service.add(SWITCH, "weu");
    const store = new MemoryStateStore();
    // ARM's answers take real time: the clock's waits do too (a tenth of it), and move nothing.
    const clock = new ManualTimeRealWaits(0.1);
    const events: TandemEvent[] = [];
    const parsed = parseConfig(config(), "test configuration", registry);
    const runtime = (observer: string) =>
      compose({
        config: parsed,
        observer,
        store,
        clock,
        registry,
        credential: sandboxCredential,
        arm: { endpoint: arm.url, ca: arm.ca, pollIntervalMs: 20, timeoutMs: 10_000 },
        subscribers: [{ name: "recorder", fn: (e) => void events.push(e) }],
      });
    const runtimes: Runtime[] = [await runtime("westeurope"), await runtime("northeurope")];
    const tick = async () => {
      for (const rt of runtimes) await runProbeTick(rt);
      for (const rt of runtimes) await runOrchestrateTick(rt);
      clock.advance(2000);
    };
    for (let i = 0; i < 6; i++) await tick();
    assert.equal(service.target(SWITCH), "weu");

    weu.mode = "down";
    try {
      for (let i = 0; i < 30; i++) {
        await tick();
        if (events.some((e) => e.type === "incident.closed")) break;
      }
    } finally {
      weu.mode = "up";
    }
    const closed = events.find((e) => e.type === "incident.closed");
    assert.ok(closed && closed.type === "incident.closed", "the failover ended");
    assert.equal(closed.step, "completed", closed.note);
    assert.equal(service.target(SWITCH), "neu");
    assert.deepEqual(service.changes, ["neu"], "the switch was changed once");
    assert.ok(
      events.some(
        (e) =>
          e.type === "lever.changed" && e.change === "promote northeurope" && e.outcome === "done",
      ),
    );
  });
});
