// How Tandem's rows are laid out in Table Storage. Keys are built from validated names (letters,
// digits, hyphens), so they never contain the characters Table Storage forbids in keys.
import type { Heartbeat, Observation } from "../../../core/observation.js";

export const HEARTBEAT_PARTITION = "heartbeat";
export const observationPartition = (group: string) => `obs-${group}`;

/**
 * Epoch milliseconds exceed Int32, and Table Storage reads an unannotated JSON integer as Int32,
 * so times are written as explicit doubles (exact for epoch milliseconds).
 */
export interface DoubleValue {
  value: number;
  type: "Double";
}
const double = (value: number): DoubleValue => ({ value, type: "Double" });

export type ObservationEntity = {
  partitionKey: string;
  rowKey: string;
  observer: string;
  group: string;
  target: string;
  ok: boolean;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  latencyMs: number;
  statusCode?: number;
  errorKind?: string;
  errorMessage?: string;
  atMs: DoubleValue;
};

export type HeartbeatEntity = {
  partitionKey: string;
  rowKey: string;
  atMs: DoubleValue;
  version: string;
  tickMs: number;
};

export function observationToEntity(o: Observation): ObservationEntity {
  return {
    partitionKey: observationPartition(o.group),
    rowKey: `${o.target}|${o.observer}`,
    observer: o.observer,
    group: o.group,
    target: o.target,
    ok: o.ok,
    consecutiveFailures: o.consecutiveFailures,
    consecutiveSuccesses: o.consecutiveSuccesses,
    latencyMs: o.latencyMs,
    ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }),
    ...(o.error === undefined ? {} : { errorKind: o.error.kind, errorMessage: o.error.message }),
    atMs: double(o.at),
  };
}

type Row = Record<string, unknown>;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";

/** The observation a row holds, or undefined for a row that is not one (written by hand, or by a newer version). */
export function entityToObservation(row: Row): Observation | undefined {
  const {
    observer,
    group,
    target,
    ok,
    consecutiveFailures,
    consecutiveSuccesses,
    latencyMs,
    atMs,
  } = row;
  if (!isString(observer) || !isString(group) || !isString(target) || typeof ok !== "boolean")
    return undefined;
  if (
    !isNumber(consecutiveFailures) ||
    !isNumber(consecutiveSuccesses) ||
    !isNumber(latencyMs) ||
    !isNumber(atMs)
  )
    return undefined;
  const { statusCode, errorKind, errorMessage } = row;
  return {
    observer,
    group,
    target,
    ok,
    consecutiveFailures,
    consecutiveSuccesses,
    latencyMs,
    ...(isNumber(statusCode) ? { statusCode } : {}),
    ...(isString(errorKind)
      ? { error: { kind: errorKind, message: isString(errorMessage) ? errorMessage : "" } }
      : {}),
    at: atMs,
  };
}

export function heartbeatToEntity(h: Heartbeat): HeartbeatEntity {
  return {
    partitionKey: HEARTBEAT_PARTITION,
    rowKey: h.observer,
    atMs: double(h.at),
    version: h.version,
    tickMs: h.tickMs,
  };
}

export function entityToHeartbeat(row: Row): Heartbeat | undefined {
  const { rowKey, atMs, version, tickMs } = row;
  if (!isString(rowKey) || !isNumber(atMs) || !isString(version) || !isNumber(tickMs))
    return undefined;
  return { observer: rowKey, at: atMs, version, tickMs };
}
