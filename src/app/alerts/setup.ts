// What a runtime knows about alerting: the channels (each with what it wants to hear), the links
// alerts carry, reminders, and the timing of delivery. Built by the composition root.
import type { Alert, AlertRegion, ChannelFilter, Severity } from "../../core/alerts.js";
import type { Incident } from "../../core/incident.js";
import type { RegionState } from "../../core/verdict.js";
import { passes } from "../../core/alerts.js";
import { aboutItself } from "../../core/channel-alerts.js";
import type { AlertChannel } from "../../ports/alerts.js";
import type { ChannelRecord, Delivery, OutboxRow } from "../../ports/state-store.js";

/** What the holder knows of a group after its tick, for reminders. */
export interface GroupMatters {
  readonly group: string;
  readonly states?: Readonly<Record<string, RegionState>>;
  readonly incident?: Incident;
  readonly regions?: readonly AlertRegion[];
}

export interface ConfiguredChannel {
  readonly channel: AlertChannel;
  readonly filter: ChannelFilter;
}

export interface AlertTiming {
  /** Longest one attempt may take. */
  readonly attemptTimeoutMs: number;
  /**
   * Attempts at one alert in a row before its channel waits for the next tick: a bound on one
   * run of a channel's delivery whatever a wait costs (nothing in the simulator).
   */
  readonly attemptsPerRun: number;
  /** First backoff; doubled each attempt, with jitter, up to maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** Longest wait (a backoff, a Retry-After) slept within a run; a longer one spans ticks. */
  readonly maxRetryAfterMs: number;
  /**
   * How long an alert is tried on a channel, from when it happened, by its severity (a resolving
   * alert's is that of what it resolves); after that it is given up there, and that is told.
   */
  readonly windowMs: Readonly<Record<Severity, number>>;
  /** Outbox rows held per process. */
  readonly batch: number;
}

const MINUTE = 60_000;

export const DEFAULT_ALERT_TIMING: AlertTiming = {
  attemptTimeoutMs: 10_000,
  attemptsPerRun: 3,
  backoffMs: 1000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 30_000,
  windowMs: { info: 5 * MINUTE, warning: 15 * MINUTE, error: 30 * MINUTE, critical: 60 * MINUTE },
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

/** Whether a channel is for an alert: it wants it, and it is not about the channel's own loss. */
export const isFor = (c: ConfiguredChannel, alert: Alert) =>
  passes(c.filter, alert) && !aboutItself(alert, c.channel.name);

/** Whether any channel wants the alert: alerts no channel wants are never written. */
export const wanted = (setup: AlertSetup, alert: Alert) =>
  setup.channels.some((c) => isFor(c, alert));

/** An outbox row this process has claimed, as it knows it (see outbox-rows.ts). */
export interface HeldRow {
  readonly ref: string;
  /** The epoch it was claimed in: only that epoch's lanes deliver it. */
  readonly epoch: number;
  /** The row with every delivery as this process knows it (written or not yet). */
  row: OutboxRow;
  /** The version of the last write of it that the store took. */
  etag: string;
  /** Its writes, one at a time. */
  writing: Promise<void>;
}

/** What a process remembers of its deliveries between ticks. */
export interface AlertMemory {
  /** The dispatch in progress: reminders, reading and claiming the outbox, starting lanes. */
  running?: Promise<void>;
  /** A dispatch was asked for while one ran: the epoch and matters of the latest. */
  again?: { readonly epoch: number; readonly matters: readonly GroupMatters[] };
  /** Each channel's delivery in progress, by channel name: channels never wait for each other. */
  readonly lanes: Map<string, Promise<void>>;
  /** The rows this process holds, by ref, oldest alert first. */
  readonly held: Map<string, HeldRow>;
  /** Writes of held rows in progress. */
  readonly writes: Set<Promise<void>>;
  /** The channels' records as this process last read or wrote them. */
  records: Record<string, ChannelRecord>;
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
  lanes: new Map(),
  held: new Map(),
  writes: new Set(),
  records: {},
  unmarked: new Map(),
  reminded: new Map(),
  prunedAt: 0,
  dirty: true,
  polledAt: 0,
  polledEpoch: 0,
  claimsSeen: new Map(),
});
