// What a runtime knows about alerting: the channels (each with what it wants to hear), the links
// alerts carry, reminders, and the timing of delivery. Built by the composition root.
import type { Alert, ChannelFilter } from "../../core/alerts.js";
import { passes } from "../../core/alerts.js";
import type { AlertChannel } from "../../ports/alerts.js";
import type { Delivery, OutboxRow } from "../../ports/state-store.js";

export interface ConfiguredChannel {
  readonly channel: AlertChannel;
  readonly filter: ChannelFilter;
}

export interface AlertTiming {
  /** Longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  /** Attempts per alert and channel within one delivery run. */
  readonly attemptsPerRun: number;
  /** Attempts per alert and channel in all, across runs and holders. */
  readonly maxAttempts: number;
  /** First backoff; doubled each attempt, with jitter, up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Longest Retry-After waited within a run; a longer one is waited for across runs. */
  readonly maxRetryAfterMs: number;
  /** Longest one delivery run may take (it also ends with the lease's acting time). */
  readonly runBudgetMs: number;
  /** An alert not delivered this long after it happened is given up (failed). */
  readonly maxAgeMs: number;
  /** Outbox rows handled per run. */
  readonly batch: number;
}

export const DEFAULT_ALERT_TIMING: AlertTiming = {
  attemptTimeoutMs: 10_000,
  attemptsPerRun: 3,
  maxAttempts: 10,
  backoffMs: 1000,
  maxBackoffMs: 10_000,
  maxRetryAfterMs: 30_000,
  runBudgetMs: 60_000,
  maxAgeMs: 24 * 3_600_000,
  batch: 50,
};

export interface AlertSetup {
  readonly channels: readonly ConfiguredChannel[];
  /** Mutable: the sandbox learns its URL once its host listens. */
  readonly links: { baseUrl?: string };
  /** Remind of what stays open at this interval; 0: never. */
  readonly reminderMs: number;
  readonly timing: AlertTiming;
  /** How delivery waits between attempts (instant in the simulator). */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, Math.round(ms)));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export const NO_ALERTS: AlertSetup = {
  channels: [],
  links: {},
  reminderMs: 0,
  timing: DEFAULT_ALERT_TIMING,
  sleep: realSleep,
};

/** Whether any channel wants the alert: alerts no channel wants are never written. */
export const wanted = (setup: AlertSetup, alert: Alert) =>
  setup.channels.some((c) => passes(c.filter, alert));

/** What a process remembers of its deliveries between runs. */
export interface AlertMemory {
  /** The run in progress. */
  running?: Promise<void>;
  /** Deliveries made whose mark could not be written yet, by outbox ref: never sent again. */
  readonly unmarked: Map<
    string,
    { readonly row: OutboxRow; readonly etag: string; deliveries: Record<string, Delivery> }
  >;
  /** The last reminder count written per open matter. */
  readonly reminded: Map<string, number>;
  /** When done rows were last pruned (this process's clock). */
  prunedAt: number;
  /** This process wrote alerts, or left some unsent, since its last look at the outbox. */
  dirty: boolean;
  /** When it last read the outbox (this process's clock), and in which epoch. */
  polledAt: number;
  polledEpoch: number;
  /**
   * Claims of an older epoch, as first seen: taken over only once seen unchanged for a lease
   * duration, so that a holder still finishing its run (its mark on the way) is not doubled.
   */
  readonly claimsSeen: Map<string, { readonly etag: string; readonly at: number }>;
}

export const freshAlertMemory = (): AlertMemory => ({
  unmarked: new Map(),
  reminded: new Map(),
  prunedAt: 0,
  dirty: true,
  polledAt: 0,
  polledEpoch: 0,
  claimsSeen: new Map(),
});
