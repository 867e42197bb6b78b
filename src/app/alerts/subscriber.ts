// The alerts subscriber: turns the events that no conditional write of the runbook causes (the
// failover cap, commands, pauses, stale observers, the lease, certificates) into outbox rows, by
// key, so that every observer that hears one writes the same row. The store's reachability goes
// to the channels directly. Alerts of incidents and kept verdicts are written with the change
// itself (runbook-tick.ts, orchestrate-tick.ts), and those of channels by the sender before it
// publishes their events (channel-state.ts), and a data store's ask or refusal with its incident,
// each derived from its event: not here.
import { boundForStorage } from "../../core/alerts.js";
import { eventAlert } from "../../core/event-alerts.js";
import type { NamedSubscriber } from "../../ports/events.js";
import type { Runtime } from "../runtime.js";
import { sendDirect } from "./direct.js";
import { wanted } from "./setup.js";

export function alertSubscriber(rt: Runtime): NamedSubscriber {
  return {
    name: "alerts",
    fn: (event) => {
      if (event.type === "channel.disabled" || event.type === "channel.enabled") return;
      // Written with the incident that records them (runbook-tick.ts).
      if (event.type.startsWith("data.")) return;
      const alert = eventAlert(event);
      if (!alert || !wanted(rt.alerts, alert)) return;
      if (alert.type === "store.unreachable" || alert.type === "store.reachable")
        return sendDirect(rt, alert);
      rt.memory.alerts.dirty = true;
      return rt.store.enqueueAlerts([boundForStorage(alert)], {
        abortSignal: AbortSignal.timeout(10_000),
      });
    },
  };
}
