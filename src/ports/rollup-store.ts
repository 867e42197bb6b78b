// The status page's history (ADR 0025): one row per group and UTC day, written by the lease
// holder every few minutes, read by the status page (a group at a time at many groups, ADR 0031),
// pruned after RETAINED_DAYS.
import type { RollupDay } from "../core/rollup.js";

export type { RollupDay } from "../core/rollup.js";

interface RollupCallOptions {
  readonly abortSignal?: AbortSignal;
}

interface RollupReadOptions extends RollupCallOptions {
  /** This group's rows only: one range of keys (ADR 0031), not every group's. */
  readonly group?: string;
}

export interface RollupStore {
  /**
   * Every group's rows of the days from `from` to `to` (`YYYY-MM-DD`, both included), or one
   * group's, in one read (of as many pages as the rows need), oldest day first, then by group;
   * a row that does not decode is skipped and reported.
   */
  readRollups(from: string, to: string, options?: RollupReadOptions): Promise<RollupDay[]>;
  /** Replaces the rows given (the last writer wins: only the lease holder writes them). */
  writeRollups(rows: readonly RollupDay[], options?: RollupCallOptions): Promise<void>;
  /** Deletes every row of a day before `before`; returns how many it deleted. */
  pruneRollups(before: string, options?: RollupCallOptions): Promise<number>;
}
