// A PagerDuty channel: an Events API v2 event per alert, none for the types PagerDuty is not
// told of. A test alert leaves no incident open: what it triggered is resolved at once.
import type { AlertChannel } from "../../ports/alerts.js";
import { postingChannel } from "../posting.js";
import { ChannelSettingsError } from "../types.js";
import { checkedUrl } from "../url.js";
import { pagerDutyEvent } from "./event.js";
import type { PagerDutySettings } from "./index.js";
import { PAGERDUTY_EVENTS_URL } from "./index.js";

export function pagerDutyChannel(
  settings: PagerDutySettings,
  secret: (ref: string) => string,
): AlertChannel {
  const routingKey = secret(settings.routingKey).trim();
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(routingKey))
    throw new ChannelSettingsError(
      "routingKey",
      "does not hold a PagerDuty integration key (letters and digits, 32 characters)",
    );
  const url = checkedUrl(settings.url ?? PAGERDUTY_EVENTS_URL, "url");
  const channel = postingChannel({
    settings,
    url,
    label: "PagerDuty",
    identity: [url, routingKey],
    secrets: [routingKey],
    body: (alert, links) => pagerDutyEvent(alert, routingKey, links),
  });
  return {
    ...channel,
    send: async (alert, context) => {
      const result = await channel.send(alert, context);
      if (alert.type !== "alert.test" || result.outcome !== "accepted") return result;
      const event = pagerDutyEvent(alert, routingKey, context.links)!;
      const resolved = await channel.post(
        { routing_key: routingKey, event_action: "resolve", dedup_key: event.dedup_key },
        context,
      );
      const said =
        resolved.outcome === "accepted"
          ? `resolved at once (${resolved.status})`
          : `NOT resolved: ${resolved.reason}; resolve it in PagerDuty`;
      return { ...result, answer: `${result.answer ?? ""}${result.answer ? "; " : ""}${said}` };
    },
  };
}
