// Three kinds from outside src/ in the sandbox: a group probed by the echo:// probe kind, alerted
// through the relay channel kind and routed by the test-switch lever kind, each registered through
// its registry's with…() and handed to the sandbox as `kinds`; nothing in src/ knows them. The
// sandbox's own groups and channels are left out of its configuration, so the failover below is
// this group's alone. Losing westeurope fails the group over; what each kind did is read from what
// was recorded (the observers' events, the emulated switch's changes, the receivers' log).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CHANNEL_KINDS, withChannels } from "../../src/channels/registry.js";
import type { TandemEvent } from "../../src/core/events.js";
import { PROBE_KINDS, withProbeKinds } from "../../src/probes/registry.js";
import { PROVIDERS, withProviders } from "../../src/providers/registry.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES, startSandbox } from "../../src/sandbox/sandbox.js";
import { relay } from "../channels/relay/index.js";
import * as echoKind from "../probes/echo/index.js";
import type { EchoStandIn } from "../probes/echo/stand-in.js";
import { startStandIn } from "../probes/echo/stand-in.js";
import { testSwitch } from "../providers/test-switch/index.js";
import type { SwitchService } from "../providers/test-switch/emulator.js";
import { FAST_SANDBOX } from "../helpers/sandbox.js";
import { ticks, waitFor } from "../helpers/wait.js";

const SWITCH = `${SANDBOX_RESOURCES.resourceGroup}/providers/Microsoft.Test/switches/outside`;
const within = { timeoutMs: ticks(20, FAST_SANDBOX.intervalSeconds) };

describe("sandbox: a probe kind, a channel kind and a lever kind from outside src/", () => {
  let sandbox: Sandbox;
  const echo = new Map<string, EchoStandIn>();
  const events: TandemEvent[] = [];
  let echoLoadsBefore = 0;
  const ofGroup = <T extends TandemEvent["type"]>(type: T) =>
    events.filter(
      (e): e is TandemEvent & { readonly type: T } =>
        e.type === type && "group" in e && e.group === "outside",
    );

  before(async () => {
    for (const region of ["westeurope", "northeurope"]) echo.set(region, await startStandIn());
    echoLoadsBefore = echoKind.loads;
    sandbox = await startSandbox({
      ...FAST_SANDBOX,
      kinds: {
        registry: withProviders(PROVIDERS, [testSwitch]),
        probeKinds: withProbeKinds(PROBE_KINDS, [echoKind.echo]),
        channelKinds: withChannels(CHANNEL_KINDS, [relay]),
      },
      subscribers: [{ name: "test: every event", fn: (e) => void events.push(e) }],
      configure: (config, arm) => {
        arm.service<SwitchService>("test-switch").add(SWITCH, "weu");
        const region = (name: string, role: "primary" | "secondary", endpoint: string) => ({
          name,
          role,
          probe: { url: echo.get(name)!.upUrl },
          traffic: { endpoint },
        });
        return {
          ...config,
          groups: [
            {
              name: "outside",
              model: "active-passive",
              traffic: { kind: "test-switch", switchId: SWITCH },
              regions: [
                region("westeurope", "primary", "weu"),
                region("northeurope", "secondary", "neu"),
              ],
            },
          ],
          alerts: {
            ...config.alerts,
            channels: (config.alerts?.channels ?? []).filter((c) => c.kind === "relay"),
          },
        };
      },
    });
  });
  after(async () => {
    await sandbox?.stop();
    for (const standIn of echo.values()) await standIn.close();
  });

  it("fails the group over when westeurope is lost: echo saw it, the switch moved, the relay told", async () => {
    const service = sandbox.arm.service<SwitchService>("test-switch");
    await waitFor(
      "both regions healthy",
      () => {
        const healthy = new Set(
          ofGroup("verdict.changed").flatMap((e) => (e.to === "healthy" ? [e.region] : [])),
        );
        return healthy.size === 2 ? healthy : undefined;
      },
      { ...within, seen: () => ofGroup("verdict.changed") },
    );
    echo.get("westeurope")!.answering = false;
    const closed = await waitFor("the failover to end", () => ofGroup("incident.closed")[0], {
      ...within,
      seen: () => ofGroup("incident.step").map((e) => e.step),
    });
    assert.equal(closed.kind, "failover");
    assert.equal(closed.step, "completed", closed.note);

    // The probe kind: westeurope answered its echo, then was timed out by it.
    const weu = ofGroup("probe.outcome").filter((e) => e.target === "westeurope");
    assert.ok(weu[0]?.ok, "westeurope answered first");
    assert.match(weu.find((e) => !e.ok)?.error?.message ?? "", /^no echo within \d+ ms$/);
    assert.ok(echoKind.loads > echoLoadsBefore, "the echo implementation was loaded to probe");

    // The lever kind: the switch was changed once, to northeurope's member.
    assert.deepEqual(service.changes, ["neu"]);
    assert.deepEqual(
      ofGroup("lever.changed").map((e) => [e.change, e.outcome]),
      [["promote northeurope", "done"]],
    );

    // The channel kind: the loss reached the relay's receiver, with its token; nothing else sent.
    const down = await waitFor(
      "the relay to be told westeurope is down",
      () => sandbox.alerts.received.find((r) => /westeurope is down/.test(r.title)),
      { ...within, seen: () => sandbox.alerts.received.map((r) => `${r.kind}: ${r.title}`) },
    );
    assert.equal(down.kind, "relay");
    assert.equal(down.status, 200, "the relay's token was accepted");
    assert.deepEqual(new Set(sandbox.alerts.received.map((r) => r.kind)), new Set(["relay"]));
  });
});
