// An alert as a PagerDuty Events API v2 event: `trigger` when something opens (a region down, an
// incident, a stale observer...), `resolve` with the same dedup_key when it ends. A failed
// incident triggers again under its key (it needs a person), and steps, reminders, pre-warms and
// informational alerts are not sent: PagerDuty pages, and re-notifies by its own rules.
import type { Alert } from "../../core/alerts.js";
import type { AlertLinks } from "../../ports/alerts.js";
import { clock, content, cut, links as linksOf } from "../content.js";

const NOT_SENT = new Set<string>([
  // A pre-warm on suspicion pages nobody; and a trigger under the incident's key would make the
  // failover's start, when it is confirmed, a duplicate of it (PagerDuty keeps the first urgency).
  "failover.prewarming",
  "failover.step",
  "failback.step",
  "reminder",
  "lease.acquired",
  "command.accepted",
]);

interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: "trigger" | "resolve";
  readonly dedup_key: string;
  readonly payload?: Record<string, unknown>;
  readonly client?: string;
  readonly client_url?: string;
  readonly links?: readonly { href: string; text: string }[];
}

/** The dedup key an alert and the alert that resolves it share. */
export const dedupKey = (alert: Alert) =>
  cut(`tandem:${alert.type === "alert.test" ? `test:${alert.key}` : alert.subject}`, 255);

/** The event for an alert, or undefined when PagerDuty is not told about this kind of alert. */
export function pagerDutyEvent(
  alert: Alert,
  routingKey: string,
  links: AlertLinks,
): PagerDutyEvent | undefined {
  if (NOT_SENT.has(alert.type) || alert.reminder) return undefined;
  const dedup_key = dedupKey(alert);
  if (alert.resolves) return { routing_key: routingKey, event_action: "resolve", dedup_key };
  const c = content(alert, links, { text: 1000, steps: 20, regions: 20 });
  const urls = linksOf(alert, links);
  return {
    routing_key: routingKey,
    event_action: "trigger",
    dedup_key,
    payload: {
      summary: cut(alert.title, 1024),
      source: `tandem/${alert.observer}`,
      severity: alert.severity,
      timestamp: new Date(alert.at).toISOString(),
      ...(alert.region ? { component: alert.region } : {}),
      ...(alert.group ? { group: alert.group } : {}),
      class: alert.type,
      custom_details: {
        summary: c.summary,
        ...(c.action ? { action: c.action } : {}),
        ...(c.regions.length > 0
          ? { regions: Object.fromEntries(c.regions.map((r) => [r.name, r.text])) }
          : {}),
        ...(c.steps.length > 0 ? { steps: c.steps.map((s) => `${s.time} ${s.text}`) } : {}),
        ...(alert.incident ? { incident: alert.incident } : {}),
        ...(alert.epoch === undefined ? {} : { epoch: alert.epoch }),
        ...alert.details,
        ...(c.trimmed ? { note: c.trimmed } : {}),
        at: clock(alert.at),
      },
    },
    client: "Tandem",
    ...(urls[0] ? { client_url: urls[0].url } : {}),
    ...(urls.length > 0 ? { links: urls.map((u) => ({ href: u.url, text: u.title })) } : {}),
  };
}
