// An observation is one observer's latest view of one target, with the run of equal results
// that led to it. Time is epoch milliseconds on the writer's clock, passed in; it is shown to
// people but never compared across machines: freshness across machines goes by tick numbers.

/** The target id of a group's global entry point; region names start with a letter, so it cannot clash. */
export const ENTRY_POINT = "_entry";

export interface ProbeError {
  /** A short machine-readable class, e.g. `timeout`, `connect-refused`, `http-status`. */
  readonly kind: string;
  readonly message: string;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: ProbeError;
}

/** Which tick of which observer process wrote a row: `instance` is new for every process. */
export interface TickId {
  readonly instance: string;
  readonly seq: number;
}

export interface Observation {
  readonly observer: string;
  readonly group: string;
  /** A region name, or ENTRY_POINT. */
  readonly target: string;
  readonly tick: TickId;
  readonly ok: boolean;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Length of the failure run the current success run follows (0 when it follows none). */
  readonly failuresBefore: number;
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: ProbeError;
  readonly at: number;
}

export interface Heartbeat {
  readonly observer: string;
  readonly tick: TickId;
  /** The writer's clock: for people, never for liveness decisions. */
  readonly at: number;
  readonly version: string;
  /** How long the observer's last tick took. */
  readonly tickMs: number;
  /** The observer could not reach its own control target: its failures are not evidence. */
  readonly impaired: boolean;
}

/** The next observation of a target, continuing the run counts of the previous one. */
export function nextObservation(
  previous: Observation | undefined,
  identity: { observer: string; group: string; target: string; tick: TickId },
  outcome: ProbeOutcome,
  at: number,
): Observation {
  const failures = outcome.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
  const successes = outcome.ok ? (previous?.consecutiveSuccesses ?? 0) + 1 : 0;
  // A success run remembers the failure run it ended, so "recovered" can need the success threshold.
  const failuresBefore = !outcome.ok
    ? 0
    : previous && !previous.ok
      ? previous.consecutiveFailures
      : (previous?.failuresBefore ?? 0);
  return {
    ...identity,
    ok: outcome.ok,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    failuresBefore,
    latencyMs: outcome.latencyMs,
    ...(outcome.statusCode === undefined ? {} : { statusCode: outcome.statusCode }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    at,
  };
}
