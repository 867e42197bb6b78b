// The data lever: the stores of a group that follow its traffic (Azure SQL failover groups,
// Cosmos DB accounts), one held in memory (simulation), or a dry run. A store is named by the
// group's configuration (`groups[].data[].name`).

export type { DataCopy, DataState } from "../core/levers.js";
import type { DataState } from "../core/levers.js";

export interface DataCallOptions {
  readonly abortSignal?: AbortSignal;
  /**
   * `read` also gives each copy's replication lag (`lagSeconds`), where the kind can tell: one
   * more Azure read per copy, so only readiness asks; the runbook decides without it.
   */
  readonly lag?: boolean;
}

/**
 * `planned`: a failover with no data loss (the partner synchronises first; Azure refuses it when
 * the old primary is unreachable). `forced`: the partner becomes primary at once and writes not
 * yet replicated are lost; only ever asked for when the store's `allowDataLoss` says so.
 */
export type DataFailoverMode = "planned" | "forced";

export interface DataControl {
  /** Whether this lever knows the store in the group. */
  covers(group: string, store: string): boolean;
  read(group: string, store: string, options?: DataCallOptions): Promise<DataState>;
  /**
   * Begins making `region`'s copy the primary; returns once Azure accepted the change, not when it
   * is done (the next reads say `changing` until then).
   */
  failover(
    group: string,
    store: string,
    region: string,
    mode: DataFailoverMode,
    options?: DataCallOptions,
  ): Promise<void>;
}
