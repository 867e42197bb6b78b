// A webhook channel, signed per the Standard Webhooks specification with the `standardwebhooks`
// library: `webhook-id` (the same for every delivery of one alert, so receivers can drop
// repeats), `webhook-timestamp` (seconds, at sending) and `webhook-signature` (`v1,` and the
// base64 HMAC-SHA256 of `id.timestamp.body` under the `whsec_` secret). 2xx is accepted; 410 (and
// 404) means the endpoint is gone.
import { createHash } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { Alert } from "../../core/alerts.js";
import type { AlertChannel } from "../../ports/alerts.js";
import { postingChannel } from "../posting.js";
import { ChannelSettingsError } from "../types.js";
import { checkedUrl } from "../url.js";
import { webhookBody } from "./body.js";
import type { WebhookSettings } from "./index.js";

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

export function webhookChannel(
  settings: WebhookSettings,
  secret: (ref: string) => string,
): AlertChannel {
  const url = checkedUrl(settings.url, "url");
  const key = secret(settings.secret).trim();
  const sign = signer(key);
  return postingChannel({
    settings,
    url,
    label: "The webhook",
    identity: [url, key],
    secrets: [key, key.slice("whsec_".length)],
    body: webhookBody,
    headers: (alert, body) => {
      const id = webhookId(alert);
      const now = new Date();
      return {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": sign.sign(id, now, body),
      };
    },
  });
}
