// Alerts that cannot go through the outbox: the state store is out of reach. The observer that
// cannot reach it tells its own channels directly, bounded in time; every observer that cannot
// reach it does, each once per outage (the event is said once per change).
import type { Alert } from "../../core/alerts.js";
import { passes } from "../../core/alerts.js";
import type { Runtime } from "../runtime.js";
import { deliver } from "./deliver.js";

const DIRECT_BUDGET_MS = 30_000;

export async function sendDirect(rt: Runtime, alert: Alert): Promise<void> {
  const signal = AbortSignal.timeout(DIRECT_BUDGET_MS);
  const deadline = performance.now() + DIRECT_BUDGET_MS;
  await Promise.all(
    rt.alerts.channels
      .filter((c) => passes(c.filter, alert))
      .map(async ({ channel }) => {
        const result = await deliver(channel, alert, {
          links: rt.alerts.links,
          timing: rt.alerts.timing,
          sleep: rt.alerts.sleep,
          signal,
          deadline,
        });
        if (result.outcome === "accepted" || result.outcome === "skipped")
          rt.log.info(`alerts: ${channel.name} took ${alert.type} directly (${alert.title})`);
        else
          rt.log.warn(
            `alerts: ${channel.name} (${channel.kind}, ${channel.target}) did not take ${alert.type}, sent directly: ${result.reason}`,
          );
      }),
  );
}
