// The shared state store: what every observer writes and reads to agree. One implementation per
// backend (Table Storage, memory); all pass test/adapters/store/contract.ts.
import { namedError } from "../core/errors.js";
import type { LeaseRecord, StoredLease } from "../core/lease.js";
import type { Heartbeat, Observation } from "../core/observation.js";
import type { Incident } from "../core/incident.js";
import type { RegionState } from "../core/verdict.js";
import type { OutboxStore, WriteWithAlerts } from "./outbox.js";
import type { AuditStore } from "./audit-store.js";
import type { RollupStore } from "./rollup-store.js";
import type { ReadinessStore } from "./readiness-store.js";

export type {
  ActionRecord,
  AuditStore,
  Page,
  PageQuery,
  Pruned,
  PruneQuery,
  RefusedCalls,
} from "./audit-store.js";

export type {
  ChannelRecord,
  Delivery,
  OutboxRow,
  OutboxStore,
  StoredOutboxRow,
  WriteWithAlerts,
} from "./outbox.js";
import type { LeverView } from "../core/levers.js";

export interface StoredIncident {
  readonly incident: Incident;
  readonly etag: string;
}

/** Automation paused for every group, or for some. */
export interface PauseState {
  readonly all: boolean;
  readonly groups: readonly string[];
  /** Why each pause was asked for, by whom and when, by group (`*` for all). */
  readonly reasons?: Readonly<Record<string, PauseReason>>;
  /**
   * When a person last resumed automation, by group (`*` for all): it ends a manual hold on the
   * routing (automatic failback may undo a person's failover again from then on).
   */
  readonly released?: Readonly<Record<string, number>>;
  /** The row's version as read (absent: no row yet), for a conditional write. */
  readonly etag?: string;
}

export interface PauseReason {
  readonly by: string;
  readonly reason: string;
  readonly at: number;
}

export interface StoreCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface StateStore extends OutboxStore, AuditStore, RollupStore, ReadinessStore {
  /** Creates what the store needs (the table); safe to call again. */
  initialise(options?: StoreCallOptions): Promise<void>;
  /** Writes an observer's heartbeat alone, unconditionally. */
  recordHeartbeat(heartbeat: Heartbeat, options?: StoreCallOptions): Promise<void>;
  /**
   * One observer's probe tick: its heartbeat and its observations (all of the heartbeat's
   * observer), in as few atomic writes as the store allows, the heartbeat in the first. With
   * `expected`, only if the observer's heartbeat is still at that version (absent etag: there is
   * none yet); a StoreError of kind "conflict" otherwise, and nothing is written. Returns the
   * heartbeat's new version, for the next tick's `expected`.
   */
  recordTick(
    heartbeat: Heartbeat,
    observations: readonly Observation[],
    options?: StoreCallOptions & { readonly expected?: { readonly etag?: string } },
  ): Promise<string>;
  /** One observer's own rows, in one read: its heartbeat with its version, and its observations. */
  readObserver(observer: string, options?: StoreCallOptions): Promise<ObserverRows>;
  /** Every observer's heartbeat and every observation of every group, in one read. */
  readAllObservations(options?: StoreCallOptions): Promise<AllObservations>;

  /** The lease row and its version, or undefined when there is none. */
  readLease(options?: StoreCallOptions): Promise<StoredLease | undefined>;
  /**
   * Inserts the lease row; a StoreError of kind "conflict" when one exists. Returns the new
   * version. Raises the epoch floor to the record's epoch in the same atomic write.
   */
  createLease(record: LeaseRecord, options?: StoreCallOptions): Promise<string>;
  /**
   * Replaces the lease row if it is still at `etag`; a StoreError of kind "conflict" otherwise.
   * Raises the epoch floor to the record's epoch in the same atomic write.
   */
  replaceLease(record: LeaseRecord, etag: string, options?: StoreCallOptions): Promise<string>;
  /** The highest epoch ever granted (0 if none): survives the deletion of the lease row. */
  readEpochFloor(options?: StoreCallOptions): Promise<number>;

  /** The lease holder's kept verdict per region of a group, with the row's version (absent: none yet). */
  readRegionStates(group: string, options?: StoreCallOptions): Promise<KeptStates>;
  /**
   * Writes the kept verdicts if the row is still at `etag` (or, without one, does not exist yet);
   * a StoreError of kind "conflict" otherwise, so a stale holder cannot overwrite a newer one.
   * `alerts` go into the outbox in the same atomic write: both or neither.
   */
  writeRegionStates(
    group: string,
    states: Record<string, RegionState>,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void>;

  /**
   * The lease holder's state of every group in one read: kept verdicts (with versions), incidents
   * (oldest first, with versions) and lever views, each by group.
   */
  readRunbookState(options?: StoreCallOptions): Promise<RunbookState>;

  /** Every incident of a group, oldest first. */
  readIncidents(group: string, options?: StoreCallOptions): Promise<StoredIncident[]>;
  /** One incident of a group by its id, in one point read; undefined when there is none. */
  readIncident(
    group: string,
    id: string,
    options?: StoreCallOptions,
  ): Promise<StoredIncident | undefined>;
  /**
   * Writes an incident if its row is still at `etag` (or, without one, does not exist); "conflict"
   * otherwise. `alerts` go into the outbox in the same atomic write: both or neither.
   */
  writeIncident(
    incident: Incident,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void>;

  /**
   * Deletes a closed incident past the audit horizon, if its row is still at `etag`: a StoreError
   * of kind "conflict" when it changed since it was read; nothing when it is gone already.
   */
  deleteIncident(
    group: string,
    id: string,
    etag: string,
    options?: StoreCallOptions,
  ): Promise<void>;

  /** The lease holder's last view of each group's levers, by group, in one read. */
  readLeverViews(options?: StoreCallOptions): Promise<Record<string, LeverView>>;
  /** Replaces a group's lever view (a cache: the last writer wins). */
  writeLeverView(group: string, view: LeverView, options?: StoreCallOptions): Promise<void>;

  readPause(options?: StoreCallOptions): Promise<PauseState>;
  /**
   * Writes the pause flags. With `expected`, only if the row is still as read (its etag, or still
   * absent when the etag is undefined); a StoreError of kind "conflict" otherwise.
   */
  writePause(
    state: PauseState,
    options?: StoreCallOptions & { readonly expected?: { readonly etag?: string } },
  ): Promise<void>;
}

export interface ObserverRows {
  readonly heartbeat?: Heartbeat;
  /** The heartbeat row's version, for recordTick's `expected`; absent when there is none. */
  readonly version?: string;
  readonly observations: Observation[];
}

export interface AllObservations {
  readonly heartbeats: Heartbeat[];
  readonly observations: Observation[];
}

export interface RunbookState {
  /** Groups with no kept verdicts yet are absent. */
  readonly kept: Readonly<Record<string, KeptStates>>;
  /** Groups with no incident are absent. */
  readonly incidents: Readonly<Record<string, StoredIncident[]>>;
  readonly leverViews: Readonly<Record<string, LeverView>>;
}

export interface KeptStates {
  readonly states: Record<string, RegionState>;
  readonly etag?: string;
}

export type StoreErrorKind = "unavailable" | "denied" | "conflict" | "failed";

/** Every failure of a store call is turned into this, whatever the backend threw. */
export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  readonly status: number | undefined;

  constructor(
    kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StoreError";
    this.kind = kind;
    this.status = options?.status;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return typeof namedError(error, "StoreError")?.kind === "string";
}
