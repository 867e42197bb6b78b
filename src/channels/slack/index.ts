// Slack through an incoming webhook (the URL is the secret). 200 means accepted; 404 and 410
// mean the webhook is gone; Slack answers other refusals with 400 or 403 and a reason.
import * as z from "zod";
import { secretRef } from "../../config/fields.js";
import type { AlertChannel } from "../../ports/alerts.js";
import { postJson } from "../http.js";
import { fingerprint, origin, redactor, urlSecrets } from "../redact.js";
import { channelProvider } from "../types.js";
import { checkedUrl } from "../url.js";
import { slackMessage } from "./blocks.js";

export const slack = channelProvider<{ kind: "slack"; name: string; webhookUrl: string }>({
  kind: "slack",
  title: "Slack (incoming webhook)",
  schema: z
    .strictObject({
      kind: z.literal("slack").describe("Slack incoming webhook."),
      webhookUrl: secretRef.describe("Secret reference to the Slack incoming webhook URL."),
    })
    .describe("Slack incoming webhook, with Block Kit."),
  create(settings, secret): AlertChannel {
    const url = checkedUrl(secret(settings.webhookUrl), "webhookUrl");
    const redact = redactor(urlSecrets(url));
    return {
      name: settings.name,
      kind: "slack",
      target: origin(url),
      fingerprint: fingerprint([url]),
      redact,
      render: (alert, links) => slackMessage(alert, links),
      send: (alert, context) =>
        postJson(url, JSON.stringify(slackMessage(alert, context.links)), {
          abortSignal: context.abortSignal,
          timeoutMs: context.timeoutMs,
          redact,
        }),
    };
  },
});
