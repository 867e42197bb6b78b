// Each alert channel as GET /api/status and the status page show it: where it sends (scheme and
// host only), whether it is enabled, its last delivery and failure, what waits for it, and what
// was given up on it.
import { isFor } from "./setup.js";
import type { StoreCallOptions } from "../../ports/state-store.js";
import type { Runtime } from "../runtime.js";

export interface ChannelStatus {
  readonly name: string;
  readonly kind: string;
  /** scheme://host of the receiver. */
  readonly target: string;
  readonly state: "enabled" | "disabled";
  readonly disabled?: { readonly at: string; readonly reason: string };
  readonly lastDelivery?: { readonly at: string; readonly type: string; readonly status?: number };
  readonly lastFailure?: { readonly at: string; readonly type: string; readonly reason: string };
  readonly delivered: number;
  readonly failed: number;
  /** Failed attempts since the last delivery. */
  readonly failing: number;
  /** Alerts in the outbox not yet delivered to it. */
  readonly pending: number;
  /** Alerts given up on it: not taken within their delivery window (each told elsewhere). */
  readonly givenUp: number;
  readonly lastGiveUp?: {
    readonly at: string;
    readonly type: string;
    readonly title: string;
    readonly reason: string;
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function readAlertStatus(
  rt: Runtime,
  call: StoreCallOptions = {},
): Promise<ChannelStatus[]> {
  if (rt.alerts.channels.length === 0) return [];
  const [records, rows] = await Promise.all([
    rt.store.readAlertChannels(call),
    rt.store.readOutbox(
      rt.config.groups.map((g) => g.name),
      call,
    ),
  ]);
  return rt.alerts.channels.map((configured) => {
    const { channel } = configured;
    const r = records[channel.name];
    const disabled =
      r?.disabled && r.disabled.fingerprint === channel.fingerprint ? r.disabled : undefined;
    const pending = rows.filter((s) => {
      const d = s.row.deliveries[channel.name];
      return d ? d.state === "pending" : isFor(configured, s.row.alert);
    }).length;
    return {
      name: channel.name,
      kind: channel.kind,
      target: channel.target,
      state: disabled ? "disabled" : "enabled",
      ...(disabled ? { disabled: { at: iso(disabled.at), reason: disabled.reason } } : {}),
      ...(r?.lastDelivery
        ? { lastDelivery: { ...r.lastDelivery, at: iso(r.lastDelivery.at) } }
        : {}),
      ...(r?.lastFailure ? { lastFailure: { ...r.lastFailure, at: iso(r.lastFailure.at) } } : {}),
      delivered: r?.delivered ?? 0,
      failed: r?.failed ?? 0,
      failing: r?.failing ?? 0,
      pending,
      givenUp: r?.givenUp ?? 0,
      ...(r?.lastGiveUp ? { lastGiveUp: { ...r.lastGiveUp, at: iso(r.lastGiveUp.at) } } : {}),
    };
  });
}
