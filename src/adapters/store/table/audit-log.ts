// The audit log on Table Storage (ADR 0017): the action log read a page at a time by key range,
// refused calls counted per caller and minute in their own partition under a cap, and the prune
// of both. The state store wraps each call in its timeout and error mapping.
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { TableClient, TableEntityResult, TransactionAction } from "@azure/data-tables";
import { odata } from "@azure/data-tables";
import type {
  ActionRecord,
  Page,
  PageQuery,
  PruneQuery,
  Pruned,
  RefusedCalls,
} from "../../../ports/audit-store.js";
import type { Log } from "../../../ports/log.js";
import { StoreError } from "../../../ports/state-store.js";
import { OTHERS, mergeRefused } from "../../../ports/audit-store.js";
import { callerKey, isOthers } from "../refused-counts.js";
import {
  ACTION_PARTITION,
  CALLERS_PREFIX,
  LOG_END,
  LOG_PREFIX,
  OLD_LOG_END,
  REFUSED_END,
  REFUSED_PARTITION,
  actionIdOf,
  actionToEntities,
  callersToEntity,
  entityToAction,
  entityToCallers,
  entityToRefused,
  incidentPrefix,
  incidentRowOf,
  invertedTime,
  logPruneFrom,
  minutePruneFrom,
  newActionId,
  prefixEnd,
  refusedIdOf,
  refusedRow,
  refusedRowOf,
  refusedToEntity,
} from "./audit-entities.js";
import { decodeOrReport } from "./entities.js";

type Row = TableEntityResult<Record<string, unknown>>;

/** Table Storage accepts at most 100 operations in one transaction. */
const BATCH_LIMIT = 100;
/** Tries of one conditional write that keeps meeting another writer's (409, 412). */
const WRITE_TRIES = 8;
/** Minutes of admitted callers this process remembers. */
const REMEMBERED_MINUTES = 5;

const statusOf = (error: unknown) => (error as { statusCode?: unknown }).statusCode;
const isRace = (error: unknown) => statusOf(error) === 409 || statusOf(error) === 412;

export class TableAuditLog {
  readonly #client: TableClient;
  readonly #log: Log | undefined;
  /** Orders this process's entries of one millisecond as they were appended. */
  #appended = 0;
  /** Per minute, the callers known to be admitted, and whether the minute is full (both only grow). */
  readonly #admitted = new Map<number, { callers: Set<string>; full: boolean }>();

  constructor(client: TableClient, log: Log | undefined) {
    this.#client = client;
    this.#log = log;
  }

  /** One insert; an incident's entry is two rows of one partition, in one transaction. */
  async append(entry: ActionRecord, abortSignal: AbortSignal): Promise<void> {
    const id = newActionId(entry.at, ++this.#appended, randomUUID().slice(0, 8));
    const rows = actionToEntities(entry, id);
    if (rows.length === 1) await this.#client.createEntity(rows[0]!, { abortSignal });
    else
      await this.#client.submitTransaction(
        rows.map((row): TransactionAction => ["create", row]),
        { abortSignal },
      );
  }

  async readAll(abortSignal: AbortSignal): Promise<ActionRecord[]> {
    // The log's rows, and rows of the layout before ADR 0017 not moved yet.
    const rows = this.#client.listEntities({
      queryOptions: {
        filter: odata`PartitionKey eq ${ACTION_PARTITION} and (RowKey lt ${OLD_LOG_END} or (RowKey gt ${LOG_PREFIX} and RowKey lt ${LOG_END}))`,
      },
      abortSignal,
    });
    const out: ActionRecord[] = [];
    for await (const row of rows) {
      const entry = this.#decode(row, entityToAction, "action");
      if (entry) out.push(entry);
    }
    // Oldest first: by time, then (ids invert the append order) by id from the last.
    return out.sort((a, b) => a.at - b.at || (a.id! < b.id! ? 1 : -1));
  }

  async page(
    query: PageQuery & { readonly incident?: string },
    abortSignal: AbortSignal,
  ): Promise<Page<ActionRecord>> {
    const prefix = query.incident === undefined ? LOG_PREFIX : incidentPrefix(query.incident);
    const from = `${prefix}${query.before ?? ""}`;
    const rows = await this.#first(
      odata`PartitionKey eq ${ACTION_PARTITION} and RowKey gt ${from} and RowKey lt ${prefixEnd(prefix)}`,
      query.limit + 1,
      abortSignal,
    );
    return this.#paged(rows, query.limit, entityToAction, actionIdOf, "action");
  }

  async readRefused(query: PageQuery, abortSignal: AbortSignal): Promise<Page<RefusedCalls>> {
    const from = query.before === undefined ? "" : refusedRowOf(query.before);
    const rows = await this.#first(
      odata`PartitionKey eq ${REFUSED_PARTITION} and RowKey gt ${from} and RowKey lt ${REFUSED_END}`,
      query.limit + 1,
      abortSignal,
    );
    return this.#paged(rows, query.limit, entityToRefused, refusedIdOf, "refused-call");
  }

  async addRefused(
    calls: readonly RefusedCalls[],
    callersPerMinute: number,
    abortSignal: AbortSignal,
  ): Promise<void> {
    // Counts of one caller and minute as one, then per minute the callers it admits.
    interface Counted {
      readonly minute: number;
      readonly caller: string;
      readonly calls: RefusedCalls;
    }
    const byRow = new Map<string, Counted>();
    for (const call of calls) {
      const minute = Math.floor(call.minute / 60_000) * 60_000;
      const caller = callerKey(call.actor, call.from);
      const key = `${minute}|${caller}`;
      const counted = { ...call, minute };
      const known = byRow.get(key);
      byRow.set(key, {
        minute,
        caller,
        calls: known ? mergeRefused(known.calls, counted) : counted,
      });
    }
    const minutes = new Map<number, Counted[]>();
    for (const row of byRow.values())
      minutes.set(row.minute, [...(minutes.get(row.minute) ?? []), row]);

    // Each of the writes below listens to the one signal.
    setMaxListeners(byRow.size + minutes.size + 10, abortSignal);
    const writes: Promise<void>[] = [];
    for (const [minute, rows] of minutes) {
      const admitted = await this.#admit(
        minute,
        rows.filter((r) => !isOthers(r.calls)).map((r) => r.caller),
        callersPerMinute,
        abortSignal,
      );
      let others: RefusedCalls | undefined;
      for (const row of rows)
        if (admitted.has(row.caller))
          writes.push(this.#add(refusedRow(minute, row.caller), row.calls, abortSignal));
        else {
          const asOthers = { ...row.calls, actor: OTHERS, from: "" };
          others = others ? mergeRefused(others, asOthers) : asOthers;
        }
      if (others) writes.push(this.#add(refusedRow(minute, OTHERS), others, abortSignal));
    }
    await Promise.all(writes);
  }

  /** Which of these callers have a row of their own in the minute (the first `cap` to come). */
  async #admit(
    minute: number,
    callers: readonly string[],
    cap: number,
    abortSignal: AbortSignal,
  ): Promise<Set<string>> {
    const known = this.#admitted.get(minute) ?? { callers: new Set<string>(), full: false };
    this.#admitted.set(minute, known);
    for (const m of this.#admitted.keys())
      if (m < minute - REMEMBERED_MINUTES * 60_000) this.#admitted.delete(m);
    const unknown = callers.filter((c) => !known.callers.has(c));
    for (let tries = 0; unknown.length > 0 && !known.full && tries < WRITE_TRIES; tries++) {
      const entity = callersToEntity(minute, []);
      let row: Row | undefined;
      try {
        row = await this.#client.getEntity(REFUSED_PARTITION, entity.rowKey, { abortSignal });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      const listed = row ? entityToCallers(row) : [];
      const newcomers = unknown.filter((c) => !listed.includes(c));
      const taken = newcomers.slice(0, Math.max(0, cap - listed.length));
      const all = [...listed, ...taken];
      try {
        if (taken.length > 0) {
          const next = callersToEntity(minute, all);
          if (!row) await this.#client.createEntity(next, { abortSignal });
          else await this.#client.updateEntity(next, "Replace", { etag: row.etag, abortSignal });
        }
      } catch (error) {
        if (isRace(error)) continue;
        throw error;
      }
      for (const c of all) known.callers.add(c);
      known.full = all.length >= cap;
      break;
    }
    return new Set(callers.filter((c) => known.callers.has(c)));
  }

  /** Adds a count to its row: read, add, write on the version read; again on a race. */
  async #add(rowKey: string, calls: RefusedCalls, abortSignal: AbortSignal): Promise<void> {
    for (let tries = 0; tries < WRITE_TRIES; tries++) {
      let row: Row | undefined;
      try {
        row = await this.#client.getEntity(REFUSED_PARTITION, rowKey, { abortSignal });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
      const current = row ? entityToRefused(row) : undefined;
      if (row && !current)
        this.#log?.warn(`state store: a malformed refused-call row (${rowKey}) is overwritten`);
      const entity = refusedToEntity(current ? mergeRefused(current, calls) : calls, rowKey);
      try {
        if (!row) await this.#client.createEntity(entity, { abortSignal });
        else await this.#client.updateEntity(entity, "Replace", { etag: row.etag, abortSignal });
        return;
      } catch (error) {
        if (!isRace(error) && statusOf(error) !== 404) throw error;
      }
    }
    throw new StoreError(
      "conflict",
      `state store: counting refused calls (${rowKey}) kept meeting other writers`,
    );
  }

  async prune(query: PruneQuery, abortSignal: AbortSignal): Promise<Pruned> {
    const cut = Math.floor(query.before);
    const max = query.maxRows;
    let oldest: number | undefined;
    let newest: number | undefined;
    const saw = (at: unknown) => {
      if (typeof at !== "number") return;
      oldest = Math.min(oldest ?? at, at);
      newest = Math.max(newest ?? at, at);
    };
    let more = false;
    const take = async (filter: string) => {
      const rows = await this.#first(filter, max + 1, abortSignal);
      if (rows.length > max) more = true;
      return rows.slice(0, max);
    };

    // The log's rows older than the horizon, each with its incident row.
    const logFrom = logPruneFrom(cut);
    const old = logFrom
      ? await take(
          odata`PartitionKey eq ${ACTION_PARTITION} and RowKey ge ${logFrom} and RowKey lt ${LOG_END}`,
        )
      : [];
    const groups: TransactionAction[][] = old.map((row) => {
      saw(row["atMs"]);
      const incidentRow = incidentRowOf(row.rowKey!, row["incident"]);
      return [
        ["delete", { partitionKey: ACTION_PARTITION, rowKey: row.rowKey! }],
        ...(incidentRow
          ? [
              [
                "delete",
                { partitionKey: ACTION_PARTITION, rowKey: incidentRow },
              ] as TransactionAction,
            ]
          : []),
      ];
    });
    let actions = old.length;

    // Rows of the layout before ADR 0017: deleted if old, else moved to their place in the log.
    let moved = 0;
    for (const row of await take(
      odata`PartitionKey eq ${ACTION_PARTITION} and RowKey lt ${OLD_LOG_END}`,
    )) {
      const entry = this.#decode(row, entityToAction, "action");
      if (!entry) continue;
      const drop: TransactionAction = [
        "delete",
        { partitionKey: ACTION_PARTITION, rowKey: row.rowKey! },
      ];
      if (Math.floor(entry.at) < cut) {
        saw(entry.at);
        actions++;
        groups.push([drop]);
      } else {
        const rest = /^\d{15}-(.+)$/.exec(row.rowKey!)?.[1] ?? row.rowKey!;
        const { id: _id, ...fields } = entry;
        const rows = actionToEntities(fields, `${invertedTime(entry.at)}-${rest}`);
        groups.push([...rows.map((r): TransactionAction => ["create", r]), drop]);
        moved++;
      }
    }
    await this.#inBatches(groups, abortSignal);

    // Refused-call minutes that ended before the horizon, and their lists of admitted callers.
    let refusedRows = 0;
    let refusedCalls = 0;
    const minuteFrom = minutePruneFrom(cut);
    if (minuteFrom) {
      const rows = await take(
        odata`PartitionKey eq ${REFUSED_PARTITION} and RowKey ge ${minuteFrom} and RowKey lt ${REFUSED_END}`,
      );
      const lists = await take(
        odata`PartitionKey eq ${REFUSED_PARTITION} and RowKey ge ${`${CALLERS_PREFIX}${minuteFrom}`} and RowKey lt ${prefixEnd(CALLERS_PREFIX)}`,
      );
      for (const row of rows) {
        saw(row["minuteMs"]);
        const count = row["count"];
        if (typeof count === "number") refusedCalls += count;
      }
      refusedRows = rows.length;
      await this.#inBatches(
        [...rows, ...lists].map((row) => [
          ["delete", { partitionKey: REFUSED_PARTITION, rowKey: row.rowKey! }],
        ]),
        abortSignal,
      );
    }
    return {
      actions,
      moved,
      refusedRows,
      refusedCalls,
      ...(oldest === undefined ? {} : { oldest, newest: newest! }),
      more,
    };
  }

  /**
   * Runs groups of operations on one partition in transactions of up to 100, a group never split
   * (a move is its inserts and its delete, both or neither). A transaction that fails (a row
   * already moved or deleted by an earlier, interrupted prune) is run again an operation at a
   * time, taking an insert that finds its row, or a delete that does not, as done.
   */
  async #inBatches(
    groups: readonly TransactionAction[][],
    abortSignal: AbortSignal,
  ): Promise<void> {
    let batch: TransactionAction[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const actions = batch;
      batch = [];
      try {
        await this.#client.submitTransaction(actions, { abortSignal });
      } catch (error) {
        if (statusOf(error) === undefined) throw error;
        for (const [kind, entity] of actions)
          try {
            if (kind === "create") await this.#client.createEntity(entity, { abortSignal });
            else
              await this.#client.deleteEntity(entity.partitionKey, entity.rowKey, { abortSignal });
          } catch (inner) {
            if (statusOf(inner) !== (kind === "create" ? 409 : 404)) throw inner;
          }
      }
    };
    for (const group of groups) {
      if (batch.length + group.length > BATCH_LIMIT) await flush();
      batch.push(...group);
    }
    await flush();
  }

  /** The first `count` rows of a key range, in key order: a page, not the range. */
  async #first(filter: string, count: number, abortSignal: AbortSignal): Promise<Row[]> {
    const out: Row[] = [];
    const pages = this.#client
      .listEntities({ queryOptions: { filter }, abortSignal })
      .byPage({ maxPageSize: Math.min(count, 1000) });
    for await (const page of pages) {
      out.push(...page);
      if (out.length >= count) break;
    }
    return out.slice(0, count);
  }

  #paged<T>(
    rows: readonly Row[],
    limit: number,
    decode: (row: Record<string, unknown>) => T | undefined,
    idOf: (rowKey: string) => string,
    what: string,
  ): Page<T> {
    const entries: T[] = [];
    for (const row of rows.slice(0, limit)) {
      const value = this.#decode(row, decode, what);
      if (value !== undefined) entries.push(value);
    }
    // The cursor is the last row's place, read or skipped.
    const last = rows[limit - 1];
    return {
      entries,
      ...(rows.length > limit && last?.rowKey ? { next: idOf(last.rowKey) } : {}),
    };
  }

  #decode<T>(
    row: Row,
    decode: (row: Record<string, unknown>) => T | undefined,
    what: string,
  ): T | undefined {
    return decodeOrReport(row, decode, what, this.#log);
  }
}
