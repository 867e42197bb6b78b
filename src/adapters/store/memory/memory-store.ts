// The state store in memory: for the pure core's tests and the simulator. Passes the same
// contract suite as the Table Storage adapter.
import type { Heartbeat, Observation } from "../../../core/observation.js";
import type { StateStore } from "../../../ports/state-store.js";

export class MemoryStateStore implements StateStore {
  readonly #observations = new Map<string, Observation>();
  readonly #heartbeats = new Map<string, Heartbeat>();

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
    this.#heartbeats.set(heartbeat.observer, { ...heartbeat });
  }

  async readHeartbeats(): Promise<Heartbeat[]> {
    return [...this.#heartbeats.values()].map((h) => ({ ...h }));
  }
}

export function createMemoryStore(): StateStore {
  return new MemoryStateStore();
}
