// Alerts about the alert channels themselves, told on the other channels: one disabled by its
// receiver (404, 410) and enabled again; alerts given up because a channel did not take them
// within their delivery window, and the channel delivering again. Each pair shares a subject (one
// PagerDuty incident, triggered and resolved), and each key is built from what the sender
// recorded, so that a retried write or a new holder makes no second row.
import type { Alert, AlertOrigin, Severity } from "./alerts.js";
import { duration, severityRank } from "./alerts.js";
import type { EventOf } from "./events.js";

/** The channel an alert is about, as the details of these alerts carry it. */
export interface ChannelRef {
  readonly name: string;
  readonly kind: string;
  /** scheme://host of its receiver. */
  readonly target: string;
}

const base = (from: AlertOrigin) => ({
  observer: from.observer,
  at: from.at,
  ...(from.epoch === undefined ? {} : { epoch: from.epoch }),
});

const disabledTitle = (name: string) => `Alert channel ${name} is disabled`;

/** What is said of a disabled channel: in its alert, its log line and its audit row. */
export const disabledSummary = (
  channel: { readonly channel: string; readonly kind: string; readonly target: string },
  reason: string,
) =>
  `${channel.kind} receiver at ${channel.target} answered ${reason}: Tandem stops sending to ${channel.channel} until its URL changes or \`tandem alerts test ${channel.channel}\` passes`;

/** A channel's event: disabled, or enabled again. */
type ChannelEvent = EventOf<"channel.disabled" | "channel.enabled">;

const refOf = (e: ChannelEvent) => ({
  channel: e.channel,
  kind: e.kind,
  target: e.target,
});

export function channelDisabled(e: ChannelEvent): Alert {
  return {
    ...base(e),
    key: `channel:${e.channel}|disabled|${e.at}`,
    event: e.id,
    type: "channel.disabled",
    severity: "error",
    subject: `channel:${e.channel}`,
    title: disabledTitle(e.channel),
    summary: disabledSummary(e, e.reason),
    action: `Fix the ${e.kind} receiver's URL in its app setting (the channel is enabled again when it changes), or run \`tandem alerts test ${e.channel}\`.`,
    details: refOf(e),
  };
}

/** The channel was enabled again (`reason`: its URL changed, or a test passed). */
export function channelEnabled(e: ChannelEvent): Alert {
  return {
    ...base(e),
    key: `channel:${e.channel}|enabled|${e.disabledAt ?? e.at}`,
    event: e.id,
    type: "channel.enabled",
    severity: "info",
    subject: `channel:${e.channel}`,
    title: `Alert channel ${e.channel} is enabled again`,
    summary: `${e.reason}: Tandem sends to ${e.channel} (${e.kind}, ${e.target}) again. Alerts that were due while it was disabled are not sent again.`,
    resolves: { type: "channel.disabled", title: disabledTitle(e.channel), severity: "error" },
    details: refOf(e),
  };
}

/** What one alert's give-up carries into the alert that tells of it. */
export interface GivenUp {
  readonly alert: Alert;
  /** Why the last attempt failed. */
  readonly reason: string;
  /** How long it was tried. */
  readonly windowMs: number;
}

/** How much an alert matters: a resolving one as much as what it resolves. */
export const weight = (alert: Alert): Severity => alert.resolves?.severity ?? alert.severity;

/**
 * Alerts to a channel were given up: told on the other channels (never on the channel itself),
 * with what the lost alert said, at its severity (a warning at least). Said once per streak and
 * severity: `since` is the streak's first give-up, until the channel delivers again.
 */
export function channelUndelivered(
  channel: ChannelRef,
  lost: GivenUp,
  since: number,
  from: AlertOrigin,
): Alert {
  const severity: Severity = severityRank(weight(lost.alert)) < 2 ? "warning" : weight(lost.alert);
  const a = lost.alert;
  return {
    ...base(from),
    key: `undelivered:${channel.name}|${since}|${severity}`,
    type: "channel.undelivered",
    severity,
    subject: `undelivered:${channel.name}`,
    ...(a.group === undefined ? {} : { group: a.group }),
    ...(a.region === undefined ? {} : { region: a.region }),
    ...(a.incident === undefined ? {} : { incident: a.incident }),
    title: `Alert channel ${channel.name} could not deliver: ${a.title}`,
    summary: `${channel.name} (${channel.kind}, ${channel.target}) did not take "${a.title}" (${a.type}, ${a.severity}) within its ${duration(lost.windowMs)} window: ${lost.reason}. What it said: ${a.summary}`,
    action: `Tandem has given it up on ${channel.name} and keeps trying that channel's later alerts; GET /api/status shows what was given up. Check the ${channel.kind} receiver.`,
    ...(a.regions ? { regions: a.regions } : {}),
    ...(a.steps ? { steps: a.steps } : {}),
    details: {
      channel: channel.name,
      kind: channel.kind,
      target: channel.target,
      lostType: a.type,
      lostKey: a.key,
    },
  };
}

/** The channel took an alert again after give-ups that began at `since`. */
export function channelDelivering(
  channel: ChannelRef,
  since: number,
  severity: Severity,
  givenUp: number,
  from: AlertOrigin,
): Alert {
  return {
    ...base(from),
    key: `undelivered:${channel.name}|${since}|delivering`,
    type: "channel.delivering",
    severity: "info",
    subject: `undelivered:${channel.name}`,
    title: `Alert channel ${channel.name} delivers again`,
    summary: `${channel.name} (${channel.kind}, ${channel.target}) took an alert again. ${givenUp} alert(s) given up on it in all; GET /api/status lists the latest.`,
    resolves: {
      type: "channel.undelivered",
      title: `Alert channel ${channel.name} could not deliver`,
      severity,
    },
    details: { channel: channel.name, kind: channel.kind, target: channel.target },
  };
}

/** Whether an alert is one that must not go to the channel it is about. */
export const aboutItself = (alert: Alert, channel: string) =>
  alert.type === "channel.undelivered" && alert.details?.["channel"] === channel;
