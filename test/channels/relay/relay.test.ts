// An alert channel kind added by its folder alone (relay): registered through withChannels(), a
// configuration naming it validates (and is refused without it), it passes the channel contract,
// and a real alert reaches its receiver through the outbox sender, its sender loaded only when a
// channel of its kind is built. Nothing in src/ knows the kind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHANNEL_KINDS, withChannels } from "../../../src/channels/registry.js";
import type { TandemConfigInput } from "../../../src/config/index.js";
import { jsonSchema, validateConfig } from "../../../src/config/index.js";
import { AlertReceivers } from "../../../src/sandbox/alert-receivers.js";
import { Rig, receiversForSuite } from "../../helpers/alert-rig.js";
import { twoRegionConfig } from "../../helpers/runtime.js";
import { channelKindContract } from "../contract.js";
import { loads, relay } from "./index.js";

const kinds = withChannels(CHANNEL_KINDS, [relay]);

describe("an alert channel kind added by its folder alone (relay)", () => {
  it("is part of the configuration with it, and only with it", () => {
    const config = {
      ...twoRegionConfig({
        westeurope: "https://weu.example.test/",
        northeurope: "https://neu.example.test/",
      }),
      alerts: {
        channels: [
          { kind: "relay", name: "ops", url: "https://relay.example.test/m", token: "env:T" },
        ],
      },
    } as TandemConfigInput;
    const valid = validateConfig(config, undefined, undefined, kinds);
    assert.equal(valid.ok, true, JSON.stringify(valid));
    const without = validateConfig(config);
    assert.ok(!without.ok);
    assert.ok(
      without.problems.some((p) => p.path.startsWith("alerts.channels[0]")),
      JSON.stringify(without.problems),
    );
    assert.match(JSON.stringify(jsonSchema(undefined, undefined, kinds)), /Relay \(a test kind\)/);
    assert.doesNotMatch(JSON.stringify(jsonSchema()), /relay/i);
  });
});

channelKindContract(relay);

describe("a real alert through the relay", () => {
  const rig = receiversForSuite(new AlertReceivers(undefined, kinds));

  it("reaches its receiver once, through the outbox sender, its sender loaded when the channel is built", async () => {
    const before = loads;
    const r = new Rig({ receivers: rig.receivers, kinds: ["relay"], channelKinds: kinds });
    await r.start("westeurope");
    await r.start("northeurope");
    assert.equal(loads, before + 2, "each observer's composition built its relay channel");
    r.failing.add("*>westeurope");
    await r.until(() => rig.receivers.received.some((g) => /westeurope is down/.test(g.title)));
    const got = rig.receivers.received.filter((g) => /westeurope is down/.test(g.title));
    assert.equal(got.length, 1, "once");
    assert.equal(got[0]!.kind, "relay");
    assert.equal(got[0]!.status, 200, "the token was sent");
  });
});
