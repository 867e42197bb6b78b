// The state store in memory: for the pure core's tests and the simulator. Passes the same
// contract suite as the Table Storage adapter, conflicts included.
import type { LeaseRecord, StoredLease } from "../../../core/lease.js";
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { RegionState } from "../../../core/verdict.js";
import type { Incident } from "../../../core/incident.js";
import type {
  ActionRecord,
  KeptStates,
  PauseState,
  StateStore,
  StoredIncident,
} from "../../../ports/state-store.js";
import { StoreError } from "../../../ports/state-store.js";

export class MemoryStateStore implements StateStore {
  readonly #observations = new Map<string, Observation>();
  readonly #heartbeats = new Map<string, Heartbeat>();
  readonly #actions: ActionRecord[] = [];
  readonly #states = new Map<string, { states: Record<string, RegionState>; etag: string }>();
  readonly #incidents = new Map<string, StoredIncident>();
  #pause: PauseState = { all: false, groups: [] };
  #pauseEtag: string | undefined;
  #lease: StoredLease | undefined;
  #floor = 0;
  #version = 0;

  async initialise(): Promise<void> {}

  async recordObservations(observations: readonly Observation[]): Promise<void> {
    for (const o of observations)
      this.#observations.set(`${o.group}|${o.target}|${o.observer}`, structuredClone(o));
  }

  async readObservations(group: string): Promise<Observation[]> {
    return [...this.#observations.values()]
      .filter((o) => o.group === group)
      .map((o) => structuredClone(o));
  }

  async recordHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.#heartbeats.set(heartbeat.observer, structuredClone(heartbeat));
  }

  async readHeartbeats(): Promise<Heartbeat[]> {
    return [...this.#heartbeats.values()].map((h) => structuredClone(h));
  }

  async readLease(): Promise<StoredLease | undefined> {
    return this.#lease && structuredClone(this.#lease);
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
    this.#lease = { record: { ...record }, etag };
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
    return kept ? structuredClone(kept) : { states: {} };
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
    this.#states.set(group, { states: structuredClone(states), etag: this.#nextEtag() });
  }

  async readIncidents(group: string): Promise<StoredIncident[]> {
    return [...this.#incidents.values()]
      .filter((s) => s.incident.group === group)
      .sort(
        (a, b) =>
          a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
      )
      .map((s) => structuredClone(s));
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
    this.#incidents.set(key, { incident: structuredClone(incident), etag: this.#nextEtag() });
  }

  async readPause(): Promise<PauseState> {
    return {
      ...structuredClone(this.#pause),
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
    this.#pause = structuredClone(flags);
    this.#pauseEtag = `p${++this.#version}`;
  }
}

export function createMemoryStore(): StateStore {
  return new MemoryStateStore();
}
