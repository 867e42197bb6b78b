// Microsoft Teams through a Workflows webhook. The URL is a secret (it carries its own
// signature); 202 means accepted (Workflows does not confirm delivery to the channel).
import * as z from "zod";
import { secretRef } from "../../config/fields.js";
import type { AlertChannel } from "../../ports/alerts.js";
import { postJson } from "../http.js";
import { fingerprint, origin, redactor, urlSecrets } from "../redact.js";
import { channelProvider } from "../types.js";
import { checkedUrl } from "../url.js";
import { teamsMessage } from "./card.js";

export const teams = channelProvider<{ kind: "teams"; name: string; webhookUrl: string }>({
  kind: "teams",
  title: "Microsoft Teams (Workflows webhook)",
  schema: z
    .strictObject({
      kind: z.literal("teams").describe("Microsoft Teams through a Workflows webhook."),
      webhookUrl: secretRef.describe(
        'Secret reference to the URL of a Teams Workflows flow "When a Teams webhook request is received" (Office 365 connector URLs are retired).',
      ),
    })
    .describe('Microsoft Teams (Workflows "When a Teams webhook request is received").'),
  create(settings, secret): AlertChannel {
    const url = checkedUrl(secret(settings.webhookUrl), "webhookUrl");
    const redact = redactor(urlSecrets(url));
    return {
      name: settings.name,
      kind: "teams",
      target: origin(url),
      fingerprint: fingerprint([url]),
      redact,
      render: (alert, links) => teamsMessage(alert, links),
      send: (alert, context) =>
        postJson(url, JSON.stringify(teamsMessage(alert, context.links)), {
          abortSignal: context.abortSignal,
          timeoutMs: context.timeoutMs,
          redact,
        }),
    };
  },
});
