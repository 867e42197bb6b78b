// The webhook channel signs per Standard Webhooks: what a loopback receiver gets verifies with an
// independent implementation (the one docs/webhooks.md gives, run as written) and with the
// standardwebhooks library; it fails with a changed body, another secret, or five minutes later.
import assert from "node:assert/strict";
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { Webhook } from "standardwebhooks";
import { webhookId } from "../../src/channels/webhook/channel.js";
import { webhook } from "../../src/channels/webhook/index.js";
import { sampleAlerts } from "../../src/channels/samples.js";
import { AlertReceivers } from "../../src/sandbox/alert-receivers.js";
import { ROOT } from "../helpers/paths.js";

type Verify = (
  secret: string,
  headers: Record<string, string>,
  body: string,
  now?: number,
) => boolean;

/** The verification code of docs/webhooks.md, exactly as printed there. */
async function documentedVerify(): Promise<Verify> {
  const doc = await readFile(join(ROOT, "docs/webhooks.md"), "utf8");
  const code = /<!-- verify\.js -->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(code, "docs/webhooks.md has its verification example");
  const file = join(await mkdtemp(join(tmpdir(), "tandem-verify-")), "verify.mjs");
  await writeFile(file, code);
  return ((await import(pathToFileURL(file).href)) as { verify: Verify }).verify;
}

describe("Standard Webhooks signatures", () => {
  it("verify independently, and fail with a changed body, another secret, or five minutes later", async () => {
    const verify = await documentedVerify();
    const receivers = new AlertReceivers();
    await receivers.start();
    try {
      const secret = Object.values(receivers.channels("T", ["webhook"]).env)[0]!;
      const channel = await webhook.create(
        { kind: "webhook", name: "hook", url: receivers.urls().webhook, secret: "env:S" },
        () => secret,
      );
      const alert = sampleAlerts()["failover.completed"];
      const result = await channel.send(alert, {
        links: {},
        abortSignal: AbortSignal.timeout(5000),
        timeoutMs: 5000,
      });
      assert.equal(result.outcome, "accepted");
      const [got] = receivers.received;
      assert.ok(got);
      const headers = got.headers as Record<string, string>;
      assert.equal(headers["webhook-id"], webhookId(alert));
      assert.match(headers["webhook-signature"]!, /^v1,[A-Za-z0-9+/]+=*$/);
      const sentAt = Number(headers["webhook-timestamp"]) * 1000;

      assert.equal(verify(secret, headers, got.raw, sentAt), true, "as sent");
      assert.doesNotThrow(() => new Webhook(secret).verify(got.raw, headers), "the library agrees");
      assert.equal(verify(secret, headers, got.raw.replace("completed", "failed"), sentAt), false);
      const other = `whsec_${Buffer.from("another secret of thirty-two bytes!").toString("base64")}`;
      assert.equal(verify(other, headers, got.raw, sentAt), false, "another secret");
      assert.equal(
        verify(secret, headers, got.raw, sentAt + 5 * 60_000),
        false,
        "five minutes old",
      );
      assert.equal(verify(secret, headers, got.raw, sentAt + 4 * 60_000), true, "four minutes old");
      assert.throws(() =>
        new Webhook(secret).verify(got.raw.replace("completed", "failed"), headers),
      );
      assert.equal(JSON.parse(got.raw).type, "failover.completed");
    } finally {
      await receivers.stop();
    }
  });

  it("sends one webhook-id for every delivery of an alert, and another for another alert", async () => {
    const samples = sampleAlerts();
    assert.equal(webhookId(samples["region.down"]), webhookId({ ...samples["region.down"] }));
    assert.notEqual(webhookId(samples["region.down"]), webhookId(samples["region.recovered"]));
    assert.match(webhookId(samples["region.down"]), /^msg_[0-9a-f]{32}$/);
  });
});
