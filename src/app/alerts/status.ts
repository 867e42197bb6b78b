// Each alert channel as GET /api/status and the status page show it: where it sends (scheme and
// host only), whether it is enabled, its last delivery and failure, and what waits for it.
import { passes } from "../../core/alerts.js";
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
  return rt.alerts.channels.map(({ channel, filter }) => {
    const r = records[channel.name];
    const disabled =
      r?.disabled && r.disabled.fingerprint === channel.fingerprint ? r.disabled : undefined;
    const pending = rows.filter((s) => {
      const d = s.row.deliveries[channel.name];
      return d ? d.state === "pending" : passes(filter, s.row.alert);
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
    };
  });
}
