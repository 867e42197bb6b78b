// A generic webhook, signed per the Standard Webhooks specification. The sender (channel.ts, with
// the `standardwebhooks` library) loads when a webhook channel is built.
import { httpUrl, secretRef } from "../../config/fields.js";
import { channelSchema } from "../schema.js";
import type { ChannelKind } from "../types.js";

export type WebhookSettings = { kind: "webhook"; name: string; url: string; secret: string };

export const webhook = {
  kind: "webhook",
  title: "Webhook (Standard Webhooks)",
  schema: channelSchema(
    "webhook",
    {
      kind: "Generic webhook signed per Standard Webhooks.",
      settings: "Generic webhook, signed per Standard Webhooks (docs/webhooks.md).",
    },
    {
      url: httpUrl.describe(
        "URL that receives the signed POST (https; http only to loopback). See docs/webhooks.md for the body and how to verify it.",
      ),
      secret: secretRef.describe(
        "Secret reference to the signing secret (`whsec_` and base64, as Standard Webhooks libraries generate).",
      ),
    },
  ),
  create: async (settings, secret) =>
    (await import("./channel.js")).webhookChannel(settings, secret),
  receiver: new URL("./receiver.js", import.meta.url).href,
} satisfies ChannelKind<WebhookSettings>;
