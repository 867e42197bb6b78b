// The state store on Azure Table Storage (or Cosmos DB for Table), through @azure/data-tables.
// Every call runs under a timeout and the caller's abort signal; every failure becomes a StoreError.
import type { TokenCredential } from "@azure/identity";
import type { TableEntityResult, TransactionAction } from "@azure/data-tables";
import { odata, TableClient } from "@azure/data-tables";
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { StateStore, StoreCallOptions, StoreErrorKind } from "../../../ports/state-store.js";
import { StoreError, isStoreError } from "../../../ports/state-store.js";
import type { Log } from "../../../ports/log.js";
import { randomUUID } from "node:crypto";
import type { LeaseRecord, StoredLease } from "../../../core/lease.js";
import type { RegionState } from "../../../core/verdict.js";
import type { Incident } from "../../../core/incident.js";
import type { LeverView } from "../../../core/levers.js";
import type {
  ActionRecord,
  KeptStates,
  PauseState,
  StoredIncident,
} from "../../../ports/state-store.js";
import {
  ACTION_PARTITION,
  LEVER_VIEW_PARTITION,
  entityToLeverView,
  leverViewToEntity,
  FLOOR_KEY,
  PAUSE_KEY,
  entityToIncident,
  entityToPause,
  incidentPartition,
  incidentToEntity,
  pauseToEntity,
  HEARTBEAT_PARTITION,
  LEASE_KEY,
  STATE_PARTITION,
  actionToEntity,
  entityToAction,
  entityToHeartbeat,
  entityToLease,
  entityToObservation,
  entityToStates,
  floorToEntity,
  heartbeatToEntity,
  leaseToEntity,
  observationPartition,
  observationToEntity,
  statesToEntity,
} from "./entities.js";

/** Table Storage accepts at most 100 operations in one transaction. */
const BATCH_LIMIT = 100;
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
  /** Orders this process's entries of one millisecond as they were appended. */
  #appended = 0;

  constructor(client: TableClient, options: TableStoreOptions = {}) {
    this.#client = client;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#log = options.log;
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
    return this.#call(`creating table ${this.#client.tableName}`, options, (abortSignal) =>
      this.#client.createTable({ abortSignal }),
    );
  }

  recordObservations(
    observations: readonly Observation[],
    options?: StoreCallOptions,
  ): Promise<void> {
    return this.#call("writing observations", options, async (abortSignal) => {
      const byPartition = new Map<string, TransactionAction[]>();
      for (const o of observations) {
        const entity = observationToEntity(o);
        const actions = byPartition.get(entity.partitionKey) ?? [];
        actions.push(["upsert", entity, "Replace"]);
        byPartition.set(entity.partitionKey, actions);
      }
      for (const actions of byPartition.values()) {
        for (let i = 0; i < actions.length; i += BATCH_LIMIT) {
          await this.#client.submitTransaction(actions.slice(i, i + BATCH_LIMIT), { abortSignal });
        }
      }
    });
  }

  readObservations(group: string, options?: StoreCallOptions): Promise<Observation[]> {
    return this.#call(`reading observations of ${group}`, options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${observationPartition(group)}` },
        abortSignal,
      });
      return this.#decode(rows, entityToObservation, "observation");
    });
  }

  recordHeartbeat(heartbeat: Heartbeat, options?: StoreCallOptions): Promise<void> {
    return this.#call("writing heartbeat", options, async (abortSignal) => {
      await this.#client.upsertEntity(heartbeatToEntity(heartbeat), "Replace", { abortSignal });
    });
  }

  readHeartbeats(options?: StoreCallOptions): Promise<Heartbeat[]> {
    return this.#call("reading heartbeats", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${HEARTBEAT_PARTITION}` },
        abortSignal,
      });
      return this.#decode(rows, entityToHeartbeat, "heartbeat");
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
    return this.#call("appending to the action log", options, async (abortSignal) => {
      await this.#client.createEntity(
        actionToEntity(
          entry,
          `${String(++this.#appended).padStart(9, "0")}-${randomUUID().slice(0, 8)}`,
        ),
        { abortSignal },
      );
    });
  }

  readActions(options?: StoreCallOptions): Promise<ActionRecord[]> {
    return this.#call("reading the action log", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${ACTION_PARTITION}` },
        abortSignal,
      });
      return this.#decode(rows, entityToAction, "action");
    });
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
    options?: StoreCallOptions,
  ): Promise<void> {
    return this.#call(`writing the verdicts of ${group}`, options, async (abortSignal) => {
      const entity = statesToEntity(group, states);
      if (etag === undefined) await this.#client.createEntity(entity, { abortSignal });
      else await this.#client.updateEntity(entity, "Replace", { etag, abortSignal });
    });
  }

  readIncidents(group: string, options?: StoreCallOptions): Promise<StoredIncident[]> {
    return this.#call(`reading the incidents of ${group}`, options, async (abortSignal) => {
      const out: StoredIncident[] = [];
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${incidentPartition(group)}` },
        abortSignal,
      });
      for await (const row of rows) {
        const incident = entityToIncident(row);
        if (!incident || !row.etag)
          this.#log?.warn(`state store: skipped a malformed incident row (${row.rowKey})`);
        else out.push({ incident, etag: row.etag });
      }
      return out.sort(
        (a, b) =>
          a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
      );
    });
  }

  writeIncident(
    incident: Incident,
    etag: string | undefined,
    options?: StoreCallOptions,
  ): Promise<void> {
    return this.#call(`writing incident ${incident.id}`, options, async (abortSignal) => {
      const entity = incidentToEntity(incident);
      if (etag === undefined) await this.#client.createEntity(entity, { abortSignal });
      else await this.#client.updateEntity(entity, "Replace", { etag, abortSignal });
    });
  }

  readLeverViews(options?: StoreCallOptions): Promise<Record<string, LeverView>> {
    return this.#call("reading the lever views", options, async (abortSignal) => {
      const rows = this.#client.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${LEVER_VIEW_PARTITION}` },
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

  /** Rows that do not decode are skipped and reported, so one bad row cannot stop agreement. */
  async #decode<T>(
    rows: AsyncIterable<TableEntityResult<Record<string, unknown>>>,
    decode: (row: Record<string, unknown>) => T | undefined,
    what: string,
  ): Promise<T[]> {
    const out: T[] = [];
    for await (const row of rows) {
      const value = decode(row);
      if (value === undefined)
        this.#log?.warn(
          `state store: skipped a malformed ${what} row (${row.partitionKey}/${row.rowKey})`,
        );
      else out.push(value);
    }
    return out;
  }
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
