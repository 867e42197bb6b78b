// The contract every alert channel kind passes, against its own receiver on loopback, built from
// a configuration as Tandem builds it: a sample alert is delivered; 4xx is final (410 gone, 400
// rejected); 5xx, a timeout and a dropped connection are worth another try; a 429's Retry-After
// is kept; no secret appears in its target, a result or a settings error; a malformed answer is a
// result, never a throw; a secret it cannot work with is refused naming the field, not the value.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { withChannels } from "../../src/channels/registry.js";
import { sampleAlerts } from "../../src/channels/samples.js";
import type { ChannelKind, ChannelReceiver } from "../../src/channels/types.js";
import { isChannelSettingsError } from "../../src/channels/types.js";
import type { AlertChannelConfig } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import { resolveSecret } from "../../src/config/secrets.js";
import type { Alert, AlertChannel, SendResult } from "../../src/ports/alerts.js";
import { AlertReceivers } from "../../src/sandbox/alert-receivers.js";
import type { ReceiverMode } from "../../src/sandbox/alert-receivers.js";
import { twoRegionConfig } from "../helpers/runtime.js";

const LINKS = { baseUrl: "https://tandem.example.test" };
const BAD_SECRET = "not a usable secret, at all";

export function channelKindContract(kind: ChannelKind): void {
  describe(`alert channel contract: ${kind.kind}`, () => {
    const registry = withChannels([], [kind]);
    const receivers = new AlertReceivers(undefined, registry);
    let settings: Parameters<ChannelKind["create"]>[0];
    let env: Record<string, string>;
    let receiver: ChannelReceiver;
    let channel: AlertChannel;
    const build = (values: Record<string, string>) =>
      kind.create(settings, (ref) => resolveSecret(ref, values));
    const send = (timeoutMs = 3000, abortSignal = AbortSignal.timeout(10_000)) =>
      channel.send(sampleAlerts()["region.down"], { links: LINKS, abortSignal, timeoutMs });
    const answered = async (mode: ReceiverMode, timeoutMs?: number): Promise<SendResult> => {
      receivers.script(kind.kind, [mode]);
      return send(timeoutMs);
    };
    const leaked = (text: string) => receivers.secretValues().filter((s) => text.includes(s));

    before(async () => {
      await receivers.start();
      receiver = ((await import(kind.receiver)) as { receiver: ChannelReceiver }).receiver;
      const built = receivers.channels("CONTRACT");
      env = built.env;
      const config = parseConfig(
        {
          ...twoRegionConfig({
            westeurope: "https://weu.example.test/",
            northeurope: "https://neu.example.test/",
          }),
          alerts: { channels: built.channels },
        },
        "contract configuration",
        undefined,
        undefined,
        registry,
      );
      settings = config.alerts.channels[0] as AlertChannelConfig;
      channel = await build(env);
    });
    after(async () => {
      receivers.release();
      await receivers.stop();
    });

    it("delivers a sample alert to its receiver over loopback", async () => {
      const before = receivers.received.length;
      const result = await send();
      assert.equal(result.outcome, "accepted", JSON.stringify(result));
      const got = receivers.received.slice(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.kind, kind.kind);
      assert.equal(got[0]!.title, sampleAlerts()["region.down"].title);
      assert.equal(channel.kind, kind.kind);
      assert.deepEqual(leaked(channel.target), [], "its target names no secret");
    });

    it("takes a 4xx answer as final: 410 is gone, 400 is rejected", async () => {
      assert.deepEqual(pick(await answered("410")), { outcome: "gone", status: 410 });
      assert.deepEqual(pick(await answered("400")), { outcome: "rejected", status: 400 });
    });

    it("takes a 5xx, a timeout or a dropped connection as worth another try", async () => {
      assert.deepEqual(pick(await answered("500")), { outcome: "retry", status: 500 });
      const hung = await answered("hang", 200);
      assert.equal(hung.outcome, "retry");
      assert.match(hung.outcome === "retry" ? hung.reason : "", /200 ms/);
      assert.equal((await answered("reset")).outcome, "retry");
    });

    it("keeps a 429's Retry-After", async () => {
      const result = await answered("429");
      assert.deepEqual(pick(result), { outcome: "retry", status: 429 });
      assert.equal(result.outcome === "retry" ? result.retryAfterMs : undefined, 1000);
    });

    it("never throws, and no secret leaves in a result, even from answers that quote the request", async () => {
      const results = [
        await answered("500"),
        await answered("400"),
        await answered("reset"),
        await send(3000, AbortSignal.abort()),
      ];
      for (const result of results) {
        assert.notEqual(result.outcome, "accepted", JSON.stringify(result));
        const reason = "reason" in result ? result.reason : "";
        assert.ok(reason.length > 0, `says why: ${JSON.stringify(result)}`);
        assert.deepEqual(leaked(JSON.stringify(result)), [], "no secret in the result");
      }
      assert.ok(receivers.secretValues().length > 0, "the receiver names the kind's secrets");
      // An alert it cannot render (none of Tandem's is): a result all the same.
      const broken = { key: "k", type: "region.down", at: Number.NaN } as unknown as Alert;
      const result = await channel.send(broken, {
        links: LINKS,
        abortSignal: AbortSignal.timeout(10_000),
        timeoutMs: 3000,
      });
      assert.equal(typeof result.outcome, "string");
    });

    it("refuses a secret it cannot work with, naming the field and never the value", async () => {
      for (const [field, value] of Object.entries(receiver.secrets(receivers.urls()[kind.kind]!))) {
        const name = Object.keys(env).find((k) => env[k] === value)!;
        await assert.rejects(build({ ...env, [name]: BAD_SECRET }), (error: unknown) => {
          assert.ok(isChannelSettingsError(error), String(error));
          assert.equal(error.field, field);
          assert.ok(!error.message.includes(BAD_SECRET));
          return true;
        });
      }
    });
  });
}

/** The outcome and the status of a result. */
function pick(result: SendResult): { outcome: string; status?: number } {
  return "status" in result && result.status !== undefined
    ? { outcome: result.outcome, status: result.status }
    : { outcome: result.outcome };
}
