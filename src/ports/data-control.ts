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

/**
 * A failover the lever refused on its own check, before sending anything: nothing reached Azure,
 * so the data step may ask again after its backoff.
 */
export class DataFailoverRefused extends Error {
  /** What the guard looks for: a kind's own refusal may extend this class under its own name. */
  readonly refusedBeforeSending = true;
  /**
   * The refusal may pass on its own: the lever could not read the store before sending (ARM slow
   * or throttling), not the store's state or a rule saying no. Asked again after the backoff like
   * any refusal, but not counted towards giving the store up (DATA_ASKS_MAX).
   */
  readonly passing: boolean;
  constructor(message: string, options: { readonly passing?: boolean } = {}) {
    super(message);
    this.name = "DataFailoverRefused";
    this.passing = options.passing === true;
  }
}

/**
 * Whether a failed failover is known not to have started: the lever's own refusal before it sent
 * anything, or a 4xx that Azure answered to the change itself (not to a poll that followed it),
 * other than 408 (the request timed out at the server), 409 and 412 (a change under way, maybe
 * this one) and 429 (throttled; the SDK retried it, so an earlier try may have been taken). Anything else
 * may have reached Azure and may be under way: no status (the call's timeout, a dropped
 * connection, the fence's abort at the end of the acting time) or a 5xx after the SDK's retries.
 * Azure SQL shows no "failover in progress", so only a failure known for sure is asked again
 * (docs/data.md, Safety). Recognised by shape, not `instanceof` (core/errors.ts says why).
 */
export function refusedForSure(error: unknown): boolean {
  return startedNot(error);
}

/**
 * Whether a failover known not to have started was refused by the store or the lever's rules
 * (Azure's 4xx answer to the change, the lever's check of the store's state), not by something
 * that may pass on its own (the lever's read before sending failing): what counts towards giving
 * the store up (DATA_ASKS_MAX).
 */
export function refusedByStore(error: unknown): boolean {
  return startedNot(error) && (error as { passing?: unknown } | undefined)?.passing !== true;
}

function startedNot(error: unknown): boolean {
  if ((error as { refusedBeforeSending?: unknown } | undefined)?.refusedBeforeSending === true)
    return true;
  const failed = error as { status?: unknown; request?: { method?: unknown } } | undefined;
  // A 4xx on a GET came from following the change (the SDK polls a long-running operation once
  // before it returns): Azure had taken the change by then.
  if (typeof failed?.request?.method === "string" && failed.request.method.toUpperCase() === "GET")
    return false;
  const status = failed?.status;
  // 409 and 412 say a change is under way (SQL's FailoverGroupBusy, Cosmos DB's lock): after the
  // SDK retried a POST whose first answer was lost, that change may be this ask's own.
  return (
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    ![408, 409, 412, 429].includes(status)
  );
}
