// How Tandem's rows are laid out in Table Storage (docs/state-store.md). Keys are built from
// validated names (letters, digits, hyphens) and generated ids, so they never contain the
// characters Table Storage forbids in keys. Decoders return undefined for a row that is not what
// it should be (written by hand, or by another version), and the adapter skips and reports it.
import type { LeaseRecord } from "../../../core/lease.js";
import type { Heartbeat, Observation, ProbePhases } from "../../../core/observation.js";
import type { RegionState, Verdict } from "../../../core/verdict.js";
import type { PauseState } from "../../../ports/state-store.js";
import type { Incident } from "../../../core/incident.js";
import type { LeverView } from "../../../core/levers.js";
import type { Log } from "../../../ports/log.js";
import { CHUNK_CHARS, cut } from "./chunks.js";

/**
 * Each observer's rows live in its own partition, so that one transaction writes its heartbeat
 * and up to 99 observations of a tick, and one query reads every observer's (ADR 0014).
 */
export const OBSERVER_PREFIX = "observer-";
/** The first partition key after every `observer-` key. */
export const OBSERVER_END = "observer.";
export const observerPartition = (observer: string) => `${OBSERVER_PREFIX}${observer}`;
/** Sorts after every `{group}|{target}` key (names are letters, digits and hyphens). */
export const HEARTBEAT_ROW = "~heartbeat";
export const observationRow = (group: string, target: string) => `${group}|${target}`;
export const LEASE_KEY = { partitionKey: "lease", rowKey: "lease" } as const;
/** In the lease's partition, so one transaction writes both. */
export const FLOOR_KEY = { partitionKey: "lease", rowKey: "epoch-floor" } as const;

export function floorToEntity(epoch: number): Entity {
  return { ...FLOOR_KEY, epoch: double(epoch) };
}
export const STATE_PARTITION = "state";

/**
 * Epoch milliseconds exceed Int32, and Table Storage reads an unannotated JSON integer as Int32,
 * so times are written as explicit doubles (exact for epoch milliseconds).
 */
export interface DoubleValue {
  value: number;
  type: "Double";
}
const double = (value: number): DoubleValue => ({ value, type: "Double" });

type Row = Record<string, unknown>;

/** A row decoded, or undefined once reported: one bad row never stops a read. */
export function decodeOrReport<T>(
  row: Row,
  decode: (row: Row) => T | undefined,
  what: string,
  log: Log | undefined,
): T | undefined {
  const value = decode(row);
  if (value === undefined)
    log?.warn(
      `state store: skipped a malformed ${what} row (${String(row["partitionKey"])}/${String(row["rowKey"])})`,
    );
  return value;
}
/** A row to write: its keys and its properties. */
export type Entity = { partitionKey: string; rowKey: string } & Record<string, unknown>;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBoolean = (v: unknown): v is boolean => typeof v === "boolean";

export function observationToEntity(o: Observation): Entity {
  return {
    partitionKey: observerPartition(o.observer),
    rowKey: observationRow(o.group, o.target),
    observer: o.observer,
    group: o.group,
    target: o.target,
    instance: o.tick.instance,
    seq: double(o.tick.seq),
    ok: o.ok,
    consecutiveFailures: o.consecutiveFailures,
    consecutiveSuccesses: o.consecutiveSuccesses,
    failuresBefore: o.failuresBefore,
    latencyMs: double(o.latencyMs),
    ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }),
    ...(o.error === undefined ? {} : { errorKind: o.error.kind, errorMessage: o.error.message }),
    ...(o.phases === undefined ? {} : { phases: JSON.stringify(o.phases) }),
    ...(o.certificateDaysLeft === undefined
      ? {}
      : { certificateDaysLeft: double(o.certificateDaysLeft) }),
    ...(o.warnings?.length ? { warnings: JSON.stringify(o.warnings) } : {}),
    ...(o.timeline === undefined ? {} : { timeline: o.timeline }),
    atMs: double(o.at),
  };
}

export function entityToObservation(row: Row): Observation | undefined {
  const { observer, group, target, instance, seq, ok, consecutiveFailures, consecutiveSuccesses } =
    row;
  const {
    failuresBefore,
    latencyMs,
    atMs,
    statusCode,
    errorKind,
    errorMessage,
    certificateDaysLeft,
  } = row;
  if (!isString(observer) || !isString(group) || !isString(target) || !isString(instance))
    return undefined;
  if (
    !isNumber(seq) ||
    !isBoolean(ok) ||
    !isNumber(consecutiveFailures) ||
    !isNumber(consecutiveSuccesses)
  )
    return undefined;
  if (!isNumber(failuresBefore) || !isNumber(latencyMs) || !isNumber(atMs)) return undefined;
  return {
    observer,
    group,
    target,
    tick: { instance, seq },
    ok,
    consecutiveFailures,
    consecutiveSuccesses,
    failuresBefore,
    latencyMs,
    ...(isNumber(statusCode) ? { statusCode } : {}),
    ...(isString(errorKind)
      ? { error: { kind: errorKind, message: isString(errorMessage) ? errorMessage : "" } }
      : {}),
    ...optionalJson("phases", row["phases"], isPhases),
    ...(isNumber(certificateDaysLeft) ? { certificateDaysLeft } : {}),
    ...optionalJson(
      "warnings",
      row["warnings"],
      (v): v is string[] => Array.isArray(v) && v.every(isString),
    ),
    at: atMs,
    ...(isString(row["timeline"]) ? { timeline: row["timeline"] } : {}),
  };
}

function isPhases(value: unknown): value is ProbePhases {
  const v = value as Record<string, unknown>;
  return (
    typeof v === "object" &&
    v !== null &&
    ["dnsMs", "connectMs", "tlsMs", "firstByteMs", "totalMs"].every((k) => isNumber(v[k]))
  );
}

/** A JSON-encoded optional column: present and valid, or left out. */
function optionalJson<K extends string, T>(
  key: K,
  raw: unknown,
  valid: (v: unknown) => v is T,
): { [P in K]?: T } {
  if (!isString(raw)) return {};
  try {
    const value = JSON.parse(raw) as unknown;
    return valid(value) ? ({ [key]: value } as { [P in K]?: T }) : {};
  } catch {
    return {};
  }
}

export function heartbeatToEntity(h: Heartbeat): Entity {
  return {
    partitionKey: observerPartition(h.observer),
    rowKey: HEARTBEAT_ROW,
    observer: h.observer,
    instance: h.tick.instance,
    seq: double(h.tick.seq),
    atMs: double(h.at),
    version: h.version,
    tickMs: double(h.tickMs),
    impaired: h.impaired,
  };
}

export function entityToHeartbeat(row: Row): Heartbeat | undefined {
  const { observer, instance, seq, atMs, version, tickMs, impaired } = row;
  if (!isString(observer) || !isString(instance) || !isNumber(seq) || !isNumber(atMs))
    return undefined;
  if (!isString(version) || !isNumber(tickMs) || !isBoolean(impaired)) return undefined;
  return { observer, tick: { instance, seq }, at: atMs, version, tickMs, impaired };
}

export function leaseToEntity(record: LeaseRecord): Entity {
  return {
    ...LEASE_KEY,
    holder: record.holder,
    epoch: double(record.epoch),
    durationMs: double(record.durationMs),
    writeId: record.writeId,
    renewedAtMs: double(record.renewedAt),
  };
}

export function entityToLease(row: Row): LeaseRecord | undefined {
  const { holder, epoch, durationMs, writeId, renewedAtMs } = row;
  if (
    !isString(holder) ||
    !isNumber(epoch) ||
    !isNumber(durationMs) ||
    !isString(writeId) ||
    !isNumber(renewedAtMs)
  )
    return undefined;
  return { holder, epoch, durationMs, writeId, renewedAt: renewedAtMs };
}

export function statesToEntity(group: string, states: Record<string, RegionState>): Entity {
  return { partitionKey: STATE_PARTITION, rowKey: group, regions: JSON.stringify(states) };
}

const VERDICTS = new Set<Verdict>([
  "healthy",
  "suspect",
  "down",
  "recovering",
  "split-view",
  "unknown",
]);

function isRegionState(value: unknown): value is RegionState {
  const v = value as Record<string, unknown>;
  return (
    typeof v === "object" &&
    v !== null &&
    VERDICTS.has(v["verdict"] as Verdict) &&
    isNumber(v["since"]) &&
    isNumber(v["epoch"]) &&
    isString(v["reason"]) &&
    (v["recoveringSince"] === undefined || isNumber(v["recoveringSince"])) &&
    (v["firstSince"] === undefined || isNumber(v["firstSince"])) &&
    (v["unconfirmedSince"] === undefined || isNumber(v["unconfirmedSince"])) &&
    (v["quiet"] === undefined || v["quiet"] === true)
  );
}

export function entityToStates(row: Row): Record<string, RegionState> | undefined {
  if (!isString(row["regions"])) return undefined;
  try {
    const parsed = JSON.parse(row["regions"]) as unknown;
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const out: Record<string, RegionState> = {};
    for (const [region, state] of Object.entries(parsed))
      if (isRegionState(state)) out[region] = state;
    return out;
  } catch {
    return undefined;
  }
}

/** Before ADR 0014 each group's incidents (and their alerts) had a partition of their own. */
export const OLD_INCIDENT_PREFIX = "incident-";
export const OLD_INCIDENT_END = "incident.";
/**
 * Incidents and lever views share the kept verdicts' partition, so that one query reads all of
 * the runbook's state; their keys start with `~`, which no group name (a verdict row's key) does.
 */
export const INCIDENT_ROW_PREFIX = "~incident|";
export const incidentRowPrefix = (group: string) => `${INCIDENT_ROW_PREFIX}${group}|`;
export const LEVER_ROW_PREFIX = "~levers|";
/** The first key after every key that starts with `prefix` (which ends in `|`). */
export const after = (prefix: string) => `${prefix.slice(0, -1)}}`;

export function leverViewToEntity(group: string, view: LeverView): Entity {
  return {
    partitionKey: STATE_PARTITION,
    rowKey: `${LEVER_ROW_PREFIX}${group}`,
    readAtMs: double(view.readAt),
    epoch: view.epoch,
    data: JSON.stringify(view),
  };
}

export function entityToLeverView(row: Row): [string, LeverView] | undefined {
  if (!isString(row["data"]) || !isString(row["rowKey"])) return undefined;
  const group = row["rowKey"].slice(LEVER_ROW_PREFIX.length);
  try {
    const value = JSON.parse(row["data"]) as Record<string, unknown>;
    if (
      !isNumber(value["readAt"]) ||
      !isNumber(value["epoch"]) ||
      typeof value["clusters"] !== "object" ||
      value["clusters"] === null ||
      (value["routing"] !== undefined &&
        !Array.isArray((value["routing"] as { regions?: unknown }).regions))
    )
      return undefined;
    // A `failedAt` that is not a time is dropped, not shown (the status would fail on it).
    if (value["failedAt"] !== undefined && !isNumber(value["failedAt"])) delete value["failedAt"];
    return [group, value as unknown as LeverView];
  } catch {
    return undefined;
  }
}
export const PAUSE_KEY = { partitionKey: "pause", rowKey: "pause" } as const;

/**
 * An incident's row: its JSON in `data`, and past one String property's limit (64 KiB, CHUNK_CHARS
 * characters) in `data1`, `data2`... as observation pages are cut (ADR 23). A long incident (a
 * data step waiting on a slow ARM notes most ticks) once outgrew one property, and every later
 * write of it was refused. Rows are written whole (Replace), so no stale piece outlives a shorter
 * version.
 */
export function incidentToEntity(incident: Incident): Entity {
  const [head = "", ...rest] = cut(JSON.stringify(incident), CHUNK_CHARS);
  return {
    partitionKey: STATE_PARTITION,
    rowKey: `${incidentRowPrefix(incident.group)}${incident.id}`,
    step: incident.step,
    openedAtMs: double(incident.openedAt),
    data: head,
    ...Object.fromEntries(rest.map((piece, i) => [`data${i + 1}`, piece])),
  };
}

/** An incident row's JSON, joined from `data`, `data1`, `data2`... */
function incidentText(row: Row): string | undefined {
  if (!isString(row["data"])) return undefined;
  let text = row["data"];
  for (let i = 1; isString(row[`data${i}`]); i++) text += row[`data${i}`] as string;
  return text;
}

const STEPS = new Set([
  "detected",
  "prewarming",
  "confirmed",
  "waking",
  "waiting-ready",
  "moving-data",
  "shifting-traffic",
  "verifying",
  "completed",
  "failed",
  "aborted",
]);

/** Whether a stored value is a data ask as the runbook writes one. */
const isDataAsk = (v: unknown): boolean => {
  const ask = v as Record<string, unknown> | null;
  return (
    typeof ask === "object" &&
    ask !== null &&
    isString(ask["region"]) &&
    (ask["mode"] === "planned" || ask["mode"] === "forced") &&
    isNumber(ask["at"]) &&
    isNumber(ask["epoch"])
  );
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The data step's records, made safe to decide on: a record of asks that does not read back is
 * taken as asked (`dataAskedUnreadable`: the step waits and its timeout pages, never asks again),
 * keeping the asks that read; a failure that is not a time is dropped (its ask is waited for).
 * Each says so in the log.
 */
function dataRecords(value: Record<string, unknown>, log: Log | undefined): void {
  const id = String(value["id"]);
  const asked = value["dataAsked"];
  if (asked !== undefined) {
    const readable = isRecord(asked)
      ? Object.fromEntries(Object.entries(asked).filter(([, ask]) => isDataAsk(ask)))
      : {};
    if (!isRecord(asked) || Object.keys(readable).length !== Object.keys(asked).length) {
      log?.warn(
        `state store: incident ${id}: its dataAsked does not read back (${JSON.stringify(asked).slice(0, 200)}); every store without a readable ask is taken as asked, and the data step waits`,
      );
      value["dataAsked"] = readable;
      value["dataAskedUnreadable"] = true;
    }
  }
  const failed = value["dataFailed"];
  if (failed === undefined) return;
  if (!isRecord(failed)) {
    log?.warn(`state store: incident ${id}: its dataFailed is not a record; dropped`);
    delete value["dataFailed"];
    return;
  }
  for (const [store, at] of Object.entries(failed))
    if (!isNumber(at)) {
      log?.warn(
        `state store: incident ${id}: the dataFailed of ${store} is not a time (${JSON.stringify(at)}); dropped, its ask is waited for`,
      );
      delete failed[store];
    }
}

export function entityToIncident(row: Row, log?: Log): Incident | undefined {
  const text = incidentText(row);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const shift = value["shift"] as Record<string, unknown> | undefined;
    if (
      !isString(value["id"]) ||
      !isString(value["group"]) ||
      !isString(value["to"]) ||
      !STEPS.has(value["step"] as string) ||
      (value["kind"] !== "failover" && value["kind"] !== "failback") ||
      !isNumber(value["openedAt"]) ||
      !isNumber(value["stepStartedAt"]) ||
      !Array.isArray(value["history"]) ||
      typeof shift !== "object" ||
      shift === null ||
      !isString(shift["region"])
    )
      return undefined;
    // The current step's counters only steer its retries and its timeout: one that is not a
    // number is dropped (the step counts afresh), not let through to the arithmetic.
    for (const key of ["attempts", "retryAt", "retryFrom", "retryWaitMs", "leverMs"])
      if (value[key] !== undefined && !isNumber(value[key])) delete value[key];
    dataRecords(value, log);
    return value as unknown as Incident;
  } catch {
    return undefined;
  }
}

export function pauseToEntity(state: PauseState): Entity {
  return {
    ...PAUSE_KEY,
    all: state.all,
    groups: JSON.stringify(state.groups),
    reasons: JSON.stringify(state.reasons ?? {}),
    released: JSON.stringify(state.released ?? {}),
  };
}

/** A JSON object of a field, or empty when it is missing or malformed. */
function jsonObject(value: unknown): Record<string, unknown> {
  try {
    const parsed = isString(value) ? (JSON.parse(value) as unknown) : {};
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function entityToPause(row: Row): PauseState {
  let groups: string[] = [];
  try {
    const parsed = isString(row["groups"]) ? (JSON.parse(row["groups"]) as unknown) : [];
    if (Array.isArray(parsed)) groups = parsed.filter(isString);
  } catch {
    // A malformed list pauses nothing more than "all" says.
  }
  const reasons = Object.fromEntries(
    Object.entries(jsonObject(row["reasons"])).filter(
      ([, r]) =>
        typeof r === "object" &&
        r !== null &&
        isString((r as Record<string, unknown>)["by"]) &&
        isString((r as Record<string, unknown>)["reason"]) &&
        isNumber((r as Record<string, unknown>)["at"]),
    ),
  ) as Record<string, { by: string; reason: string; at: number }>;
  const released = Object.fromEntries(
    Object.entries(jsonObject(row["released"])).filter(([, t]) => isNumber(t)),
  ) as Record<string, number>;
  return {
    all: row["all"] === true,
    groups,
    ...(Object.keys(reasons).length ? { reasons } : {}),
    ...(Object.keys(released).length ? { released } : {}),
  };
}
