// A generic webhook, signed per the Standard Webhooks specification with the `standardwebhooks`
// library: `webhook-id` (the same for every delivery of one alert, so receivers can drop
// repeats), `webhook-timestamp` (seconds, at sending) and `webhook-signature` (`v1,` and the
// base64 HMAC-SHA256 of `id.timestamp.body` under the `whsec_` secret). 2xx is accepted; 410 (and
// 404) means the endpoint is gone.
import { createHash } from "node:crypto";
import { Webhook } from "standardwebhooks";
import * as z from "zod";
import { httpUrl, secretRef } from "../../config/fields.js";
import type { Alert } from "../../core/alerts.js";
import type { AlertChannel } from "../../ports/alerts.js";
import { postJson } from "../http.js";
import { fingerprint, origin, redactor } from "../redact.js";
import { ChannelSettingsError, channelProvider } from "../types.js";
import { checkedUrl } from "../url.js";
import { webhookBody } from "./body.js";

/** The message id of an alert: the same for every delivery of it, by any holder. */
export const webhookId = (alert: Alert) =>
  `msg_${createHash("sha256").update(alert.key).digest("hex").slice(0, 32)}`;

function signer(secret: string): Webhook {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const bytes = match ? Buffer.from(match[1]!, "base64").length : 0;
  if (!match || bytes < 24 || bytes > 64)
    throw new ChannelSettingsError(
      "secret",
      "does not hold a Standard Webhooks signing secret (whsec_ followed by 24 to 64 random bytes in base64)",
    );
  return new Webhook(secret);
}

export const webhook = channelProvider<{
  kind: "webhook";
  name: string;
  url: string;
  secret: string;
}>({
  kind: "webhook",
  title: "Webhook (Standard Webhooks)",
  schema: z
    .strictObject({
      kind: z.literal("webhook").describe("Generic webhook signed per Standard Webhooks."),
      url: httpUrl.describe(
        "URL that receives the signed POST (https; http only to loopback). See docs/webhooks.md for the body and how to verify it.",
      ),
      secret: secretRef.describe(
        "Secret reference to the signing secret (`whsec_` and base64, as Standard Webhooks libraries generate).",
      ),
    })
    .describe("Generic webhook, signed per Standard Webhooks (docs/webhooks.md)."),
  create(settings, secret): AlertChannel {
    const url = checkedUrl(settings.url, "url");
    const key = secret(settings.secret).trim();
    const sign = signer(key);
    const redact = redactor([key, key.slice("whsec_".length)]);
    return {
      name: settings.name,
      kind: "webhook",
      target: origin(url),
      fingerprint: fingerprint([url, key]),
      redact,
      render: (alert, links) => webhookBody(alert, links),
      send: (alert, context) => {
        const body = JSON.stringify(webhookBody(alert, context.links));
        const id = webhookId(alert);
        const now = new Date();
        return postJson(url, body, {
          headers: {
            "webhook-id": id,
            "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
            "webhook-signature": sign.sign(id, now, body),
          },
          abortSignal: context.abortSignal,
          timeoutMs: context.timeoutMs,
          redact,
        });
      },
    };
  },
});
