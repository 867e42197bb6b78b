// How the alert outbox is laid out in Table Storage (docs/state-store.md). An alert's row lives in
// the partition of the row whose write causes it, so that one transaction writes both: the
// incident's partition for incident alerts, the kept verdicts' partition for verdict alerts, and
// `alerts` for the rest (and for the channels' records). Row keys start with `alert-`, so reads
// of those partitions' own rows leave them out by key range.
import { createHash } from "node:crypto";
import type { Alert } from "../../../core/alerts.js";
import type { ChannelRecord, Delivery, OutboxRow } from "../../../ports/state-store.js";
import type { Entity } from "./entities.js";

export const ALERTS_PARTITION = "alerts";
export const ALERT_PREFIX = "alert-";
/** The first key after every `alert-` key. */
export const ALERT_END = "alert.";
export const CHANNEL_PREFIX = "channel-";
export const CHANNEL_END = "channel.";

export const alertRowKey = (key: string) =>
  `${ALERT_PREFIX}${createHash("sha256").update(key).digest("hex").slice(0, 40)}`;

const double = (value: number) => ({ value, type: "Double" as const });

export function outboxToEntity(partitionKey: string, row: OutboxRow): Entity {
  return {
    partitionKey,
    rowKey: alertRowKey(row.alert.key),
    key: row.alert.key,
    atMs: double(row.alert.at),
    done: row.done,
    ...(row.doneAt === undefined ? {} : { doneAtMs: double(row.doneAt) }),
    alert: JSON.stringify(row.alert),
    deliveries: JSON.stringify(row.deliveries),
    ...(row.claim ? { claim: JSON.stringify(row.claim) } : {}),
  };
}

const isString = (v: unknown): v is string => typeof v === "string";

function json<T>(raw: unknown, valid: (v: unknown) => v is T): T | undefined {
  if (!isString(raw)) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    return valid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const isAlert = (v: unknown): v is Alert =>
  isObject(v) &&
  isString(v["key"]) &&
  isString(v["type"]) &&
  isString(v["title"]) &&
  isString(v["subject"]) &&
  typeof v["at"] === "number";
const isDeliveries = (v: unknown): v is Record<string, Delivery> =>
  isObject(v) &&
  Object.values(v).every(
    (d) => isObject(d) && isString(d["state"]) && typeof d["attempts"] === "number",
  );
const isClaim = (v: unknown): v is { holder: string; epoch: number } =>
  isObject(v) && isString(v["holder"]) && typeof v["epoch"] === "number";

export function entityToOutbox(row: Record<string, unknown>): OutboxRow | undefined {
  const alert = json(row["alert"], isAlert);
  const deliveries = json(row["deliveries"], isDeliveries);
  if (!alert || !deliveries || typeof row["done"] !== "boolean") return undefined;
  const claim = row["claim"] === undefined ? undefined : json(row["claim"], isClaim);
  const doneAt = row["doneAtMs"];
  return {
    alert,
    deliveries,
    ...(claim ? { claim } : {}),
    done: row["done"],
    ...(typeof doneAt === "number" ? { doneAt } : {}),
  };
}

export function channelToEntity(name: string, record: ChannelRecord): Entity {
  return {
    partitionKey: ALERTS_PARTITION,
    rowKey: `${CHANNEL_PREFIX}${name}`,
    data: JSON.stringify(record),
  };
}

export function entityToChannel(row: Record<string, unknown>): [string, ChannelRecord] | undefined {
  const name = isString(row["rowKey"]) ? row["rowKey"].slice(CHANNEL_PREFIX.length) : undefined;
  const record = json(
    row["data"],
    (v): v is ChannelRecord => isObject(v) && typeof v["delivered"] === "number",
  );
  return name && record ? [name, record] : undefined;
}
