// The shared state store: what every observer writes and reads to agree. One implementation per
// backend (Table Storage, memory); all pass test/adapters/store/contract.ts.
import type { Heartbeat, Observation } from "../core/observation.js";

export interface StoreCallOptions {
  readonly abortSignal?: AbortSignal;
}

export interface StateStore {
  /** Creates what the store needs (the table); safe to call again. */
  initialise(options?: StoreCallOptions): Promise<void>;
  /** Writes each observation, replacing the previous one for the same observer, group and target. */
  recordObservations(
    observations: readonly Observation[],
    options?: StoreCallOptions,
  ): Promise<void>;
  /** Every observer's latest observation of every target of a group. */
  readObservations(group: string, options?: StoreCallOptions): Promise<Observation[]>;
  recordHeartbeat(heartbeat: Heartbeat, options?: StoreCallOptions): Promise<void>;
  readHeartbeats(options?: StoreCallOptions): Promise<Heartbeat[]>;
}

export type StoreErrorKind = "unavailable" | "denied" | "invalid-data" | "failed";

/** Every failure of a store call is turned into this, whatever the backend threw. */
export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  readonly status: number | undefined;

  constructor(
    kind: StoreErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StoreError";
    this.kind = kind;
    this.status = options?.status;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "StoreError" &&
    typeof (error as { kind?: unknown }).kind === "string"
  );
}
