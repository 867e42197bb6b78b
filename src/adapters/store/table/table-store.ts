// The state store on Azure Table Storage (or Cosmos DB for Table), through @azure/data-tables.
// Every call runs under a timeout and the caller's abort signal; every failure becomes a StoreError.
import { errorText } from "../../../core/errors.js";
import type { TokenCredential } from "@azure/identity";
import type { TableEntityResult, TransactionAction } from "@azure/data-tables";
import { odata, TableClient } from "@azure/data-tables";
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { StateStore, StoreCallOptions, StoreErrorKind } from "../../../ports/state-store.js";
import { StoreError, isStoreError } from "../../../ports/state-store.js";
import type { Log } from "../../../ports/log.js";
import type { LeaseRecord, StoredLease } from "../../../core/lease.js";
import type { RegionState } from "../../../core/verdict.js";
import type { Incident } from "../../../core/incident.js";
import type { LeverView } from "../../../core/levers.js";
import type {
  ActionRecord,
  ChannelRecord,
  Page,
  PageQuery,
  Pruned,
  PruneQuery,
  RefusedCalls,
  AllObservations,
  KeptStates,
  ObserverRows,
  OutboxRow,
  RunbookState,
  PauseState,
  StoredIncident,
  StoredOutboxRow,
  WriteWithAlerts,
} from "../../../ports/state-store.js";
import type { Alert } from "../../../core/alerts.js";
import {
  ALERTS_PARTITION,
  ALERT_END,
  ALERT_PREFIX,
  CHANNEL_END,
  CHANNEL_PREFIX,
  channelToEntity,
  entityToChannel,
  entityToOutbox,
  outboxToEntity,
} from "./outbox-entities.js";
import {
  HEARTBEAT_ROW,
  INCIDENT_ROW_PREFIX,
  LEVER_ROW_PREFIX,
  OBSERVER_END,
  OBSERVER_PREFIX,
  OLD_INCIDENT_END,
  OLD_INCIDENT_PREFIX,
  after,
  entityToLeverView,
  incidentRowPrefix,
  leverViewToEntity,
  observerPartition,
  FLOOR_KEY,
  PAUSE_KEY,
  entityToIncident,
  entityToPause,
  incidentToEntity,
  pauseToEntity,
  LEASE_KEY,
  STATE_PARTITION,
  entityToHeartbeat,
  entityToLease,
  entityToStates,
  floorToEntity,
  heartbeatToEntity,
  leaseToEntity,
  statesToEntity,
  decodeOrReport,
} from "./entities.js";
import { TableAuditLog } from "./audit-log.js";
import type { RollupDay } from "../../../ports/rollup-store.js";
import { pruneRollupRows, readRollupRows, writeRollupRows } from "./rollup-rows.js";
import type { ReadinessReport } from "../../../core/readiness.js";
import type { DrillRecord, ReadinessRows } from "../../../ports/readiness-store.js";
import {
  READINESS_PARTITION,
  drillToEntity,
  entityToReadiness,
  reportToEntity,
} from "./readiness-entities.js";
import {
  PAGED_ROWS_FROM,
  isPageRow,
  emptyPage,
  observationPages,
  pageIndex,
  pageObservations,
} from "./observation-pages.js";

/** Table Storage accepts at most 100 operations in one transaction. */
const BATCH_LIMIT = 100;
/**
 * ... and at most 4 MiB of payload: a probe tick's transaction takes pages up to this many bytes
 * of JSON (the rest of the 4 MiB is room for the batch's own framing), the rest go in further
 * transactions.
 */
const TICK_TRANSACTION_BYTES = 3_000_000;
const DEFAULT_TIMEOUT_MS = 10_000;

export interface TableStoreOptions {
  /** Upper bound for one store call, retries included. */
  readonly timeoutMs?: number;
  /** Retries of a failed request inside one call (the SDK's default when unset). */
  readonly maxRetries?: number;
  readonly log?: Log;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

/** Error codes of a request that never got an answer: the store is out of reach. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "REQUEST_SEND_ERROR",
]);

function kindOf(status: number | undefined, code: string | undefined): StoreErrorKind {
  if (status === undefined)
    return code !== undefined && NETWORK_CODES.has(code) ? "unavailable" : "failed";
  if (status === 408 || status === 429 || status >= 500) return "unavailable";
  if (status === 401 || status === 403) return "denied";
  if (status === 409 || status === 412) return "conflict";
  return "failed";
}

const statusOf = (error: unknown) => (error as { statusCode?: unknown }).statusCode;

function toStoreError(what: string, error: unknown): StoreError {
  if (isStoreError(error)) return error;
  const e = error as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e.code === "string" ? e.code : undefined;
  const aborted = e.name === "AbortError";
  const kind = aborted ? "unavailable" : kindOf(status, code);
  const firstLine = typeof e.message === "string" ? e.message.split("\n")[0] : undefined;
  const detail = aborted
    ? "timed out or was cancelled"
    : [status === undefined ? undefined : String(status), code].filter(Boolean).join(" ") ||
      (firstLine ?? "unknown error");
  const hint =
    kind === "denied"
      ? " (the identity needs the Storage Table Data Contributor role on the account)"
      : "";
  return new StoreError(kind, `state store: ${what} failed: ${detail}${hint}`, {
    cause: error,
    ...(status === undefined ? {} : { status }),
  });
}

export class TableStateStore implements StateStore {
  readonly #client: TableClient;
  readonly #timeoutMs: number;
  readonly #log: Log | undefined;
  readonly #audit: TableAuditLog;
  /** Page rows each observer is known to have in the store (written or read by this process). */
  readonly #pagesOf = new Map<string, number>();
  /** An observer's observations as of its heartbeat's version, as this process last wrote or read them. */
  readonly #own = new Map<string, { version: string; observations: readonly Observation[] }>();

  constructor(client: TableClient, options: TableStoreOptions = {}) {
    this.#client = client;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#log = options.log;
    this.#audit = new TableAuditLog(client, options.log);
  }

  async #call<T>(
    what: string,
    options: StoreCallOptions | undefined,
    run: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options?.abortSignal ? AbortSignal.any([options.abortSignal, timeout]) : timeout;
    try {
      return await run(signal);
    } catch (error) {
      throw toStoreError(what, error);
    }
  }

  initialise(options?: StoreCallOptions): Promise<void> {
    return this.#call(`creating table ${this.#client.tableName}`, options, async (abortSignal) => {
      await this.#client.createTable({ abortSignal });
      await this.#moveOldIncidents(abortSignal);
      // Rows of the old layout are read by nobody: removing them is tidying, not a condition of
      // starting. What the call's time leaves undone (thousands of rows at 1,000 groups, in
      // transactions of 100) the next start goes on with.
      try {
        await this.#removeTargetRows(abortSignal);
      } catch (error) {
        this.#log?.warn(
          `state store: observation rows of the layout before ADR 0023 remain, for the next start to remove: ${errorText(error)}`,
        );
      }
    });
  }

  /**
   * Incidents of the layout before ADR 0014 (a partition per group, `incident-{group}`), with
   * their outbox rows, are moved into the verdicts' partition: inserted there (a row already
   * there is left as it is), then deleted from the old place. Idempotent; one query when there
   * is nothing to move.
   */
  async #moveOldIncidents(abortSignal: AbortSignal): Promise<void> {
    const rows = this.#client.listEntities({
      queryOptions: {
        filter: odata`PartitionKey ge ${OLD_INCIDENT_PREFIX} and PartitionKey lt ${OLD_INCIDENT_END}`,
      },
      // Typed as stored ({ value, type }), so times written as doubles stay doubles.
      disableTypeConversion: true,
      abortSignal,
    });
    let moved = 0;
    for await (const row of rows) {
      const { partitionKey, rowKey, etag: _etag, timestamp: _timestamp, ...fields } = row;
      if (!partitionKey || !rowKey) continue;
      const group = partitionKey.slice(OLD_INCIDENT_PREFIX.length);
      const newKey = rowKey.startsWith(ALERT_PREFIX)
        ? rowKey
        : `${incidentRowPrefix(group)}${rowKey}`;
      try {
        await this.#client.createEntity(
          { ...fields, partitionKey: STATE_PARTITION, rowKey: newKey },
          { abortSignal },
        );
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
      }
      await this.#client.deleteEntity(partitionKey, rowKey, { abortSignal });
      moved++;
    }
    if (moved > 0)
      this.#log?.info(`state store: moved ${moved} incident and alert rows to the new layout`);
  }

  /**
   * Observation rows of the layout before ADR 0023 (a row per target, `{group}|{target}`, in the
   * observer's partition) are deleted: readers read only the heartbeat and the pages, and every
   * observer rewrites its observations within a tick. One query when there is nothing to delete.
   */
  async #removeTargetRows(abortSignal: AbortSignal): Promise<void> {
    const rows = this.#client.listEntities({
      queryOptions: {
        filter: odata`PartitionKey ge ${OBSERVER_PREFIX} and PartitionKey lt ${OBSERVER_END} and RowKey lt ${PAGED_ROWS_FROM}`,
        select: ["PartitionKey", "RowKey"],
      },
      abortSignal,
    });
    const deletes: TransactionAction[] = [];
    for await (const row of rows)
      if (row.partitionKey && row.rowKey)
        deletes.push(["delete", { partitionKey: row.partitionKey, rowKey: row.rowKey }]);
    try {
      await this.#submitAll(deletes, abortSignal);
    } catch (error) {
      // An observer of the old layout still running rewrote some: the next start removes them.
      if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
    }
    if (deletes.length > 0)
      this.#log?.info(
        `state store: removed ${deletes.length} observation rows of the layout before ADR 0023`,
      );
  }

  async #submitAll(actions: readonly TransactionAction[], abortSignal: AbortSignal): Promise<void> {
    const byPartition = new Map<string, TransactionAction[]>();
    for (const action of actions) {
      const key = action[1].partitionKey;
      byPartition.set(key, [...(byPartition.get(key) ?? []), action]);
    }
    for (const list of byPartition.values())
      for (let i = 0; i < list.length; i += BATCH_LIMIT)
        await this.#client.submitTransaction(list.slice(i, i + BATCH_LIMIT), { abortSignal });
  }

  /**
   * Upserts of an observer's pages; pages it wrote before beyond their number (as far as this
   * process knows: its own writes and reads) are written empty, so that no older observation
   * stays behind and no write can fail on a row another process removed.
   */
  #pageActions(observer: string, observations: readonly Observation[]): TransactionAction[] {
    const pages = observationPages(observer, observations);
    for (let i = pages.length; i < (this.#pagesOf.get(observer) ?? 0); i++)
      pages.push(emptyPage(observer, i));
    return pages.map((page) => ["upsert", page, "Replace"]);
  }

  /** One observer's rows as the store has them, in one query (and known from then on). */
  async #readOwn(observer: string, abortSignal: AbortSignal): Promise<ObserverRows> {
    const [rows] = await this.#readPaged(
      odata`PartitionKey eq ${observerPartition(observer)}`,
      abortSignal,
    );
    const { observer: _observer, ...own } = rows ?? { observer, observations: [] };
    if (own.version)
      this.#own.set(observer, { version: own.version, observations: own.observations });
    return own;
  }

  /**
   * A tick writes the observer's pages whole: the observations it brings merged into those the
   * observer has (a target not probed this tick keeps its last observation, as with a row per
   * target). What it has is known from this process's last write or read of the same version;
   * otherwise its partition is read first (one query).
   */
  recordTick(
    heartbeat: Heartbeat,
    observations: readonly Observation[],
    options?: StoreCallOptions & { readonly expected?: { readonly etag?: string } },
  ): Promise<string> {
    const observer = heartbeat.observer;
    return this.#call(`writing the tick of ${observer}`, options, async (abortSignal) => {
      if (observations.some((o) => o.observer !== observer))
        throw new StoreError("failed", "state store: a tick writes only its own observer's rows");
      const beat = heartbeatToEntity(heartbeat);
      const expected = options?.expected;
      const known = this.#own.get(observer);
      this.#own.delete(observer);
      const before =
        known && expected?.etag !== undefined && known.version === expected.etag
          ? known
          : await this.#readOwn(observer, abortSignal);
      if (expected && expected.etag !== before.version)
        throw new StoreError(
          "conflict",
          `state store: writing the tick of ${observer} failed: the heartbeat has moved on`,
          { status: before.version ? 412 : 404 },
        );
      const first: TransactionAction = !expected
        ? ["upsert", beat, "Replace"]
        : expected.etag === undefined
          ? ["create", beat]
          : ["update", beat, "Replace", { etag: expected.etag }];
      // The heartbeat goes in the first transaction, with as many pages as fit (at 1,000 groups,
      // all of them): a conflict on it writes nothing at all.
      const all = merge(before.observations, observations);
      const pages = this.#pageActions(observer, all);
      let taken = 0;
      let bytes = 0;
      while (taken < pages.length && taken < BATCH_LIMIT - 1) {
        const size = Buffer.byteLength(JSON.stringify(pages[taken]![1]));
        if (taken > 0 && bytes + size > TICK_TRANSACTION_BYTES) break;
        bytes += size;
        taken++;
      }
      let response;
      try {
        response = await this.#client.submitTransaction([first, ...pages.slice(0, taken)], {
          abortSignal,
        });
      } catch (error) {
        // The row was deleted since it was read: as much a changed version as a new etag.
        if (statusOf(error) === 404)
          throw new StoreError("conflict", "state store: the heartbeat row is gone", {
            status: 404,
          });
        throw error;
      }
      await this.#submitAll(pages.slice(taken), abortSignal);
      this.#pagesOf.set(observer, pages.length);
      const version = this.#etag(response.subResponses[0]?.etag);
      this.#own.set(observer, { version, observations: all });
      return version;
    });
  }

  /**
   * The heartbeats and observations of the observer partitions `filter` selects, by observer,
   * read from the heartbeat and page rows only (ADR 0023). An observation in an earlier page wins
   * over the same target's in a later one: a page beyond the writer's count is left from a tick
   * that needed more, and is older.
   */
  async #readPaged(
    filter: string,
    abortSignal: AbortSignal,
  ): Promise<(ObserverRows & { observer: string })[]> {
    const rows = this.#client.listEntities({
      queryOptions: { filter: `${filter} and ${odata`RowKey ge ${PAGED_ROWS_FROM}`}` },
      abortSignal,
    });
    const found = new Map<
      string,
      { heartbeat?: Heartbeat; version?: string; pages: number; seen: Map<string, Observation> }
    >();
    for await (const row of rows) {
      const partition = row.partitionKey ?? "";
      const observer = partition.slice(OBSERVER_PREFIX.length);
      let entry = found.get(observer);
      if (!entry) found.set(observer, (entry = { pages: 0, seen: new Map() }));
      if (row.rowKey === HEARTBEAT_ROW) {
        const h = this.#decodeOne(row, entityToHeartbeat, "heartbeat");
        if (h) entry.heartbeat = h;
        if (row.etag) entry.version = row.etag;
      } else if (isPageRow(row.rowKey)) {
        entry.pages = Math.max(entry.pages, pageIndex(row.rowKey!) + 1);
        const page = pageObservations(observer, row);
        if (!page || page.skipped > 0)
          this.#log?.warn(
            `state store: skipped ${page ? `${page.skipped} malformed observations of` : "a malformed"} page row (${partition}/${row.rowKey})`,
          );
        for (const o of page?.observations ?? [])
          if (!entry.seen.has(targetKey(o))) entry.seen.set(targetKey(o), o);
      }
    }
    return [...found].map(([observer, e]) => {
      // What this process knows it must delete when it writes fewer pages.
      this.#pagesOf.set(observer, Math.max(e.pages, this.#pagesOf.get(observer) ?? 0));
      return {
        observer,
        observations: [...e.seen.values()],
        ...(e.heartbeat ? { heartbeat: e.heartbeat } : {}),
        ...(e.version ? { version: e.version } : {}),
      };
    });
  }

  readObserver(observer: string, options?: StoreCallOptions): Promise<ObserverRows> {
    return this.#call(`reading the rows of ${observer}`, options, (abortSignal) =>
      this.#readOwn(observer, abortSignal),
    );
  }

  readAllObservations(options?: StoreCallOptions): Promise<AllObservations> {
    return this.#call("reading observations", options, async (abortSignal) => {
      const all = await this.#readPaged(
        odata`PartitionKey ge ${OBSERVER_PREFIX} and PartitionKey lt ${OBSERVER_END}`,
        abortSignal,
      );
      return {
        heartbeats: all.flatMap((o) => (o.heartbeat ? [o.heartbeat] : [])),
        observations: all.flatMap((o) => o.observations),
      };
    });
  }

  recordHeartbeat(heartbeat: Heartbeat, options?: StoreCallOptions): Promise<void> {
    return this.#call("writing heartbeat", options, async (abortSignal) => {
      await this.#client.upsertEntity(heartbeatToEntity(heartbeat), "Replace", { abortSignal });
    });
  }

  readLease(options?: StoreCallOptions): Promise<StoredLease | undefined> {
    return this.#call("reading the lease", options, async (abortSignal) => {
      let row: Record<string, unknown> & { etag?: string };
      try {
        row = await this.#client.getEntity(LEASE_KEY.partitionKey, LEASE_KEY.rowKey, {
          abortSignal,
        });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      const record = entityToLease(row);
      if (!record || !row.etag)
        throw new StoreError(
          "failed",
          "state store: the lease row is malformed; delete it and Tandem will recreate it",
        );
      return { record, etag: row.etag };
    });
  }

  createLease(record: LeaseRecord, options?: StoreCallOptions): Promise<string> {
    return this.#call("creating the lease", options, async (abortSignal) => {
      const response = await this.#client.submitTransaction(
        [
          ["create", leaseToEntity(record)],
          ["upsert", floorToEntity(record.epoch), "Replace"],
        ],
        { abortSignal },
      );
      return this.#etag(response.subResponses[0]?.etag);
    });
  }

  replaceLease(record: LeaseRecord, etag: string, options?: StoreCallOptions): Promise<string> {
    return this.#call("replacing the lease", options, async (abortSignal) => {
      try {
        const response = await this.#client.submitTransaction(
          [
            ["update", leaseToEntity(record), "Replace", { etag }],
            ["upsert", floorToEntity(record.epoch), "Replace"],
          ],
          { abortSignal },
        );
        return this.#etag(response.subResponses[0]?.etag);
      } catch (error) {
        // The row was deleted since it was read: as much a lost race as a changed version.
        if (statusOf(error) === 404)
          throw new StoreError(
            "conflict",
            "state store: replacing the lease failed: 404 the row is gone",
            {
              status: 404,
            },
          );
        throw error;
      }
    });
  }

  readEpochFloor(options?: StoreCallOptions): Promise<number> {
    return this.#call("reading the epoch floor", options, async (abortSignal) => {
      try {
        const row = await this.#client.getEntity<{ epoch?: unknown }>(
          FLOOR_KEY.partitionKey,
          FLOOR_KEY.rowKey,
          {
            abortSignal,
          },
        );
        return typeof row.epoch === "number" ? row.epoch : 0;
      } catch (error) {
        if (statusOf(error) === 404) return 0;
        throw error;
      }
    });
  }

  #etag(etag: string | undefined): string {
    if (!etag)
      throw new StoreError("failed", "state store: the service answered a write without an ETag");
    return etag;
  }

  appendAction(entry: ActionRecord, options?: StoreCallOptions): Promise<void> {
    return this.#call("appending to the action log", options, (abortSignal) =>
      this.#audit.append(entry, abortSignal),
    );
  }

  readActions(options?: StoreCallOptions): Promise<ActionRecord[]> {
    return this.#call("reading the action log", options, (abortSignal) =>
      this.#audit.readAll(abortSignal),
    );
  }

  readActionPage(
    query: PageQuery & { readonly incident?: string },
    options?: StoreCallOptions,
  ): Promise<Page<ActionRecord>> {
    return this.#call("reading a page of the action log", options, (abortSignal) =>
      this.#audit.page(query, abortSignal),
    );
  }

  addRefusedCalls(
    calls: readonly RefusedCalls[],
    options: StoreCallOptions & { readonly callersPerMinute: number },
  ): Promise<void> {
    return this.#call("counting refused calls", options, (abortSignal) =>
      this.#audit.addRefused(calls, options.callersPerMinute, abortSignal),
    );
  }

  readRefusedCalls(query: PageQuery, options?: StoreCallOptions): Promise<Page<RefusedCalls>> {
    return this.#call("reading refused calls", options, (abortSignal) =>
      this.#audit.readRefused(query, abortSignal),
    );
  }

  readRollups(
    from: string,
    to: string,
    options?: StoreCallOptions & { readonly group?: string },
  ): Promise<RollupDay[]> {
    const whose = options?.group === undefined ? "" : ` of ${options.group}`;
    return this.#call(`reading the history${whose} of ${from} to ${to}`, options, (abortSignal) =>
      readRollupRows(this.#client, from, to, options?.group, abortSignal, this.#log),
    );
  }

  writeRollups(rows: readonly RollupDay[], options?: StoreCallOptions): Promise<void> {
    return this.#call(`writing the history of ${rows.length} group days`, options, (abortSignal) =>
      writeRollupRows(this.#client, rows, abortSignal),
    );
  }

  pruneRollups(before: string, options?: StoreCallOptions): Promise<number> {
    return this.#call(`pruning the history before ${before}`, options, (abortSignal) =>
      pruneRollupRows(this.#client, before, abortSignal),
    );
  }

  pruneAudit(query: PruneQuery, options?: StoreCallOptions): Promise<Pruned> {
    return this.#call("pruning the audit log", options, (abortSignal) =>
      this.#audit.prune(query, abortSignal),
    );
  }

  readRegionStates(group: string, options?: StoreCallOptions): Promise<KeptStates> {
    return this.#call(`reading the verdicts of ${group}`, options, async (abortSignal) => {
      try {
        const row = await this.#client.getEntity(STATE_PARTITION, group, { abortSignal });
        const states = entityToStates(row);
        if (!states)
          this.#log?.warn(
            `state store: the verdict row of ${group} is malformed; it will be rewritten`,
          );
        return { states: states ?? {}, ...(row.etag ? { etag: row.etag } : {}) };
      } catch (error) {
        if (statusOf(error) === 404) return { states: {} };
        throw error;
      }
    });
  }

  writeRegionStates(
    group: string,
    states: Record<string, RegionState>,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void> {
    return this.#call(`writing the verdicts of ${group}`, options, (abortSignal) =>
      this.#writeWithAlerts(statesToEntity(group, states), etag, options?.alerts, abortSignal),
    );
  }

  /**
   * One conditional write, and the alerts it causes inserted into the outbox in the same
   * transaction (the alerts' rows are in the written row's partition): both or neither.
   */
  async #writeWithAlerts(
    entity: ReturnType<typeof statesToEntity>,
    etag: string | undefined,
    alerts: readonly Alert[] | undefined,
    abortSignal: AbortSignal,
  ): Promise<void> {
    if (!alerts || alerts.length === 0) {
      if (etag === undefined) await this.#client.createEntity(entity, { abortSignal });
      else await this.#client.updateEntity(entity, "Replace", { etag, abortSignal });
      return;
    }
    const write: TransactionAction =
      etag === undefined ? ["create", entity] : ["update", entity, "Replace", { etag }];
    const inserts: TransactionAction[] = alerts.map((alert) => [
      "create",
      outboxToEntity(entity.partitionKey, { alert, deliveries: {}, done: false }),
    ]);
    if (inserts.length + 1 > BATCH_LIMIT)
      throw new StoreError(
        "failed",
        `state store: ${inserts.length} alerts in one write is too many`,
      );
    await this.#client.submitTransaction([write, ...inserts], { abortSignal });
  }

  readIncident(
    group: string,
    id: string,
    options?: StoreCallOptions,
  ): Promise<StoredIncident | undefined> {
    return this.#call(`reading incident ${id}`, options, async (abortSignal) => {
      let row;
      try {
        row = await this.#client.getEntity(STATE_PARTITION, `${incidentRowPrefix(group)}${id}`, {
          abortSignal,
        });
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
      const incident = this.#decodeOne(row, (r) => entityToIncident(r, this.#log), "incident");
      return incident && row.etag ? { incident, etag: row.etag } : undefined;
    });
  }

  readIncidents(group: string, options?: StoreCallOptions): Promise<StoredIncident[]> {
    return this.#call(`reading the incidents of ${group}`, options, async (abortSignal) => {
      const prefix = incidentRowPrefix(group);
      const rows = this.#client.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${STATE_PARTITION} and RowKey ge ${prefix} and RowKey lt ${after(prefix)}`,
        },
        abortSignal,
      });
      const out: StoredIncident[] = [];
      for await (const row of rows) {
        const incident = this.#decodeOne(row, (r) => entityToIncident(r, this.#log), "incident");
        if (incident && row.etag) out.push({ incident, etag: row.etag });
      }
      return sortIncidents(out);
    });
  }

  readRunbookState(options?: StoreCallOptions): Promise<RunbookState> {
    return this.#call(
      "reading the verdicts, incidents and lever views",
      options,
      async (abortSignal) => {
        // One partition, read whole: verdict rows (key: the group), incidents and lever views (keys
        // from `~`), and the outbox rows of verdicts and incidents, which are skipped here.
        const rows = this.#client.listEntities({
          queryOptions: { filter: odata`PartitionKey eq ${STATE_PARTITION}` },
          abortSignal,
        });
        const kept: Record<string, KeptStates> = {};
        const incidents: Record<string, StoredIncident[]> = {};
        const leverViews: Record<string, LeverView> = {};
        for await (const row of rows) {
          const key = row.rowKey ?? "";
          if (key.startsWith(INCIDENT_ROW_PREFIX)) {
            const incident = this.#decodeOne(
              row,
              (r) => entityToIncident(r, this.#log),
              "incident",
            );
            if (incident && row.etag)
              (incidents[incident.group] ??= []).push({ incident, etag: row.etag });
          } else if (key.startsWith(LEVER_ROW_PREFIX)) {
            const view = this.#decodeOne(row, entityToLeverView, "lever view");
            if (view) leverViews[view[0]] = view[1];
          } else if (typeof row["regions"] === "string") {
            const states = entityToStates(row);
            if (!states)
              this.#log?.warn(
                `state store: the verdict row of ${key} is malformed; it will be rewritten`,
              );
            kept[key] = { states: states ?? {}, ...(row.etag ? { etag: row.etag } : {}) };
          }
        }
        for (const list of Object.values(incidents)) sortIncidents(list);
        return { kept, incidents, leverViews };
      },
    );
  }

  writeIncident(
    incident: Incident,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void> {
    return this.#call(`writing incident ${incident.id}`, options, (abortSignal) =>
      this.#writeWithAlerts(incidentToEntity(incident), etag, options?.alerts, abortSignal),
    );
  }

  deleteIncident(
    group: string,
    id: string,
    etag: string,
    options?: StoreCallOptions,
  ): Promise<void> {
    return this.#call(`deleting incident ${id}`, options, async (abortSignal) => {
      try {
        await this.#client.deleteEntity(STATE_PARTITION, `${incidentRowPrefix(group)}${id}`, {
          etag,
          abortSignal,
        });
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    });
  }

  enqueueAlerts(alerts: readonly Alert[], options?: StoreCallOptions): Promise<void> {
    return this.#call("adding alerts to the outbox", options, async (abortSignal) => {
      await Promise.all(
        alerts.map(async (alert) => {
          try {
            await this.#client.createEntity(
              outboxToEntity(ALERTS_PARTITION, { alert, deliveries: {}, done: false }),
              { abortSignal },
            );
          } catch (error) {
            // Already there (another observer heard the same event): one row is the point.
            if (statusOf(error) !== 409) throw error;
          }
        }),
      );
    });
  }

  /** Since ADR 0014 incidents' alerts share the verdicts' partition: rows say their group. */
  #outboxPartitions(_groups: readonly string[]): string[] {
    return [ALERTS_PARTITION, STATE_PARTITION];
  }

  readOutbox(groups: readonly string[], options?: StoreCallOptions): Promise<StoredOutboxRow[]> {
    return this.#call("reading the alert outbox", options, async (abortSignal) => {
      const out: StoredOutboxRow[] = [];
      await Promise.all(
        this.#outboxPartitions(groups).map(async (partition) => {
          const rows = this.#client.listEntities({
            queryOptions: {
              filter: `${odata`PartitionKey eq ${partition} and RowKey ge ${ALERT_PREFIX} and RowKey lt ${ALERT_END}`} and done eq false`,
            },
            abortSignal,
          });
          for await (const row of rows) {
            const decoded = entityToOutbox(row);
            if (!decoded || !row.etag)
              this.#log?.warn(
                `state store: skipped a malformed outbox row (${partition}/${row.rowKey})`,
              );
            else if (ofGroups(decoded, groups))
              out.push({ ref: `${partition}|${row.rowKey}`, row: decoded, etag: row.etag });
          }
        }),
      );
      return out.sort((a, b) => a.row.alert.at - b.row.alert.at || a.ref.localeCompare(b.ref));
    });
  }

  updateOutbox(
    ref: string,
    row: OutboxRow,
    etag: string,
    options?: StoreCallOptions,
  ): Promise<string> {
    return this.#call("updating an outbox row", options, async (abortSignal) => {
      const partition = ref.slice(0, ref.indexOf("|"));
      const entity = outboxToEntity(partition, row);
      if (`${partition}|${entity.rowKey}` !== ref)
        throw new StoreError("failed", "state store: an outbox row cannot change its alert");
      try {
        const response = await this.#client.updateEntity(entity, "Replace", { etag, abortSignal });
        return this.#etag(response.etag);
      } catch (error) {
        if (statusOf(error) === 404)
          throw new StoreError("conflict", "state store: the outbox row is gone", { status: 404 });
        throw error;
      }
    });
  }

  pruneOutbox(
    groups: readonly string[],
    before: number,
    options?: StoreCallOptions,
  ): Promise<number> {
    return this.#call("pruning the alert outbox", options, async (abortSignal) => {
      let removed = 0;
      for (const partition of this.#outboxPartitions(groups)) {
        const rows = this.#client.listEntities({
          queryOptions: {
            filter: `${odata`PartitionKey eq ${partition} and RowKey ge ${ALERT_PREFIX} and RowKey lt ${ALERT_END}`} and done eq true`,
          },
          abortSignal,
        });
        for await (const row of rows) {
          const doneAt = row["doneAtMs"];
          if (typeof doneAt !== "number" || doneAt >= before || !row.rowKey) continue;
          const decoded = entityToOutbox(row);
          if (decoded && !ofGroups(decoded, groups)) continue;
          try {
            await this.#client.deleteEntity(partition, row.rowKey, { etag: row.etag, abortSignal });
            removed++;
          } catch (error) {
            if (statusOf(error) !== 404 && statusOf(error) !== 412) throw error;
          }
        }
      }
      return removed;
    });
  }

  readAlertChannels(options?: StoreCallOptions): Promise<Record<string, ChannelRecord>> {
    return this.#call("reading the alert channels", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${ALERTS_PARTITION} and RowKey ge ${CHANNEL_PREFIX} and RowKey lt ${CHANNEL_END}`,
        },
        abortSignal,
      });
      return Object.fromEntries(await this.#decode(rows, entityToChannel, "alert channel"));
    });
  }

  writeAlertChannel(
    name: string,
    record: ChannelRecord,
    options?: StoreCallOptions,
  ): Promise<void> {
    return this.#call(`writing alert channel ${name}`, options, async (abortSignal) => {
      await this.#client.upsertEntity(channelToEntity(name, record), "Replace", { abortSignal });
    });
  }

  readLeverViews(options?: StoreCallOptions): Promise<Record<string, LeverView>> {
    return this.#call("reading the lever views", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: {
          filter: odata`PartitionKey eq ${STATE_PARTITION} and RowKey ge ${LEVER_ROW_PREFIX} and RowKey lt ${after(LEVER_ROW_PREFIX)}`,
        },
        abortSignal,
      });
      return Object.fromEntries(await this.#decode(rows, entityToLeverView, "lever view"));
    });
  }

  writeLeverView(group: string, view: LeverView, options?: StoreCallOptions): Promise<void> {
    return this.#call(`writing the lever view of ${group}`, options, async (abortSignal) => {
      await this.#client.upsertEntity(leverViewToEntity(group, view), "Replace", { abortSignal });
    });
  }

  readReadiness(options?: StoreCallOptions): Promise<ReadinessRows> {
    return this.#call("reading the readiness reports", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${READINESS_PARTITION}` },
        abortSignal,
      });
      const reports: Record<string, ReadinessReport> = {};
      const drills: Record<string, DrillRecord> = {};
      for (const row of await this.#decode(rows, entityToReadiness, "readiness row")) {
        if ("report" in row) reports[row.report.group] = row.report;
        else drills[row.group] = row.drill;
      }
      return { reports, drills };
    });
  }

  writeReadiness(report: ReadinessReport, options?: StoreCallOptions): Promise<void> {
    return this.#call(`writing the readiness of ${report.group}`, options, async (abortSignal) => {
      await this.#client.upsertEntity(reportToEntity(report), "Replace", { abortSignal });
    });
  }

  recordDrill(group: string, drill: DrillRecord, options?: StoreCallOptions): Promise<void> {
    return this.#call(`recording the drill of ${group}`, options, async (abortSignal) => {
      await this.#client.upsertEntity(drillToEntity(group, drill), "Replace", { abortSignal });
    });
  }

  readPause(options?: StoreCallOptions): Promise<PauseState> {
    return this.#call("reading the pause flags", options, async (abortSignal) => {
      try {
        const row = await this.#client.getEntity(PAUSE_KEY.partitionKey, PAUSE_KEY.rowKey, {
          abortSignal,
        });
        return { ...entityToPause(row), etag: row.etag };
      } catch (error) {
        if (statusOf(error) === 404) return { all: false, groups: [] };
        throw error;
      }
    });
  }

  writePause(
    state: PauseState,
    options?: StoreCallOptions & { readonly expected?: { readonly etag?: string } },
  ): Promise<void> {
    return this.#call("writing the pause flags", options, async (abortSignal) => {
      const entity = pauseToEntity(state);
      const expected = options?.expected;
      if (!expected) await this.#client.upsertEntity(entity, "Replace", { abortSignal });
      else if (expected.etag === undefined)
        await this.#client.createEntity(entity, { abortSignal });
      else await this.#client.updateEntity(entity, "Replace", { etag: expected.etag, abortSignal });
    });
  }

  #decodeOne<T>(
    row: Record<string, unknown>,
    decode: (row: Record<string, unknown>) => T | undefined,
    what: string,
  ): T | undefined {
    return decodeOrReport(row, decode, what, this.#log);
  }

  /** Rows that do not decode are skipped and reported, so one bad row cannot stop agreement. */
  async #decode<T>(
    rows: AsyncIterable<TableEntityResult<Record<string, unknown>>>,
    decode: (row: Record<string, unknown>) => T | undefined,
    what: string,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const row of rows) {
      const value = decodeOrReport(row, decode, what, this.#log);
      if (value !== undefined) out.push(value);
    }
    return out;
  }
}

/** A row of these groups' or of no group's (what readOutbox and pruneOutbox cover). */
function ofGroups(row: OutboxRow, groups: readonly string[]): boolean {
  return row.alert.group === undefined || groups.includes(row.alert.group);
}

const targetKey = (o: Observation) => `${o.group}|${o.target}`;

/** `before` with `now` written over it, target by target. */
function merge(before: readonly Observation[], now: readonly Observation[]): Observation[] {
  const all = new Map(before.map((o) => [targetKey(o), o]));
  for (const o of now) all.set(targetKey(o), o);
  return [...all.values()];
}

function sortIncidents(list: StoredIncident[]): StoredIncident[] {
  return list.sort(
    (a, b) =>
      a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
  );
}

export function tableStoreFromConnectionString(
  connectionString: string,
  table: string,
  options?: TableStoreOptions,
): TableStateStore {
  let client: TableClient;
  try {
    const endpoint = /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1];
    const insecure = endpoint !== undefined && endpoint.startsWith("http:") && isLoopback(endpoint);
    client = TableClient.fromConnectionString(connectionString, table, {
      allowInsecureConnection: insecure,
      ...(options?.maxRetries === undefined
        ? {}
        : { retryOptions: { maxRetries: options.maxRetries } }),
    });
  } catch {
    // The SDK's message can quote the connection string; this one names no secret.
    throw new StoreError(
      "failed",
      "state store: the connection string is not a valid storage connection string",
    );
  }
  return new TableStateStore(client, options);
}

export function tableStoreFromEndpoint(
  endpoint: string,
  table: string,
  credential: TokenCredential,
  options?: TableStoreOptions,
): TableStateStore {
  return new TableStateStore(new TableClient(endpoint, table, credential), options);
}
