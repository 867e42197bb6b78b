// The state store in memory: for the pure core's tests and the simulator. Passes the same
// contract suite as the Table Storage adapter, conflicts included.
import type { LeaseRecord, StoredLease } from "../../../core/lease.js";
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { RegionState } from "../../../core/verdict.js";
import type { Incident } from "../../../core/incident.js";
import type { Alert } from "../../../core/alerts.js";
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
  StateStore,
  StoredIncident,
  StoredOutboxRow,
  WriteWithAlerts,
} from "../../../ports/state-store.js";
import type { RollupDay } from "../../../ports/rollup-store.js";
import { StoreError } from "../../../ports/state-store.js";
import { MemoryAuditLog } from "./memory-audit.js";
import type { ReadinessReport } from "../../../core/readiness.js";
import type { DrillRecord, ReadinessRows } from "../../../ports/readiness-store.js";

/**
 * The value written, frozen all the way down: stored and handed out as it is, so nobody can alter
 * what the store holds (a write to it throws, in the writer's code as in a reader's), and neither
 * writes nor reads copy anything. A writer's value is frozen in its hands: Tandem never changes a
 * value it has written. Reads used to clone every row (a fifth of the simulator's time), then
 * writes did (a twentieth).
 */
function frozen<T>(value: T): T {
  return deepFreeze(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * A frozen copy of plain data (objects, arrays, primitives: a rollup row), made in one pass:
 * `structuredClone` and then `deepFreeze` cost a twentieth of a simulated timeline, for rows
 * of hourly arrays written every few minutes.
 */
function frozenCopy<T>(value: T): T {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy)) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) copy[key] = frozenCopy(inner);
  return Object.freeze(copy) as T;
}

/** A row of these groups' or of no group's (what readOutbox and pruneOutbox cover). */
function ofGroups(row: OutboxRow, groups: readonly string[]): boolean {
  return row.alert.group === undefined || groups.includes(row.alert.group);
}

export class MemoryStateStore implements StateStore {
  readonly #observations = new Map<string, Observation>();
  readonly #heartbeats = new Map<string, { heartbeat: Heartbeat; etag: string }>();
  readonly #audit = new MemoryAuditLog();
  readonly #states = new Map<string, { states: Record<string, RegionState>; etag: string }>();
  readonly #incidents = new Map<string, StoredIncident>();
  /** Outbox rows by key, each with where the Table adapter would keep it (its partition). */
  readonly #outbox = new Map<string, { place: string; row: OutboxRow; etag: string }>();
  /** The outbox rows not done, by key: a read skips the done rows kept until their prune. */
  readonly #undone = new Set<string>();
  readonly #channels = new Map<string, ChannelRecord>();
  readonly #leverViews = new Map<string, LeverView>();
  /** Rollup rows by `{day}|{group}`: oldest day first, then by group, as the Table adapter answers. */
  readonly #rollups = new Map<string, RollupDay>();
  readonly #readiness = new Map<string, ReadinessReport>();
  readonly #drills = new Map<string, DrillRecord>();
  #pause: PauseState = { all: false, groups: [] };
  #pauseEtag: string | undefined;
  #lease: StoredLease | undefined;
  #floor = 0;
  #version = 0;

  async initialise(): Promise<void> {}

  async recordHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.#heartbeats.set(heartbeat.observer, frozen({ heartbeat, etag: this.#nextEtag() }));
  }

  async recordTick(
    heartbeat: Heartbeat,
    observations: readonly Observation[],
    options?: { readonly expected?: { readonly etag?: string } },
  ): Promise<string> {
    if (observations.some((o) => o.observer !== heartbeat.observer))
      throw new StoreError("failed", "state store: a tick writes only its own observer's rows");
    const current = this.#heartbeats.get(heartbeat.observer)?.etag;
    const expected = options?.expected;
    if (expected && expected.etag !== current)
      throw new StoreError(
        "conflict",
        `state store: writing the tick of ${heartbeat.observer} failed: ${current ? 412 : 409}`,
        { status: current ? 412 : 409 },
      );
    for (const o of observations)
      this.#observations.set(`${o.group}|${o.target}|${o.observer}`, frozen(o));
    const etag = this.#nextEtag();
    this.#heartbeats.set(heartbeat.observer, frozen({ heartbeat, etag }));
    return etag;
  }

  async readObserver(observer: string): Promise<ObserverRows> {
    const beat = this.#heartbeats.get(observer);
    return {
      observations: [...this.#observations.values()].filter((o) => o.observer === observer),
      ...(beat ? { heartbeat: beat.heartbeat, version: beat.etag } : {}),
    };
  }

  async readAllObservations(): Promise<AllObservations> {
    return {
      heartbeats: [...this.#heartbeats.values()].map((h) => h.heartbeat),
      observations: [...this.#observations.values()],
    };
  }

  async readRunbookState(): Promise<RunbookState> {
    const incidents: Record<string, StoredIncident[]> = {};
    for (const s of this.#incidents.values()) (incidents[s.incident.group] ??= []).push(s);
    for (const list of Object.values(incidents))
      list.sort(
        (a, b) =>
          a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
      );
    return {
      kept: Object.fromEntries(this.#states),
      incidents,
      leverViews: Object.fromEntries(this.#leverViews),
    };
  }

  async readLease(): Promise<StoredLease | undefined> {
    return this.#lease;
  }

  async createLease(record: LeaseRecord): Promise<string> {
    if (this.#lease)
      throw new StoreError(
        "conflict",
        "state store: creating the lease failed: 409 EntityAlreadyExists",
        { status: 409 },
      );
    return this.#put(record);
  }

  async replaceLease(record: LeaseRecord, etag: string): Promise<string> {
    if (this.#lease?.etag !== etag)
      throw new StoreError(
        "conflict",
        "state store: replacing the lease failed: 412 UpdateConditionNotSatisfied",
        { status: 412 },
      );
    return this.#put(record);
  }

  #put(record: LeaseRecord): string {
    const etag = this.#nextEtag();
    this.#lease = frozen({ record, etag });
    this.#floor = Math.max(this.#floor, record.epoch);
    return etag;
  }

  #nextEtag(): string {
    return `W/"${++this.#version}"`;
  }

  async readEpochFloor(): Promise<number> {
    return this.#floor;
  }

  /** For tests: what an operator deleting the lease row by hand does. */
  deleteLease(): void {
    this.#lease = undefined;
  }

  appendAction(entry: ActionRecord): Promise<void> {
    return this.#audit.appendAction(entry);
  }

  readActions(): Promise<ActionRecord[]> {
    return this.#audit.readActions();
  }

  readActionPage(query: PageQuery & { readonly incident?: string }): Promise<Page<ActionRecord>> {
    return this.#audit.readActionPage(query);
  }

  addRefusedCalls(
    calls: readonly RefusedCalls[],
    options: { readonly callersPerMinute: number },
  ): Promise<void> {
    return this.#audit.addRefusedCalls(calls, options);
  }

  readRefusedCalls(query: PageQuery): Promise<Page<RefusedCalls>> {
    return this.#audit.readRefusedCalls(query);
  }

  pruneAudit(query: PruneQuery): Promise<Pruned> {
    return this.#audit.pruneAudit(query);
  }

  async readRegionStates(group: string): Promise<KeptStates> {
    const kept = this.#states.get(group);
    return kept ?? { states: {} };
  }

  async writeRegionStates(
    group: string,
    states: Record<string, RegionState>,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void> {
    const current = this.#states.get(group);
    if (current?.etag !== etag)
      throw new StoreError(
        "conflict",
        `state store: writing the verdicts of ${group} failed: ${etag ? 412 : 409}`,
        {
          status: etag ? 412 : 409,
        },
      );
    this.#checkNew(options?.alerts ?? []);
    this.#states.set(group, frozen({ states, etag: this.#nextEtag() }));
    this.#add("state", options?.alerts ?? []);
  }

  async readIncident(group: string, id: string): Promise<StoredIncident | undefined> {
    return this.#incidents.get(`${group}|${id}`);
  }

  async readIncidents(group: string): Promise<StoredIncident[]> {
    return [...this.#incidents.values()]
      .filter((s) => s.incident.group === group)
      .sort(
        (a, b) =>
          a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
      );
  }

  async writeIncident(
    incident: Incident,
    etag: string | undefined,
    options?: WriteWithAlerts,
  ): Promise<void> {
    const key = `${incident.group}|${incident.id}`;
    if (this.#incidents.get(key)?.etag !== etag)
      throw new StoreError(
        "conflict",
        `state store: writing incident ${incident.id} failed: ${etag ? 412 : 409}`,
        {
          status: etag ? 412 : 409,
        },
      );
    this.#checkNew(options?.alerts ?? []);
    this.#incidents.set(key, frozen({ incident, etag: this.#nextEtag() }));
    this.#add("state", options?.alerts ?? []);
  }

  async deleteIncident(group: string, id: string, etag: string): Promise<void> {
    const key = `${group}|${id}`;
    const stored = this.#incidents.get(key);
    if (stored === undefined) return;
    if (stored.etag !== etag)
      throw new StoreError("conflict", `state store: deleting incident ${id} failed: 412`, {
        status: 412,
      });
    this.#incidents.delete(key);
  }

  /** As a transaction that inserts them: one already there fails the whole write. */
  #checkNew(alerts: readonly Alert[]): void {
    const there = alerts.find((a) => this.#outbox.has(a.key));
    if (there)
      throw new StoreError("conflict", `state store: alert ${there.key} is already in the outbox`, {
        status: 409,
      });
  }

  #add(place: string, alerts: readonly Alert[]): void {
    for (const alert of alerts) {
      this.#outbox.set(
        alert.key,
        frozen({ place, row: { alert, deliveries: {}, done: false }, etag: this.#nextEtag() }),
      );
      this.#undone.add(alert.key);
    }
  }

  async enqueueAlerts(alerts: readonly Alert[]): Promise<void> {
    this.#add(
      "alerts",
      alerts.filter((a) => !this.#outbox.has(a.key)),
    );
  }

  async readOutbox(groups: readonly string[]): Promise<StoredOutboxRow[]> {
    return [...this.#undone]
      .map((ref) => ({ ref, e: this.#outbox.get(ref)! }))
      .filter(({ e }) => ofGroups(e.row, groups))
      .map(({ ref, e }) => ({ ref, row: e.row, etag: e.etag }))
      .sort((a, b) => a.row.alert.at - b.row.alert.at || a.ref.localeCompare(b.ref));
  }

  async updateOutbox(ref: string, row: OutboxRow, etag: string): Promise<string> {
    const current = this.#outbox.get(ref);
    if (current?.etag !== etag)
      throw new StoreError(
        "conflict",
        `state store: updating outbox row failed: ${current ? 412 : 404}`,
        { status: current ? 412 : 404 },
      );
    const next = this.#nextEtag();
    // The alert never changes (the ref is its key): only the delivery state is copied.
    const { alert: _alert, ...state } = row;
    const stored = deepFreeze({ ...structuredClone(state), alert: current.row.alert });
    this.#outbox.set(ref, Object.freeze({ place: current.place, row: stored, etag: next }));
    if (stored.done) this.#undone.delete(ref);
    else this.#undone.add(ref);
    return next;
  }

  async pruneOutbox(groups: readonly string[], before: number): Promise<number> {
    let removed = 0;
    for (const [ref, e] of this.#outbox)
      if (ofGroups(e.row, groups) && e.row.done && (e.row.doneAt ?? 0) < before) {
        this.#outbox.delete(ref);
        removed++;
      }
    return removed;
  }

  async readAlertChannels(): Promise<Record<string, ChannelRecord>> {
    return Object.fromEntries(this.#channels);
  }

  async writeAlertChannel(name: string, record: ChannelRecord): Promise<void> {
    this.#channels.set(name, frozen(record));
  }

  async readLeverViews(): Promise<Record<string, LeverView>> {
    return Object.fromEntries(this.#leverViews);
  }

  async readReadiness(): Promise<ReadinessRows> {
    return {
      reports: Object.fromEntries(this.#readiness),
      drills: Object.fromEntries(this.#drills),
    };
  }

  async writeReadiness(report: ReadinessReport): Promise<void> {
    this.#readiness.set(report.group, frozen(report));
  }

  async recordDrill(group: string, drill: DrillRecord): Promise<void> {
    this.#drills.set(group, frozen(drill));
  }

  async writeLeverView(group: string, view: LeverView): Promise<void> {
    this.#leverViews.set(group, frozen(view));
  }

  async readRollups(
    from: string,
    to: string,
    options?: { readonly group?: string },
  ): Promise<RollupDay[]> {
    const group = options?.group;
    return [...this.#rollups.entries()]
      .filter(([, row]) => row.day >= from && row.day <= to && (group ?? row.group) === row.group)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, row]) => row);
  }

  async writeRollups(rows: readonly RollupDay[]): Promise<void> {
    // Copied as the Table adapter's JSON is: the writer goes on adding to its own rows.
    for (const row of rows) this.#rollups.set(`${row.day}|${row.group}`, frozenCopy(row));
  }

  async pruneRollups(before: string): Promise<number> {
    const old = [...this.#rollups.entries()].filter(([, row]) => row.day < before);
    for (const [key] of old) this.#rollups.delete(key);
    return old.length;
  }

  async readPause(): Promise<PauseState> {
    return {
      ...this.#pause,
      ...(this.#pauseEtag === undefined ? {} : { etag: this.#pauseEtag }),
    };
  }

  async writePause(
    state: PauseState,
    options?: { readonly expected?: { readonly etag?: string } },
  ): Promise<void> {
    const expected = options?.expected;
    if (expected && expected.etag !== this.#pauseEtag)
      throw new StoreError("conflict", "the pause flags changed since they were read");
    const { etag: _etag, ...flags } = state;
    this.#pause = frozen(flags);
    this.#pauseEtag = `p${++this.#version}`;
  }
}

export function createMemoryStore(): StateStore {
  return new MemoryStateStore();
}
