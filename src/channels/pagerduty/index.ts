// PagerDuty through the Events API v2. The routing (integration) key is the secret; the endpoint
// is PagerDuty's (or its EU service region's). 202 means accepted; 400 is a bad event (not
// retried); 429 and 5xx are retried. A test alert is triggered and resolved at once.
import * as z from "zod";
import { httpsUrl, secretRef } from "../../config/fields.js";
import type { AlertChannel } from "../../ports/alerts.js";
import { postJson } from "../http.js";
import { fingerprint, origin, redactor } from "../redact.js";
import { ChannelSettingsError, channelProvider } from "../types.js";
import { checkedUrl } from "../url.js";
import type { PagerDutyEvent } from "./event.js";
import { pagerDutyEvent } from "./event.js";

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export const pagerDuty = channelProvider<{
  kind: "pagerduty";
  name: string;
  routingKey: string;
  url?: string;
}>({
  kind: "pagerduty",
  title: "PagerDuty (Events API v2)",
  schema: z
    .strictObject({
      kind: z.literal("pagerduty").describe("PagerDuty Events API v2."),
      routingKey: secretRef.describe(
        "Secret reference to the integration (routing) key of the PagerDuty service.",
      ),
      url: z
        .union([httpsUrl, z.string().regex(/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//)])
        .optional()
        .describe(
          `Events API endpoint; ${PAGERDUTY_EVENTS_URL} by default (https://events.eu.pagerduty.com/v2/enqueue for the EU service region).`,
        ),
    })
    .describe("PagerDuty Events API v2: trigger and resolve with one dedup_key."),
  create(settings, secret): AlertChannel {
    const routingKey = secret(settings.routingKey).trim();
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(routingKey))
      throw new ChannelSettingsError(
        "routingKey",
        "does not hold a PagerDuty integration key (letters and digits, 32 characters)",
      );
    const url = checkedUrl(settings.url ?? PAGERDUTY_EVENTS_URL, "url");
    const redact = redactor([routingKey]);
    return {
      name: settings.name,
      kind: "pagerduty",
      target: origin(url),
      fingerprint: fingerprint([url, routingKey]),
      redact,
      render: (alert, links) => pagerDutyEvent(alert, routingKey, links),
      send: async (alert, context) => {
        const event = pagerDutyEvent(alert, routingKey, context.links);
        if (!event) return { outcome: "skipped", reason: `PagerDuty is not told of ${alert.type}` };
        const post = (body: PagerDutyEvent) =>
          postJson(url, JSON.stringify(body), {
            abortSignal: context.abortSignal,
            timeoutMs: context.timeoutMs,
            redact,
          });
        const result = await post(event);
        if (alert.type !== "alert.test" || result.outcome !== "accepted") return result;
        // A test leaves no incident open: what it triggered is resolved at once.
        const resolved = await post({
          routing_key: routingKey,
          event_action: "resolve",
          dedup_key: event.dedup_key,
        });
        const said =
          resolved.outcome === "accepted"
            ? `resolved at once (${resolved.status})`
            : `NOT resolved: ${resolved.reason}; resolve it in PagerDuty`;
        return { ...result, answer: `${result.answer ?? ""}${result.answer ? "; " : ""}${said}` };
      },
    };
  },
});
