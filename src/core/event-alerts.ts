// Alerts for the events that are not tied to a conditional write of the runbook (those are derived
// in alerts.ts and written with the change): the failover cap, commands, pauses, stale observers,
// the lease, certificates, the store, channels disabled and enabled. Each key is built from what
// every process that hears the event sees alike (a request id, a heartbeat's tick, an epoch), so
// two observers that both notice a stale peer write one outbox row. Each alert carries the id of
// its event (ADR 26).
import type { Alert, Severity } from "./alerts.js";
import { channelDisabled, channelEnabled } from "./channel-alerts.js";
import type { EventOf, EventType, TandemEvent } from "./events.js";

/** Days at which a certificate warning is said again (below the configured warning days). */
const CERTIFICATE_MARKS = [0, 1, 3, 7] as const;

function certificateMark(daysLeft: number): string {
  const mark = CERTIFICATE_MARKS.find((m) => daysLeft <= m);
  return mark === undefined ? "warning" : String(mark);
}

const certificateSeverity = (daysLeft: number): Severity =>
  daysLeft <= 1 ? "critical" : daysLeft <= 3 ? "error" : "warning";

/** What every alert of an event carries: who saw it, when, in which epoch, and the event's id. */
type AlertBase = Pick<Alert, "observer" | "at" | "epoch" | "event">;

/** The alert an event of type `T` calls for, if any. */
type Builder<T extends EventType> = (e: EventOf<T>, base: AlertBase) => Alert | undefined;

/** The alert an event calls for, if any. */
export function eventAlert(e: TandemEvent): Alert | undefined {
  return alertOf(e);
}

function alertOf<T extends EventType>(e: EventOf<T>): Alert | undefined {
  const build: Builder<T> | undefined = BUILDERS[e.type];
  return build?.(e, {
    observer: e.observer,
    at: e.at,
    ...(e.epoch === undefined ? {} : { epoch: e.epoch }),
    event: e.id,
  });
}

const failoverCapReached: Builder<"automation.refused"> = (e, base) => {
  if (e.rule !== "failover-cap") return undefined;
  return {
    ...base,
    key: `cap:${e.group}|reached|${e.anchor ?? e.epoch ?? e.at}`,
    type: "failover.cap-reached",
    severity: "error",
    subject: `cap:${e.group}`,
    group: e.group,
    title: `${e.group}: automatic failover held back (failover cap reached)`,
    summary: e.reason,
    action:
      "Tandem will not fail over automatically until the window has passed. A person may fail over with `tandem failover`.",
    details: { rule: e.rule },
  };
};

/**
 * One store's data alert per incident and kind (and per ask: one refused for sure is asked again):
 * every holder that derives it writes one row.
 */
const dataHead = (
  e: EventOf<"data.failover-asked" | "data.refused" | "data.stranded">,
  base: AlertBase,
) => ({
  ...base,
  key: `data:${e.group}|${e.incident}|${e.store}|${e.type}${"askedAt" in e && e.askedAt !== undefined ? `|${e.askedAt}` : ""}`,
  type: e.type,
  // One subject per store and kind: a page (refused, stranded) is not folded into the warning
  // asked before it (PagerDuty dedups by subject, and keeps the first alert's urgency).
  subject: `data:${e.group}|${e.incident}|${e.store}|${e.type}`,
  group: e.group,
  incident: e.incident,
  details: { store: e.store, to: e.region },
});

const dataAsked: Builder<"data.failover-asked"> = (e, base) => ({
  ...dataHead(e, base),
  severity: e.mode === "forced" ? "critical" : "warning",
  title: `${e.group}: data store ${e.store} asked to make ${e.region} its primary (${e.mode})`,
  summary:
    e.mode === "forced"
      ? `A forced failover: writes not yet replicated to ${e.region} are lost (the store allows data loss, and its primary cannot be reached).`
      : `A planned failover: no data is lost; writes pause briefly while the roles switch.`,
  action: "Tandem waits until Azure reports the new primary, then goes on with the incident.",
});

const dataRefused: Builder<"data.refused"> = (e, base) => ({
  ...dataHead(e, base),
  severity: "critical",
  title: `${e.group}: data store ${e.store} was not moved to ${e.region}`,
  summary: e.reason,
  action:
    "A person decides: move the store by hand (the command is in the summary) once it is safe, or leave it where it is. Traffic went as the group's dataPolicy.onDataFailure says (docs/data.md).",
});

const dataStranded: Builder<"data.stranded"> = (e, base) => ({
  ...dataHead(e, base),
  severity: "critical",
  title: `${e.group}: data store ${e.store} was asked to move to ${e.region}, and the incident ended without completing`,
  summary: e.reason,
  action:
    "A person decides: see where the store's primary and the traffic are, and move the store back by hand (the command is in the summary) once it is safe, or move the traffic to it.",
});

/** What both command alerts start with: one alert per request, outcome and group. */
function commandHead(
  e: EventOf<"command.accepted" | "command.refused">,
  base: AlertBase,
  severity: Severity,
) {
  const outcome = e.type === "command.accepted" ? "accepted" : "refused";
  return {
    ...base,
    key: `command:${e.operation}|${outcome}|${e.group ?? "all"}`,
    type: e.type,
    severity,
    subject: `command:${e.operation}`,
    ...(e.group ? { group: e.group } : {}),
  };
}

const commandAccepted: Builder<"command.accepted"> = (e, base) => {
  // Pauses have their own alerts; dry runs and drills change nothing.
  if (e.dryRun || (e.command !== "failover" && e.command !== "failback")) return undefined;
  return {
    ...commandHead(e, base, "info"),
    ...(e.incident ? { incident: e.incident } : {}),
    title: `${e.group ?? "all groups"}: ${e.command} by ${e.by} accepted`,
    summary: `Reason given: ${e.reason}`,
    action: e.incident ? `The lease holder carries it out as incident ${e.incident}.` : "Done.",
    details: { command: e.command, by: e.by },
  };
};

const commandRefused: Builder<"command.refused"> = (e, base) => {
  if (!e.rule) return undefined;
  return {
    ...commandHead(e, base, "warning"),
    title: `${e.group ?? "all groups"}: ${e.command} by ${e.by} refused (${e.rule})`,
    summary: e.reason,
    action: "Nothing was changed.",
    details: { command: e.command, by: e.by, rule: e.rule, status: e.status },
  };
};

const automationPaused: Builder<"automation.paused" | "automation.resumed"> = (e, base) => {
  const paused = e.type === "automation.paused";
  const scope = e.group ?? "all groups";
  return {
    ...base,
    key: `automation:${e.group ?? "*"}|${paused ? "paused" : "resumed"}|${e.operation}`,
    type: e.type,
    severity: paused ? "warning" : "info",
    subject: `automation:${e.group ?? "*"}`,
    ...(e.group ? { group: e.group } : {}),
    title: `${scope}: automation ${paused ? "paused" : "resumed"} by ${e.by}`,
    summary: `Reason given: ${e.reason}`,
    action: paused
      ? "Tandem keeps watching and alerting but fails over only on a person's command."
      : "Tandem fails over automatically again.",
    ...(paused
      ? {}
      : {
          resolves: {
            type: "automation.paused" as const,
            title: `${scope}: automation paused`,
            severity: "warning" as const,
          },
        }),
    details: { by: e.by },
  };
};

const observerStale: Builder<"observer.stale" | "observer.live"> = (e, base) => {
  const stale = e.type === "observer.stale";
  const anchor = e.heartbeat ?? String(e.at);
  return {
    ...base,
    key: `observer:${e.peer}|${stale ? "stale" : "live"}|${anchor}`,
    type: e.type,
    severity: stale ? "error" : "info",
    subject: `observer:${e.peer}`,
    title: stale
      ? `Observer ${e.peer} is stale: its heartbeat stopped`
      : `Observer ${e.peer} is live again`,
    summary: stale
      ? `${e.observer} has seen no new heartbeat from ${e.peer} for the staleness bound${e.heartbeat ? ` (last tick ${e.heartbeat})` : ""}. Its observations no longer count.`
      : `${e.observer} sees ${e.peer}'s heartbeat move again.`,
    action: stale
      ? `Check ${e.peer}'s Function App. The other observers keep agreeing without it.`
      : "Its observations count again.",
    ...(stale
      ? {}
      : {
          resolves: {
            type: "observer.stale" as const,
            title: `Observer ${e.peer} is stale: its heartbeat stopped`,
            severity: "error" as const,
          },
        }),
    details: { peer: e.peer },
  };
};

const storeReach: Builder<"store.unreachable" | "store.reachable"> = (e, base) => {
  const down = e.type === "store.unreachable";
  return {
    ...base,
    key: `store:${e.observer}|${down ? "unreachable" : "reachable"}|${e.at}`,
    type: e.type,
    severity: down ? "critical" : "info",
    subject: `store:${e.observer}`,
    title: down
      ? `Observer ${e.observer} cannot reach the state store`
      : `Observer ${e.observer} reaches the state store again`,
    summary: down ? e.message : "Its store calls succeed again.",
    action: down
      ? "No observer acts without the store: Traffic Manager and Front Door keep probing on their own. Check the storage account and the network path to it."
      : "Tandem agrees and acts again.",
    ...(down
      ? {}
      : {
          resolves: {
            type: "store.unreachable" as const,
            title: `Observer ${e.observer} cannot reach the state store`,
            severity: "critical" as const,
          },
        }),
  };
};

const leaseAcquired: Builder<"lease.acquired"> = (e, base) => ({
  ...base,
  key: `lease|${e.epoch}`,
  type: "lease.acquired",
  severity: "info",
  subject: "lease",
  title: `Lease holder is now ${e.holder} (epoch ${e.epoch})`,
  summary: e.previous
    ? `${e.holder} took the lease over from ${e.previous}.`
    : `${e.holder} holds the lease and acts for every group.`,
  details: { holder: e.holder, epoch: e.epoch },
});

const certificateExpiring: Builder<"certificate.expiring"> = (e, base) => {
  const mark = certificateMark(e.daysLeft);
  return {
    ...base,
    key: `certificate:${e.group}/${e.target}|${mark}`,
    type: "certificate.expiring",
    severity: certificateSeverity(e.daysLeft),
    subject: `certificate:${e.group}/${e.target}`,
    group: e.group,
    ...(e.target.startsWith("_") ? {} : { region: e.target }),
    title: `${e.group}/${e.target}: certificate expires in ${e.daysLeft} day(s)`,
    summary: e.message,
    action: "Renew the certificate before it expires: probes fail once it has.",
    details: { daysLeft: e.daysLeft },
  };
};

const readiness: Builder<"readiness.lost" | "readiness.regained"> = (e, base) => {
  const lost = e.type === "readiness.lost";
  const title = `${e.group}: failover readiness lost`;
  return {
    ...base,
    key: `readiness:${e.group}|${lost ? "lost" : "regained"}|${e.since}`,
    type: e.type,
    severity: lost ? "warning" : "info",
    subject: `readiness:${e.group}`,
    group: e.group,
    title: lost ? title : `${e.group}: failover readiness regained`,
    summary: e.summary,
    action: lost
      ? "A failover now may not work. `tandem readiness GROUP` lists each check, its evidence and the fix (docs/readiness.md)."
      : "Every readiness check passes.",
    ...(lost
      ? {}
      : { resolves: { type: "readiness.lost" as const, title, severity: "warning" as const } }),
    details: { checks: e.checks.join(", ") },
  };
};

/**
 * Each event type's alert here, or undefined where it calls for none here (verdicts and incident
 * steps are derived in alerts.ts, with their write). Every type is named: a new event type fails
 * the compiler until it is placed.
 */
const BUILDERS: { readonly [T in EventType]: Builder<T> | undefined } = {
  "probe.outcome": undefined,
  "verdict.changed": undefined,
  "split-view": undefined,
  "region.unconfirmed": undefined,
  "region.confirmable": undefined,
  "incident.opened": undefined,
  "incident.step": undefined,
  "incident.closed": undefined,
  "action.started": undefined,
  "action.done": undefined,
  "action.failed": undefined,
  "action.refused": undefined,
  "lever.changed": undefined,
  "data.failover-asked": dataAsked,
  "data.refused": dataRefused,
  "data.stranded": dataStranded,
  "automation.refused": failoverCapReached,
  "command.started": undefined,
  "command.accepted": commandAccepted,
  "command.refused": commandRefused,
  "command.failed": undefined,
  "automation.paused": automationPaused,
  "automation.resumed": automationPaused,
  "lease.acquired": leaseAcquired,
  "lease.lost": undefined,
  "observer.stale": observerStale,
  "observer.live": observerStale,
  "channel.disabled": (e) => channelDisabled(e),
  "channel.enabled": (e) => channelEnabled(e),
  "channel.undelivered": undefined,
  "channel.delivering": undefined,
  "store.unreachable": storeReach,
  "store.reachable": storeReach,
  "certificate.expiring": certificateExpiring,
  "readiness.lost": readiness,
  "readiness.regained": readiness,
};
