// PagerDuty through the Events API v2. The routing (integration) key is the secret; the endpoint
// is PagerDuty's (or its EU service region's). 202 means accepted; 400 is a bad event (not
// retried); 429 and 5xx are retried. The sender (channel.ts) loads when a PagerDuty channel is
// built.
import * as z from "zod";
import { httpsUrl, secretRef } from "../../config/fields.js";
import { channelSchema } from "../schema.js";
import type { ChannelKind } from "../types.js";

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export type PagerDutySettings = {
  kind: "pagerduty";
  name: string;
  routingKey: string;
  url?: string;
};

export const pagerDuty = {
  kind: "pagerduty",
  title: "PagerDuty (Events API v2)",
  schema: channelSchema(
    "pagerduty",
    {
      kind: "PagerDuty Events API v2.",
      settings: "PagerDuty Events API v2: trigger and resolve with one dedup_key.",
    },
    {
      routingKey: secretRef.describe(
        "Secret reference to the integration (routing) key of the PagerDuty service.",
      ),
      url: z
        .union([httpsUrl, z.string().regex(/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//)])
        .optional()
        .describe(
          `Events API endpoint; ${PAGERDUTY_EVENTS_URL} by default (https://events.eu.pagerduty.com/v2/enqueue for the EU service region).`,
        ),
    },
  ),
  create: async (settings, secret) =>
    (await import("./channel.js")).pagerDutyChannel(settings, secret),
  receiver: new URL("./receiver.js", import.meta.url).href,
} satisfies ChannelKind<PagerDutySettings>;
