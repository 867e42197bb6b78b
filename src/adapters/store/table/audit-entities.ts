// How the audit log is laid out in Table Storage (ADR 0017, docs/state-store.md). Keys sort newest
// first (an inverted time), so a page is the first rows of a key range: it costs the page, not the
// log. The action log keeps its partition, `action`, which the fence writes `started` into before
// a step acts; refused API calls are counted in `refused`, never there.
import type { ActionRecord, RefusedCalls } from "../../../ports/audit-store.js";
import type { Entity } from "./entities.js";

export const ACTION_PARTITION = "action";
export const REFUSED_PARTITION = "refused";

/** Action log rows: `log|{id}`. */
export const LOG_PREFIX = "log|";
export const LOG_END = "log}";
/** Each entry of an incident again, under its incident: `inc|{incident}|{id}`. */
export const incidentPrefix = (incident: string) => `inc|${incident}|`;
/** The first key after every key that starts with `prefix` (which ends in `|`). */
export const prefixEnd = (prefix: string) => `${prefix.slice(0, -1)}}`;
/** Rows of the layout before ADR 0017 (`{at, 15 digits}-{sequence}-{id}`) sort before this. */
export const OLD_LOG_END = ":";

/** Refused calls: `{minute}|{caller}` (or `{minute}|others`), all before `~`. */
export const REFUSED_END = "~";
/** A minute's admitted callers: `~callers|{minute}`. */
export const CALLERS_PREFIX = "~callers|";

const MINUTE_MS = 60_000;
const MAX_TIME = 999_999_999_999_999;
const MAX_MINUTE = 999_999_999_999;
const pad = (n: number, digits: number) => String(n).padStart(digits, "0");

/** Later times sort first (15 digits: epoch milliseconds until the year 33658). */
export const invertedTime = (at: number) => pad(MAX_TIME - Math.max(0, Math.floor(at)), 15);
export const invertedMinute = (minute: number) =>
  pad(MAX_MINUTE - Math.floor(Math.max(0, minute) / MINUTE_MS), 12);

/**
 * An entry's id: its time inverted, then its append sequence in this process inverted (later
 * first within a millisecond), then a random part that keeps two processes' ids apart.
 */
export function newActionId(at: number, sequence: number, unique: string): string {
  return `${invertedTime(at)}-${pad(999_999_999 - (sequence % 1_000_000_000), 9)}-${unique}`;
}

/** Incident ids are Tandem's own (`{time}-{random}`); another shape gets no incident row. */
const INCIDENT_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** The entry's row, and its row under its incident (same partition: one transaction). */
export function actionToEntities(entry: ActionRecord, id: string): Entity[] {
  const fields = {
    atMs: { value: entry.at, type: "Double" },
    actor: entry.actor,
    epoch: { value: entry.epoch, type: "Double" },
    name: entry.name,
    outcome: entry.outcome,
    ...(entry.group === undefined ? {} : { group: entry.group }),
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.incident === undefined ? {} : { incident: entry.incident }),
    ...(entry.detail === undefined ? {} : { detail: entry.detail }),
    ...(entry.event === undefined ? {} : { event: entry.event }),
  };
  const main = { partitionKey: ACTION_PARTITION, rowKey: `${LOG_PREFIX}${id}`, ...fields };
  return entry.incident !== undefined && INCIDENT_KEY.test(entry.incident)
    ? [
        main,
        {
          partitionKey: ACTION_PARTITION,
          rowKey: `${incidentPrefix(entry.incident)}${id}`,
          ...fields,
        },
      ]
    : [main];
}

/** The key of an entry's incident row, from its main row (undefined: it has none). */
export function incidentRowOf(rowKey: string, incident: unknown): string | undefined {
  if (typeof incident !== "string" || !INCIDENT_KEY.test(incident)) return undefined;
  return `${incidentPrefix(incident)}${rowKey.slice(LOG_PREFIX.length)}`;
}

/** A row's id: its key after its prefix (`log|`, `inc|{incident}|`; none on old rows). */
export function actionIdOf(rowKey: string): string {
  return rowKey.slice(rowKey.lastIndexOf("|") + 1);
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === "string";
const OUTCOMES = new Set(["started", "done", "refused", "failed"]);

export function entityToAction(row: Record<string, unknown>): ActionRecord | undefined {
  const { atMs, actor, epoch, name, outcome, group, reason, incident, detail, event, rowKey } = row;
  if (!isNumber(atMs) || !isString(actor) || !isNumber(epoch) || !isString(name)) return undefined;
  if (!isString(outcome) || !OUTCOMES.has(outcome)) return undefined;
  return {
    at: atMs,
    actor,
    epoch,
    name,
    outcome: outcome as ActionRecord["outcome"],
    ...(isString(group) ? { group } : {}),
    ...(isString(reason) ? { reason } : {}),
    ...(isString(incident) ? { incident } : {}),
    ...(isString(rowKey) ? { id: actionIdOf(rowKey) } : {}),
    ...(isString(detail) ? { detail } : {}),
    ...(isString(event) ? { event } : {}),
  };
}

/**
 * Where the prune of everything before `cut` starts (ms, a whole number above 0): every row from
 * this key to the end of its range is older (ids invert time). Undefined: nothing can be older.
 */
export function logPruneFrom(cut: number): string | undefined {
  return cut <= 0 ? undefined : `${LOG_PREFIX}${pad(MAX_TIME - cut + 1, 15)}`;
}
/** The same for refused-call minutes that ended by `cut`, before the row's own prefix. */
export function minutePruneFrom(cut: number): string | undefined {
  const minutes = Math.floor(cut / MINUTE_MS);
  return minutes <= 0 ? undefined : pad(MAX_MINUTE - minutes + 1, 12);
}

/** A refused-call row's key; `caller` is a digest of who and from where, or `others`. */
export const refusedRow = (minute: number, caller: string) => `${invertedMinute(minute)}|${caller}`;
/** A refused-call row's id (no `|`, so it fits the API's cursor). */
export const refusedIdOf = (rowKey: string) => rowKey.replace("|", "-");
export const refusedRowOf = (id: string) => id.replace("-", "|");

export function refusedToEntity(calls: RefusedCalls, rowKey: string): Entity {
  return {
    partitionKey: REFUSED_PARTITION,
    rowKey,
    minuteMs: { value: calls.minute, type: "Double" },
    actor: calls.actor,
    from: calls.from,
    count: { value: calls.count, type: "Double" },
    firstAtMs: { value: calls.firstAt, type: "Double" },
    lastAtMs: { value: calls.lastAt, type: "Double" },
    name: calls.name,
    reason: calls.reason,
    ...(calls.group === undefined ? {} : { group: calls.group }),
    ...(calls.claimed === undefined ? {} : { claimed: calls.claimed }),
  };
}

export function entityToRefused(row: Record<string, unknown>): RefusedCalls | undefined {
  const { minuteMs, actor, from, count, firstAtMs, lastAtMs, name, reason, group, claimed } = row;
  if (!isNumber(minuteMs) || !isString(actor) || !isString(from) || !isNumber(count))
    return undefined;
  if (!isNumber(firstAtMs) || !isNumber(lastAtMs) || !isString(name) || !isString(reason))
    return undefined;
  return {
    minute: minuteMs,
    actor,
    from,
    count,
    firstAt: firstAtMs,
    lastAt: lastAtMs,
    name,
    reason,
    ...(isString(group) ? { group } : {}),
    ...(isString(claimed) ? { claimed } : {}),
    ...(isString(row["rowKey"]) ? { id: refusedIdOf(row["rowKey"]) } : {}),
  };
}

/** The callers a minute has admitted, in one row (written conditionally on its version). */
export function callersToEntity(minute: number, callers: readonly string[]): Entity {
  return {
    partitionKey: REFUSED_PARTITION,
    rowKey: `${CALLERS_PREFIX}${invertedMinute(minute)}`,
    callers: callers.join(","),
  };
}

export function entityToCallers(row: Record<string, unknown>): string[] {
  const callers = row["callers"];
  return isString(callers) && callers !== "" ? callers.split(",") : [];
}
