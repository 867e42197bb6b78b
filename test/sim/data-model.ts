// The data stores of the simulated group (issue 30, "data follows traffic"): one or two stores,
// each the memory data lever (src/adapters/data/memory.ts) with a copy in each region. A copy is
// unreachable while its region is in a hard outage; a failover Azure accepts takes the store's
// `changeMs` (seconds to a minute) before the primary changes; after a forced failover the old
// primary's copy catches up only `reseedMs` after its region is back. Each process reaches the
// stores through the simulator's ARM (arm-model.ts: latency, 429 and 500 bursts, the client's
// timeout with the change maybe made after it gave up), and a store may answer a failover with a
// definite refusal (400: nothing was done). What the sim records here (every failover call as the
// client saw it, every read's answer) is what the data invariants (data-check.ts) are checked on.
import { MemoryDataControl } from "../../src/adapters/data/memory.js";
import { dataByStore } from "../../src/adapters/data/by-store.js";
import { ArmError } from "../../src/adapters/azure/arm.js";
import type { Clock } from "../../src/ports/clock.js";
import type { DataControl, DataFailoverMode, DataState } from "../../src/ports/data-control.js";
import { refusedForSure } from "../../src/ports/data-control.js";
import { random } from "../helpers/random.js";

const GROUP = "shop";
const STORE_NAMES = ["orders", "reviews"] as const;

interface SimStore {
  readonly name: string;
  readonly allowDataLoss: boolean;
  /** How long a failover Azure accepted takes before the primary changes (virtual ms). */
  readonly changeMs: number;
}

/** The seed's stores and data policy; mixed per seed, from a random stream of their own. */
export interface DataSetup {
  readonly stores: readonly SimStore[];
  readonly order: "before-traffic" | "after-traffic";
  readonly failback: "manual" | "with-traffic";
  /** Each failover that reaches a store is refused for sure (400, nothing done) with this probability. */
  readonly refuseRate: number;
  /** After a forced failover, how long the old primary's copy takes to catch up once back. */
  readonly reseedMs: number;
}

export function dataSetupFor(seed: number): DataSetup {
  const rand = random(seed * 2_147_483 + 29);
  const count = rand() < 0.5 ? 1 : 2;
  return {
    stores: STORE_NAMES.slice(0, count).map((name) => ({
      name,
      allowDataLoss: rand() < 0.5,
      changeMs: 5_000 + Math.floor(rand() * 55_000),
    })),
    order: rand() < 0.5 ? "before-traffic" : "after-traffic",
    failback: rand() < 0.5 ? "manual" : "with-traffic",
    refuseRate: rand() < 0.3 ? 0.3 : 0,
    reseedMs: 10_000 + Math.floor(rand() * 50_000),
  };
}

/** One failover call as the client (a Tandem process) made it, and how it ended for the client. */
export interface DataCall {
  readonly by: string;
  readonly store: string;
  readonly region: string;
  readonly mode: DataFailoverMode;
  readonly from: number;
  to?: number;
  /** `ok`; `refused`: known not to have started (refusedForSure); `unknown`: it may have reached Azure. */
  outcome?: "ok" | "refused" | "unknown";
  error?: string;
  /** Ground truth when the call was made: the store's primary, and whether its copy answered. */
  readonly primary: string | undefined;
  readonly primaryReachable: boolean;
}

/** A read of a store as the client had it: when, and whether the primary's copy answered. */
export interface DataRead {
  readonly by: string;
  readonly store: string;
  readonly at: number;
  readonly primary: string | undefined;
  readonly primaryReachable: boolean;
}

export class SimData {
  readonly calls: DataCall[] = [];
  readonly reads: DataRead[] = [];
  readonly setup: DataSetup;
  /** What every process reaches through ARM: the stores, their copies' reachability kept current. */
  readonly lever: DataControl;
  readonly #world: { readonly now: number };
  readonly #down: (region: string) => boolean;
  readonly #regions: readonly string[];
  readonly #stores = new Map<string, MemoryDataControl>();
  /** Copies left behind by a forced failover: since when their region answers again. */
  readonly #reseeding = new Map<string, { store: string; region: string; backAt?: number }>();

  constructor(
    world: { readonly now: number },
    clock: Clock,
    setup: DataSetup,
    regions: readonly string[],
    faults: {
      readonly down: (region: string) => boolean;
      readonly readErrorRate: () => number;
      readonly rand: () => number;
    },
  ) {
    this.#world = world;
    this.#down = faults.down;
    this.#regions = regions;
    this.setup = setup;
    for (const s of setup.stores) {
      const memory = new MemoryDataControl(clock, { changeMs: s.changeMs });
      memory.add(GROUP, s.name, regions[0]!, regions, { allowDataLoss: s.allowDataLoss });
      memory.fault = (call) => {
        if (call === "read")
          return faults.rand() < faults.readErrorRate()
            ? new ArmError("read: 500 InternalServerError (simulated)", 500, "InternalServerError")
            : undefined;
        return faults.rand() < setup.refuseRate
          ? new ArmError("failover: 400 BadRequest (simulated)", 400, "BadRequest", "POST")
          : undefined;
      };
      this.#stores.set(s.name, memory);
    }
    const all = dataByStore([...this.#stores.values()]);
    this.lever = {
      covers: (group, store) => all.covers(group, store),
      read: async (group, store, options) => {
        this.sync();
        return all.read(group, store, options);
      },
      failover: async (group, store, region, mode, options) => {
        this.sync();
        const old = this.peek(store);
        await all.failover(group, store, region, mode, options);
        if (mode === "forced" && old !== undefined && old !== region)
          this.#reseeding.set(`${store}/${old}`, { store, region: old });
      },
    };
  }

  /** The store's primary now (ground truth). */
  peek(store: string): string | undefined {
    return this.#stores.get(store)?.peek(GROUP, store);
  }

  /** Whether the store's copy in `region` answers now (ground truth). */
  reachable(region: string): boolean {
    return !this.#down(region);
  }

  /**
   * Brings the copies up to the world's moment: a region in a hard outage takes its copies with
   * it; a copy a forced failover left behind catches up `reseedMs` after its region is back (and
   * the failover has ended). Called before every call the stores take and at every timer slot.
   */
  sync(): void {
    for (const [name, memory] of this.#stores)
      for (const region of this.#regions)
        memory.set(GROUP, name, region, { reachable: this.reachable(region) });
    for (const [key, r] of this.#reseeding) {
      if (!this.reachable(r.region)) {
        delete r.backAt;
        continue;
      }
      r.backAt ??= this.#world.now;
      const moved = this.peek(r.store) !== r.region;
      if (moved && this.#world.now >= r.backAt + this.setup.reseedMs) {
        this.#stores.get(r.store)!.set(GROUP, r.store, r.region, { replication: "CATCH_UP" });
        this.#reseeding.delete(key);
      }
    }
  }

  /** `lever` as process `by` calls it (through its ARM client): each failover and read recorded. */
  logged(lever: DataControl, by: string): DataControl {
    return {
      covers: (group, store) => lever.covers(group, store),
      read: async (group, store, options) => {
        const state: DataState = await lever.read(group, store, options);
        const primary = state.primary;
        this.reads.push({
          by,
          store,
          at: this.#world.now,
          primary,
          primaryReachable: primary !== undefined && state.regions[primary]?.reachable === true,
        });
        return state;
      },
      failover: async (group, store, region, mode, options) => {
        const primary = this.peek(store);
        const call: DataCall = {
          by,
          store,
          region,
          mode,
          from: this.#world.now,
          primary,
          primaryReachable: primary !== undefined && this.reachable(primary),
        };
        this.calls.push(call);
        try {
          await lever.failover(group, store, region, mode, options);
          call.outcome = "ok";
        } catch (error) {
          call.outcome = refusedForSure(error) ? "refused" : "unknown";
          call.error = error instanceof Error ? error.message : String(error);
          throw error;
        } finally {
          call.to = this.#world.now;
        }
      },
    };
  }
}
