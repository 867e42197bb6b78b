// Each channel's record as the holder keeps it while it delivers (counts, last delivery and
// failure, give-ups, disabled), written to the store for GET /api/status, and what is told on the
// other channels when a channel is disabled, enabled again, gives an alert up, or delivers again.
// A channel's lane owns its record while it runs; the dispatch refreshes the others from the store.
import type { Alert, AlertOrigin } from "../../core/alerts.js";
import { severityRank } from "../../core/alerts.js";
import type { ChannelRef } from "../../core/channel-alerts.js";
import { channelDelivering, channelUndelivered } from "../../core/channel-alerts.js";
import { errorText } from "../../core/errors.js";
import { eventAlert } from "../../core/event-alerts.js";
import type { AlertChannel, SendResult } from "../../ports/alerts.js";
import type { ChannelRecord } from "../../ports/state-store.js";
import type { Runtime } from "../runtime.js";
import { emit, publish, stamp } from "../emit.js";
import { record, recordEvent } from "../event-audit.js";
import { MARK_TIMEOUT_MS } from "./outbox-rows.js";
import { wanted } from "./setup.js";

const EMPTY: ChannelRecord = { delivered: 0, failed: 0, failing: 0 };

export const refOf = (c: AlertChannel): ChannelRef => ({
  name: c.name,
  kind: c.kind,
  target: c.target,
});

const call = () => ({ abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS) });

export const recordOf = (rt: Runtime, name: string): ChannelRecord =>
  rt.memory.alerts.records[name] ?? EMPTY;

function update(rt: Runtime, name: string, change: (r: ChannelRecord) => ChannelRecord): void {
  rt.memory.alerts.records[name] = change(recordOf(rt, name));
}

/** Writes a channel's record as this process keeps it; a failure is logged, never thrown. */
export async function saveRecord(rt: Runtime, name: string): Promise<void> {
  try {
    await rt.store.writeAlertChannel(name, recordOf(rt, name), call());
  } catch (error) {
    rt.log.warn(`alerts: could not record ${name}'s deliveries: ${errorText(error)}`);
  }
}

/** Enqueues alerts about channels, if any channel wants them; true when written (or unwanted). */
async function tell(rt: Runtime, alert: Alert): Promise<boolean> {
  if (!wanted(rt.alerts, alert)) return true;
  try {
    await rt.store.enqueueAlerts([alert], call());
    rt.memory.alerts.dirty = true;
    return true;
  } catch (error) {
    rt.log.warn(`alerts: could not write "${alert.title}": ${errorText(error)}`);
    return false;
  }
}

/** An attempt's outcome in the channel's counts (not yet written). */
export function countAttempt(rt: Runtime, name: string, alert: Alert, result: SendResult): void {
  const at = rt.clock.now();
  update(rt, name, (r) => {
    if (result.outcome === "skipped") return r;
    if (result.outcome === "accepted")
      return {
        ...r,
        delivered: r.delivered + 1,
        failing: 0,
        lastDelivery: { at, type: alert.type, status: result.status },
      };
    return {
      ...r,
      failed: r.failed + 1,
      failing: r.failing + 1,
      lastFailure: { at, type: alert.type, reason: result.reason },
    };
  });
}

/**
 * The channel took an alert: if it had given alerts up, that ends, and is told (resolving what
 * told of the give-ups).
 */
export async function delivering(rt: Runtime, channel: AlertChannel, from: AlertOrigin) {
  const r = recordOf(rt, channel.name);
  if (!r.undelivered) return;
  const { since, severity } = r.undelivered;
  const givenUp = r.givenUp ?? 0;
  const event = stamp(
    rt,
    operationOf(rt),
    { type: "channel.delivering", ...bodyOf(channel), since, givenUp },
    from.epoch,
  );
  const alert = channelDelivering(refOf(channel), since, severity, givenUp, from);
  // Said once its alert is written: otherwise it is said at the channel's next delivery.
  if (!(await tell(rt, { ...alert, event: event.id }))) return;
  publish(rt, event);
  update(rt, channel.name, ({ undelivered: _, ...rest }) => rest);
  await saveRecord(rt, channel.name);
}

/**
 * An alert was given up on a channel: counted, shown on the status, and told on the other
 * channels, once per streak (until the channel delivers again) and again for a more severe one.
 */
export async function gaveUp(
  rt: Runtime,
  channel: AlertChannel,
  alert: Alert,
  reason: string,
  windowMs: number,
  from: AlertOrigin,
): Promise<void> {
  const at = rt.clock.now();
  update(rt, channel.name, (r) => ({
    ...r,
    givenUp: (r.givenUp ?? 0) + 1,
    lastGiveUp: { at, type: alert.type, title: alert.title, reason },
  }));
  const said = recordOf(rt, channel.name).undelivered;
  const since = said?.since ?? at;
  const event = emit(
    rt,
    operationOf(rt),
    {
      type: "channel.undelivered",
      ...bodyOf(channel),
      alert: alert.type,
      key: alert.key,
      reason,
      windowMs,
      since,
    },
    from.epoch,
  );
  const told = {
    ...channelUndelivered(refOf(channel), { alert, reason, windowMs }, since, from),
    event: event.id,
  };
  const more = said === undefined || severityRank(told.severity) > severityRank(said.severity);
  if (more && (await tell(rt, told)))
    update(rt, channel.name, (r) => ({
      ...r,
      undelivered: { since, severity: told.severity },
    }));
  await saveRecord(rt, channel.name);
}

/** The operation of what the sender does outside any tick: its events belong to it. */
const operationOf = (rt: Runtime) => `${rt.instance}:alerts`;

/**
 * A receiver that answered 404 or 410: the channel is disabled, and a `channel.disabled` event
 * says so; its audit row and its alert (told on the other channels) are derived from the event and
 * written first, the log line by the log's subscriber.
 */
export async function disable(
  rt: Runtime,
  channel: AlertChannel,
  reason: string,
  epoch: number,
): Promise<void> {
  const event = stamp(
    rt,
    operationOf(rt),
    { type: "channel.disabled", ...bodyOf(channel), reason },
    epoch,
  );
  update(rt, channel.name, (r) => ({
    ...r,
    disabled: { at: event.at, reason, fingerprint: channel.fingerprint },
  }));
  await saveRecord(rt, channel.name);
  await record(rt, event);
  await tell(rt, eventAlert(event)!);
}

/**
 * A disabled channel is enabled again (its URL changed, or its test passed): its record loses the
 * flag, and every channel is told, itself too (resolving "disabled"). The holder audits it under
 * its epoch (derived from the event); a test is audited by the API.
 */
export async function enable(
  rt: Runtime,
  channel: AlertChannel,
  record: ChannelRecord & { readonly disabled: NonNullable<ChannelRecord["disabled"]> },
  why: string,
  epoch?: number,
): Promise<void> {
  const { disabled, ...rest } = record;
  rt.memory.alerts.records[channel.name] = rest;
  await rt.store.writeAlertChannel(channel.name, rest, call());
  const { event } = await recordEvent(
    rt,
    operationOf(rt),
    { type: "channel.enabled", ...bodyOf(channel), reason: why, disabledAt: disabled.at },
    epoch,
  );
  await tell(rt, eventAlert(event)!);
}

const bodyOf = (c: AlertChannel) => ({ channel: c.name, kind: c.kind, target: c.target });
