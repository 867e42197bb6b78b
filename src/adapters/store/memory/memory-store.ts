// The state store in memory: for the pure core's tests and the simulator. Passes the same
// contract suite as the Table Storage adapter, conflicts included.
import type { LeaseRecord, StoredLease } from "../../../core/lease.js";
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { RegionState } from "../../../core/verdict.js";
import type { Incident } from "../../../core/incident.js";
import type { LeverView } from "../../../core/levers.js";
import type {
  ActionRecord,
  KeptStates,
  PauseState,
  StateStore,
  StoredIncident,
} from "../../../ports/state-store.js";
import { StoreError } from "../../../ports/state-store.js";

/**
 * A deep copy that nobody can change: stored on write and handed out as it is on read, so a caller
 * can never alter what the store holds (a write to it throws), and reads copy nothing. Reads used
 * to clone every row, which was a fifth of the simulator's time.
 */
function frozen<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export class MemoryStateStore implements StateStore {
  readonly #observations = new Map<string, Observation>();
  readonly #heartbeats = new Map<string, Heartbeat>();
  readonly #actions: ActionRecord[] = [];
  readonly #states = new Map<string, { states: Record<string, RegionState>; etag: string }>();
  readonly #incidents = new Map<string, StoredIncident>();
  readonly #leverViews = new Map<string, LeverView>();
  #pause: PauseState = { all: false, groups: [] };
  #pauseEtag: string | undefined;
  #lease: StoredLease | undefined;
  #floor = 0;
  #version = 0;

  async initialise(): Promise<void> {}

  async recordObservations(observations: readonly Observation[]): Promise<void> {
    for (const o of observations)
      this.#observations.set(`${o.group}|${o.target}|${o.observer}`, frozen(o));
  }

  async readObservations(group: string): Promise<Observation[]> {
    return [...this.#observations.values()].filter((o) => o.group === group);
  }

  async recordHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.#heartbeats.set(heartbeat.observer, frozen(heartbeat));
  }

  async readHeartbeats(): Promise<Heartbeat[]> {
    return [...this.#heartbeats.values()];
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

  async appendAction(entry: ActionRecord): Promise<void> {
    // Ids as the Table adapter's row keys: the actor's time, then a sequence number.
    const id = `${String(Math.max(0, Math.floor(entry.at))).padStart(15, "0")}-${String(++this.#version).padStart(9, "0")}`;
    this.#actions.push({ ...entry, id });
  }

  async readActions(): Promise<ActionRecord[]> {
    // Oldest first by id, as the Table adapter's row keys sort.
    return this.#actions.map((a) => ({ ...a })).sort((a, b) => (a.id! < b.id! ? -1 : 1));
  }

  async readRegionStates(group: string): Promise<KeptStates> {
    const kept = this.#states.get(group);
    return kept ?? { states: {} };
  }

  async writeRegionStates(
    group: string,
    states: Record<string, RegionState>,
    etag: string | undefined,
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
    this.#states.set(group, frozen({ states, etag: this.#nextEtag() }));
  }

  async readIncidents(group: string): Promise<StoredIncident[]> {
    return [...this.#incidents.values()]
      .filter((s) => s.incident.group === group)
      .sort(
        (a, b) =>
          a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
      );
  }

  async writeIncident(incident: Incident, etag: string | undefined): Promise<void> {
    const key = `${incident.group}|${incident.id}`;
    if (this.#incidents.get(key)?.etag !== etag)
      throw new StoreError(
        "conflict",
        `state store: writing incident ${incident.id} failed: ${etag ? 412 : 409}`,
        {
          status: etag ? 412 : 409,
        },
      );
    this.#incidents.set(key, frozen({ incident, etag: this.#nextEtag() }));
  }

  async readLeverViews(): Promise<Record<string, LeverView>> {
    return Object.fromEntries(this.#leverViews);
  }

  async writeLeverView(group: string, view: LeverView): Promise<void> {
    this.#leverViews.set(group, frozen(view));
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
