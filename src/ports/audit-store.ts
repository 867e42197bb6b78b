// The audit log in the state store (ADR 0017): the action log, which every fenced step writes
// its intent into before it acts, read a page at a time; the API calls refused before they did
// anything, counted per caller and minute apart from it; and the retention that prunes both.
import type { StoreCallOptions } from "./state-store.js";

/** One fenced step, done or refused, appended to the action log and never overwritten. */
export interface ActionRecord {
  /** The actor's clock. */
  readonly at: number;
  /** The lease holder id (observer and process) that attempted the step. */
  readonly actor: string;
  /** The epoch the actor believed it held. */
  readonly epoch: number;
  readonly name: string;
  readonly group?: string;
  /** `started` is written before the step runs: a step with no record never runs. */
  readonly outcome: "started" | "done" | "refused" | "failed";
  /** Why it was refused or failed. */
  readonly reason?: string;
  /** The incident the step belongs to. */
  readonly incident?: string;
  /** What changed: before and after, or the decision's details, as short text. */
  readonly detail?: string;
  /** The id of the event the entry was derived from (ADR 26), when one was. */
  readonly event?: string;
  /** Set by the store on reading: the entry's place in the log; ids sort newest first. */
  readonly id?: string;
}

/**
 * API calls refused before they did anything (401, 403, 400), counted per caller and minute. A
 * minute holds at most `callersPerMinute` callers' rows; the calls of any caller after those are
 * counted on the minute's row of `others`.
 */
export interface RefusedCalls {
  /** The minute's start (epoch milliseconds, a multiple of 60,000). */
  readonly minute: number;
  /** Who: the principal, or `anonymous`; `others` on the row of the callers over the cap. */
  readonly actor: string;
  /** From where: the client address as the platform states it (empty on the `others` row). */
  readonly from: string;
  readonly count: number;
  /** The first and the last of the calls counted (the counting process's clock). */
  readonly firstAt: number;
  readonly lastAt: number;
  /** The last call's route name (`api pause`), group and why it was refused. */
  readonly name: string;
  readonly group?: string;
  readonly reason: string;
  /** The name an unauthenticated caller claimed on its last call, kept apart from `actor`. */
  readonly claimed?: string;
  /** Set by the store on reading: the row's place; ids sort newest minute first. */
  readonly id?: string;
}

/** The actor of the row of a minute's callers past its cap; a count with it and no address goes there. */
export const OTHERS = "others";

/** Two counts of one caller and minute as one: the later call's description wins. */
export function mergeRefused(a: RefusedCalls, b: RefusedCalls): RefusedCalls {
  const { id: _id, ...last } = b.lastAt >= a.lastAt ? b : a;
  return {
    ...last,
    minute: a.minute,
    actor: a.actor,
    from: a.from,
    count: a.count + b.count,
    firstAt: Math.min(a.firstAt, b.firstAt),
    lastAt: Math.max(a.lastAt, b.lastAt),
  };
}

export interface PageQuery {
  /** At most this many entries. */
  readonly limit: number;
  /** Only entries after this id in the page order (the previous page's `next`). */
  readonly before?: string;
}

export interface Page<T> {
  readonly entries: T[];
  /** The id to pass as `before` for the following page; absent on the last page. */
  readonly next?: string;
}

export interface PruneQuery {
  /** Entries from before this time, and refused-call minutes that ended by it, go. */
  readonly before: number;
  /** At most this many rows removed (or moved) per partition in one call. */
  readonly maxRows: number;
}

/** What one prune removed. */
export interface Pruned {
  /** Action log entries deleted. */
  readonly actions: number;
  /** Action log entries of the layout before ADR 0017 moved to their new place. */
  readonly moved: number;
  /** Refused-call rows deleted, and the calls they counted. */
  readonly refusedRows: number;
  readonly refusedCalls: number;
  /** The times of the oldest and the newest entry or minute deleted. */
  readonly oldest?: number;
  readonly newest?: number;
  /** A limit was reached: another call may find more. */
  readonly more: boolean;
}

export interface AuditStore {
  /** Appends to the action log; entries are never replaced. */
  appendAction(entry: ActionRecord, options?: StoreCallOptions): Promise<void>;
  /** The whole action log, oldest first: for tests and the simulator. The API reads pages. */
  readActions(options?: StoreCallOptions): Promise<ActionRecord[]>;
  /**
   * A page of the action log, newest first, or of one incident's entries; costs the page, not
   * the log: an entry appended meanwhile never shifts the next page.
   */
  readActionPage(
    query: PageQuery & { readonly incident?: string },
    options?: StoreCallOptions,
  ): Promise<Page<ActionRecord>>;

  /**
   * Adds refused calls to their minutes' counts: one row per caller and minute, at most
   * `callersPerMinute` callers a minute (the first to come), the calls of the others counted on
   * the minute's `others` row, as are counts whose actor is `others` with no address (a process
   * that kept too many callers apart). Never in the action log's partition.
   */
  addRefusedCalls(
    calls: readonly RefusedCalls[],
    options: StoreCallOptions & { readonly callersPerMinute: number },
  ): Promise<void>;
  /** A page of refused-call counts, newest minute first. */
  readRefusedCalls(query: PageQuery, options?: StoreCallOptions): Promise<Page<RefusedCalls>>;

  /** Deletes what is older than the horizon, up to `maxRows` rows per partition. */
  pruneAudit(query: PruneQuery, options?: StoreCallOptions): Promise<Pruned>;
}
