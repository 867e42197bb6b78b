// The generic webhook's body: a versioned JSON event (`type`, `timestamp`, `data`), the same for
// every delivery of one alert. docs/webhooks.md documents it from this code.
import type { Alert } from "../../core/alerts.js";
import { infoOf } from "../../core/alerts.js";
import type { AlertLinks } from "../../ports/alerts.js";
import { links as linksOf } from "../content.js";

/** The body's version: fields may be added within a version, never removed or changed. */
export const WEBHOOK_VERSION = 1;

export interface WebhookBody {
  readonly type: string;
  readonly timestamp: string;
  readonly version: number;
  readonly data: Record<string, unknown>;
}

export function webhookBody(alert: Alert, links: AlertLinks): WebhookBody {
  const urls = linksOf(alert, links);
  return {
    type: alert.type,
    timestamp: new Date(alert.at).toISOString(),
    version: WEBHOOK_VERSION,
    data: {
      key: alert.key,
      ...(alert.event === undefined ? {} : { event: alert.event }),
      // A type renamed to its event's name keeps its former name readable for one release.
      ...(infoOf(alert.type)?.formerly ? { formerType: infoOf(alert.type)!.formerly } : {}),
      subject: alert.subject,
      severity: alert.severity,
      title: alert.title,
      summary: alert.summary,
      ...(alert.action ? { action: alert.action } : {}),
      ...(alert.group ? { group: alert.group } : {}),
      ...(alert.region ? { region: alert.region } : {}),
      ...(alert.incident ? { incident: alert.incident } : {}),
      observer: alert.observer,
      ...(alert.epoch === undefined ? {} : { epoch: alert.epoch }),
      ...(alert.regions ? { regions: alert.regions } : {}),
      ...(alert.steps
        ? {
            steps: alert.steps.map((s) => ({ ...s, at: new Date(s.at).toISOString() })),
          }
        : {}),
      ...(alert.stepsOmitted ? { stepsOmitted: alert.stepsOmitted } : {}),
      ...(alert.resolves
        ? {
            resolves: {
              ...alert.resolves,
              ...(alert.resolves.at === undefined
                ? {}
                : { at: new Date(alert.resolves.at).toISOString() }),
            },
          }
        : {}),
      ...(alert.reminder ? { reminder: alert.reminder } : {}),
      ...(alert.details ? { details: alert.details } : {}),
      ...(urls.length > 0
        ? {
            links: Object.fromEntries(
              urls.map((u) => [u.title === "Status page" ? "status" : "incident", u.url]),
            ),
          }
        : {}),
    },
  };
}
