// One alert to one channel within a delivery run: attempts with exponential backoff and jitter,
// Retry-After honoured up to a cap, each attempt under its timeout, the whole under the run's
// signal. Returns the last attempt's result, as data; never throws.
import { createHash } from "node:crypto";
import type { Alert } from "../../core/alerts.js";
import type { AlertChannel, AlertLinks, SendResult } from "../../ports/alerts.js";
import type { AlertTiming } from "./setup.js";

export interface DeliverContext {
  readonly links: AlertLinks;
  readonly timing: AlertTiming;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** performance.now() after which no attempt starts and no wait is begun. */
  readonly deadline: number;
  /**
   * What an attempt in flight runs under (besides its own timeout); the run's signal by default.
   * The sender lets an attempt it started finish: one cut off may have reached the receiver, and
   * would be sent again.
   */
  readonly attemptSignal?: AbortSignal;
  /** Attempts this run may make (fewer when the alert has used most of its attempts). */
  readonly attempts?: number;
}

export interface Delivered {
  readonly result: SendResult;
  readonly attempts: number;
  /** A Retry-After longer than the run may wait: when to try again, in ms from now. */
  readonly retryInMs?: number;
}

/** Jitter from the alert and attempt: spreads retries of many alerts, the same on every replay. */
function jitter(key: string, attempt: number): number {
  const byte = createHash("sha256").update(`${key}#${attempt}`).digest()[0]!;
  return 0.5 + byte / 255;
}

export function backoff(timing: AlertTiming, key: string, attempt: number): number {
  const base = Math.min(timing.maxBackoffMs, timing.backoffMs * 2 ** (attempt - 1));
  return Math.round(base * jitter(key, attempt));
}

export async function deliver(
  channel: AlertChannel,
  alert: Alert,
  context: DeliverContext,
): Promise<Delivered> {
  const { timing, signal } = context;
  const most = Math.max(1, context.attempts ?? timing.attemptsPerRun);
  let result: SendResult = { outcome: "retry", reason: "not attempted: the run ran out of time" };
  let attempts = 0;
  for (let attempt = 1; attempt <= most; attempt++) {
    const left = context.deadline - performance.now();
    if (signal.aborted || left <= 0) break;
    attempts++;
    try {
      result = await channel.send(alert, {
        links: context.links,
        abortSignal: context.attemptSignal ?? signal,
        // Its own timeout, not what is left of the run: an attempt cut short may still have
        // reached the receiver, and would be sent again.
        timeoutMs: timing.attemptTimeoutMs,
      });
    } catch (error) {
      // A channel must not throw; if one does, it is a failed attempt like any other.
      result = { outcome: "retry", reason: channel.redact(String(error)) };
    }
    if (result.outcome !== "retry") return { result, attempts };
    if (attempt === most) break;
    const asked = result.retryAfterMs;
    if (asked !== undefined && asked > timing.maxRetryAfterMs)
      return { result, attempts, retryInMs: asked };
    const wait = asked ?? backoff(timing, alert.key, attempt);
    if (performance.now() + wait >= context.deadline) return { result, attempts, retryInMs: wait };
    await context.sleep(wait, signal);
  }
  return { result, attempts };
}
