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

/**
 * When each phase of a probe ended, in milliseconds from its start, so that
 * dns <= connect <= tls <= firstByte <= total. A phase that did not happen (no name to resolve,
 * no TLS, a reused connection) ends when the one before it did.
 */
export interface ProbePhases {
  readonly dnsMs: number;
  readonly connectMs: number;
  readonly tlsMs: number;
  readonly firstByteMs: number;
  readonly totalMs: number;
}

/** What a probe found beyond pass or fail; an observation keeps it as the probe gave it. */
interface ProbeDetail {
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: ProbeError;
  readonly phases?: ProbePhases;
  /** Days until the earliest expiry in the served certificate chain. */
  readonly certificateDaysLeft?: number;
  /** Not failures, but worth a person's attention (a certificate about to expire). */
  readonly warnings?: readonly string[];
}

export interface ProbeOutcome extends ProbeDetail {
  readonly ok: boolean;
  /** How many quick re-probes it took to settle the outcome (0 when the first probe passed). */
  readonly confirmations?: number;
}

/** Which tick of which observer process wrote a row: `instance` is new for every process. */
export interface TickId {
  readonly instance: string;
  readonly seq: number;
}

export interface Observation extends ProbeDetail {
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
  readonly at: number;
  /** The last hour, one mark per minute on the observer's clock (see nextTimeline). */
  readonly timeline?: string;
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
  // Failed confirmation re-probes count too: a target that failed three probes in a row within
  // one tick has failed three probes in a row.
  const failures = outcome.ok
    ? 0
    : (previous?.consecutiveFailures ?? 0) + 1 + (outcome.confirmations ?? 0);
  const successes = outcome.ok ? (previous?.consecutiveSuccesses ?? 0) + 1 : 0;
  // A success run remembers the failure run it ended, so "recovered" can need the success threshold.
  const failuresBefore = !outcome.ok
    ? 0
    : previous && !previous.ok
      ? previous.consecutiveFailures
      : (previous?.failuresBefore ?? 0);
  // Built field by field, in the order of the type, rather than by spreading optional parts: it
  // runs for every target of every tick, and the spreads were the simulator's single dearest line.
  const next: { -readonly [K in keyof Observation]?: Observation[K] } = {
    observer: identity.observer,
    group: identity.group,
    target: identity.target,
    tick: identity.tick,
    ok: outcome.ok,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    failuresBefore,
    latencyMs: outcome.latencyMs,
  };
  if (outcome.statusCode !== undefined) next.statusCode = outcome.statusCode;
  if (outcome.error !== undefined) next.error = outcome.error;
  if (outcome.phases !== undefined) next.phases = outcome.phases;
  if (outcome.certificateDaysLeft !== undefined)
    next.certificateDaysLeft = outcome.certificateDaysLeft;
  if (outcome.warnings?.length) next.warnings = outcome.warnings;
  next.at = at;
  next.timeline = nextTimeline(previous?.timeline, at, outcome.ok);
  return next as Observation;
}

export const TIMELINE_MINUTES = 60;
const MINUTE = 60_000;

/**
 * The last hour of a target as one observer saw it: `"{minute}:{marks}"`, where `minute` is the
 * minute (since the epoch) of the last mark and each mark is one minute, oldest first: `u` every
 * probe passed, `d` at least one failed, `-` no probe. Kept in the observation row itself.
 */
export function nextTimeline(previous: string | undefined, at: number, ok: boolean): string {
  const minute = Math.floor(at / MINUTE);
  const parsed = /^(\d+):([ud-]*)$/.exec(previous ?? "");
  const last = parsed ? Number(parsed[1]) : undefined;
  let marks = parsed?.[2] ?? "";
  const mark = ok ? "u" : "d";
  if (last === minute && marks.length > 0)
    marks = marks.slice(0, -1) + (marks.endsWith("d") ? "d" : mark);
  else if (last !== undefined && minute > last)
    marks += "-".repeat(Math.min(minute - last - 1, TIMELINE_MINUTES)) + mark;
  else marks = mark; // no history, or the observer's clock went back: start again
  return `${minute}:${marks.slice(-TIMELINE_MINUTES)}`;
}

export interface TimelineMinute {
  /** Start of the minute, ms since the epoch. */
  readonly at: number;
  readonly mark: "up" | "down" | "none";
}

/** The marks of a timeline as minutes, oldest first. */
export function timelineMinutes(timeline: string | undefined): TimelineMinute[] {
  const parsed = /^(\d+):([ud-]*)$/.exec(timeline ?? "");
  if (!parsed) return [];
  const last = Number(parsed[1]);
  const marks = parsed[2]!;
  return [...marks].map((m, i) => ({
    at: (last - (marks.length - 1 - i)) * MINUTE,
    mark: m === "u" ? "up" : m === "d" ? "down" : "none",
  }));
}
