// Data stores held in memory, for the core's tests and the simulator. Each store has a copy per
// region and a primary; a failover Azure accepts takes `changeMs` on the given clock, during which
// reads say `changing` and a second failover is refused with a 409, as Azure SQL and Cosmos DB
// answer one (docs/data-sql.md). A copy's reachability, replication state and lag are set by the
// test or the simulator; a read gives the lag only when asked for it, as the ARM levers do. Replication states use SQL's words: `CATCH_UP` is the synchronising one.
import type { Clock } from "../../ports/clock.js";
import type {
  DataCallOptions,
  DataControl,
  DataCopy,
  DataFailoverMode,
  DataState,
} from "../../ports/data-control.js";
import { DataFailoverRefused } from "../../ports/data-control.js";

/** The replication state in which a copy may take a planned failover. */
const CAUGHT_UP = "CATCH_UP";

interface Copy {
  reachable: boolean;
  replication: string;
  lagSeconds?: number;
}

interface Store {
  primary: string;
  /** Whether a forced failover may be asked for (the store's `allowDataLoss`). */
  allowDataLoss: boolean;
  copies: Map<string, Copy>;
  /** The failover under way: where to, and when it ends (clock time). */
  change?: { to: string; endsAt: number; mode: DataFailoverMode };
}

/** Azure's answer to a failover while another runs (409 Conflict). */
class DataConflictError extends Error {
  readonly status = 409;
  constructor(message: string) {
    super(message);
    this.name = "DataConflictError";
  }
}

export class MemoryDataControl implements DataControl {
  readonly #stores = new Map<string, Store>();
  readonly #clock: Clock;
  readonly #changeMs: number;
  /** Fails any call it returns an error for (`read` or `failover`, with the store's name). */
  fault: ((call: string, store: string) => Error | undefined) | undefined;
  /** Every failover accepted, as `store region mode`, for tests that check none ran twice. */
  readonly failovers: string[] = [];

  constructor(clock: Clock, options: { changeMs: number }) {
    this.#clock = clock;
    this.#changeMs = options.changeMs;
  }

  /**
   * Adds a store whose copies are all reachable and caught up with `primary`; it refuses a forced
   * failover unless `allowDataLoss` (as a configured store, false unless given).
   */
  add(
    group: string,
    store: string,
    primary: string,
    regions: readonly string[],
    options: { readonly allowDataLoss?: boolean } = {},
  ): void {
    const copies = new Map<string, Copy>();
    for (const region of new Set([primary, ...regions]))
      copies.set(region, { reachable: true, replication: CAUGHT_UP });
    const allowDataLoss = options.allowDataLoss ?? false;
    this.#stores.set(`${group}/${store}`, { primary, allowDataLoss, copies });
  }

  /** Changes whether the store allows a forced failover (its configuration changed). */
  allowDataLoss(group: string, store: string, allowed: boolean): void {
    this.#store(group, store).allowDataLoss = allowed;
  }

  /** Changes what a region's copy says (a lost region, a copy still seeding, a lag). */
  set(
    group: string,
    store: string,
    region: string,
    copy: Partial<Pick<Copy, "reachable" | "replication" | "lagSeconds">>,
  ): void {
    const c = this.#store(group, store).copies.get(region);
    if (!c) throw new Error(`store ${store} in group ${group} has no copy in ${region}`);
    Object.assign(c, copy);
  }

  covers(group: string, store: string): boolean {
    return this.#stores.has(`${group}/${store}`);
  }

  #store(group: string, store: string, call?: string): Store {
    const error = call ? this.fault?.(call, store) : undefined;
    if (error) throw error;
    const s = this.#stores.get(`${group}/${store}`);
    if (!s) throw new Error(`group ${group} has no data store ${store}`);
    if (s.change && this.#clock.now() >= s.change.endsAt) this.#finish(s, s.change.to);
    return s;
  }

  #finish(s: Store, to: string): void {
    const old = s.primary;
    s.primary = to;
    delete s.change;
    const was = s.copies.get(old);
    // The old primary becomes a secondary; after a forced failover it has writes the new primary
    // never got, and replicates again only once Azure has reconciled it.
    if (was) was.replication = was.reachable ? CAUGHT_UP : "SUSPENDED";
    const now = s.copies.get(to);
    if (now) delete now.lagSeconds;
  }

  async read(group: string, store: string, options: DataCallOptions = {}): Promise<DataState> {
    const s = this.#store(group, store, "read");
    if (![...s.copies.values()].some((c) => c.reachable))
      throw new Error(`no copy of store ${store} in group ${group} answers`);
    const regions: Record<string, DataCopy> = {};
    for (const [region, c] of s.copies)
      regions[region] = copyOf(c, region === s.primary, options.lag ?? false);
    return { primary: s.primary, changing: s.change !== undefined, regions };
  }

  async failover(
    group: string,
    store: string,
    region: string,
    mode: DataFailoverMode,
  ): Promise<void> {
    const s = this.#store(group, store, "failover");
    const target = s.copies.get(region);
    if (!target)
      throw new DataFailoverRefused(`store ${store} in group ${group} has no copy in ${region}`);
    if (s.change)
      throw new DataConflictError(
        `a failover of store ${store} to ${s.change.to} is in progress; wait for it to end`,
      );
    if (!target.reachable)
      throw new DataFailoverRefused(
        `${region}'s copy of store ${store} is unreachable; it cannot become primary`,
      );
    if (s.primary === region) return;
    const primaryReachable = s.copies.get(s.primary)?.reachable === true;
    if (mode === "forced" && !s.allowDataLoss)
      throw new DataFailoverRefused(
        `a forced failover of store ${store} may lose writes, and the store does not allow data loss (allowDataLoss is false)`,
      );
    if (mode === "forced" && primaryReachable)
      throw new DataFailoverRefused(
        `a forced failover of store ${store} is refused: its primary copy in ${s.primary} answers, and a planned failover loses nothing`,
      );
    if (mode === "planned") {
      if (!primaryReachable)
        throw new DataFailoverRefused(
          `a planned failover of store ${store} needs its primary (${s.primary}) reachable; only a forced one can go ahead`,
        );
      if (!copyOf(target, false).caughtUp)
        throw new DataFailoverRefused(
          `${region}'s copy of store ${store} is ${target.replication}, not caught up; a planned failover to it is refused`,
        );
    }
    s.change = { to: region, endsAt: this.#clock.now() + this.#changeMs, mode };
    this.failovers.push(`${store} ${region} ${mode}`);
  }

  /** The primary now, without the fault hook: the simulator's ground truth. */
  peek(group: string, store: string): string | undefined {
    const s = this.#stores.get(`${group}/${store}`);
    return s?.change && this.#clock.now() >= s.change.endsAt ? s.change.to : s?.primary;
  }
}

function copyOf(c: Copy, primary: boolean, lag = false): DataCopy {
  return {
    reachable: c.reachable,
    ...(primary ? {} : { replication: c.replication }),
    // The primary is trivially caught up with itself: a failover to it changes nothing.
    caughtUp: c.reachable && (primary || c.replication === CAUGHT_UP),
    ...(!lag || c.lagSeconds === undefined ? {} : { lagSeconds: c.lagSeconds }),
  };
}
