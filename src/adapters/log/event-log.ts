// Prints the events a person running Tandem wants in the log: verdict changes, incidents, lever
// changes, refusals, commands, the lease, stale observers, the store, certificates, channels.
// Probe outcomes are left to telemetry (one per target per tick is too many for a log), and so are
// a fenced step's intent and outcome (the audit log has them; a refusal the fence logs itself), and
// a command's intent (its outcome follows). Where a command came from is the audit's alone.
import { disabledSummary } from "../../core/channel-alerts.js";
import type { TandemEvent } from "../../core/events.js";
import type { Log } from "../../ports/log.js";
import type { NamedSubscriber } from "../../ports/events.js";

/** One line for an event, and how loud; undefined for events a log does not show. */
export function logLine(e: TandemEvent): { level: keyof Log; text: string } | undefined {
  switch (e.type) {
    case "probe.outcome":
      return undefined;
    case "verdict.changed":
      return {
        level: "info",
        text: `${e.group}/${e.region}: ${e.from ?? "(start)"} -> ${e.to} (${e.reason})`,
      };
    case "split-view":
      return { level: "warn", text: `${e.group}/${e.region}: split view, no action: ${e.reason}` };
    case "region.unconfirmed":
      return {
        level: "warn",
        text: `${e.group}/${e.region}: failing as seen from inside, and no outside observer can confirm it: ${e.reason}`,
      };
    case "region.confirmable":
      return { level: "info", text: `${e.group}/${e.region}: an outside observer sees it again` };
    // The fence logs a refusal itself, before its record is tried (the store may be what
    // refused it); the lever's change is logged from its own event.
    case "action.started":
    case "action.done":
    case "action.failed":
    case "action.refused":
      return undefined;
    case "incident.opened":
    case "incident.step":
    case "incident.closed":
      return {
        level: e.step === "failed" ? "error" : "info",
        text: `${e.group}: incident ${e.incident} (${e.kind}) ${e.step}: ${e.note}`,
      };
    case "lever.changed":
      return e.outcome === "done"
        ? { level: "info", text: `${e.group}: ${e.change}: done` }
        : { level: "warn", text: `${e.group}: ${e.change} ${e.outcome}: ${e.error ?? ""}` };
    case "automation.refused":
      return { level: "warn", text: `${e.group}: refused by rule ${e.rule}: ${e.reason}` };
    case "data.failover-asked":
      return {
        level: "info",
        text: `${e.group}: incident ${e.incident} asked data store ${e.store} to make ${e.region} its primary (${e.mode})`,
      };
    case "data.refused":
      return {
        level: "error",
        text: `${e.group}: incident ${e.incident} did not move data store ${e.store} to ${e.region}: ${e.reason}`,
      };
    case "data.stranded":
      return {
        level: "error",
        text: `${e.group}: incident ${e.incident} ended after asking data store ${e.store} to move to ${e.region}: ${e.reason}`,
      };
    case "command.accepted":
      return {
        level: "info",
        text: `${e.by}: ${e.command}${e.group ? ` ${e.group}` : ""}${e.dryRun ? " (dry run)" : ""} accepted${e.incident ? ` as incident ${e.incident}` : ""}: ${e.reason}`,
      };
    case "command.started":
      return undefined;
    case "command.failed":
      return {
        level: "warn",
        text: `${e.by}: ${e.command}${e.group ? ` ${e.group}` : ""} failed: ${e.reason}`,
      };
    case "command.refused":
      return {
        level: "warn",
        text: `${e.by}: ${e.command}${e.group ? ` ${e.group}` : ""} refused (${e.status}${e.rule ? `, rule ${e.rule}` : ""}): ${e.reason}`,
      };
    case "automation.paused":
    case "automation.resumed":
      return {
        level: "info",
        text: `${e.by}: automation ${e.type === "automation.paused" ? "paused" : "resumed"} for ${e.group ?? "all groups"}: ${e.reason}`,
      };
    case "lease.acquired":
      return { level: "info", text: `lease: ${e.holder} holds epoch ${e.epoch} and acts` };
    case "lease.lost":
      return {
        level: "warn",
        text: `lease: ${e.holder} no longer acts (epoch ${e.epoch}): ${e.reason}`,
      };
    case "observer.stale":
      return {
        level: "warn",
        text: `observer ${e.peer} is stale: its heartbeat has stopped changing${e.heartbeat ? ` (last tick ${e.heartbeat})` : ""}`,
      };
    case "observer.live":
      return { level: "info", text: `observer ${e.peer} is live again` };
    case "store.unreachable":
      return { level: "error", text: `state store unreachable: ${e.message}` };
    case "store.reachable":
      return { level: "info", text: "state store reachable again" };
    case "certificate.expiring":
      return { level: "warn", text: `${e.group}/${e.target}: ${e.message}` };
    case "channel.disabled":
      return { level: "error", text: `alerts: ${disabledSummary(e, e.reason)}` };
    case "channel.enabled":
      return { level: "info", text: `alerts: ${e.channel} is enabled again: ${e.reason}` };
    case "channel.undelivered":
      return {
        level: "error",
        text: `alerts: gave ${e.alert} [${e.key}] up on ${e.channel} (${e.kind}, ${e.target}): not taken within ${Math.round(e.windowMs / 60_000)} min (${e.reason})`,
      };
    case "channel.delivering":
      return {
        level: "info",
        text: `alerts: ${e.channel} delivers again (${e.givenUp} alert(s) given up on it in all)`,
      };
    case "readiness.lost":
      return { level: "warn", text: `${e.group}: failover readiness lost: ${e.summary}` };
    case "readiness.regained":
      return { level: "info", text: `${e.group}: failover readiness regained` };
  }
}

/** A subscriber that writes events to a Log. */
export function eventLog(log: Log): NamedSubscriber {
  return {
    name: "log",
    fn: (event) => {
      const line = logLine(event);
      if (line) log[line.level](line.text);
    },
  };
}
