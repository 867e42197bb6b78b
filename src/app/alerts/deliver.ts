// One attempt to send an alert to a channel, and, for what cannot go through the outbox (the
// store is out of reach, see direct.ts), a few attempts at once: exponential backoff with jitter,
// Retry-After honoured up to a cap, each attempt under its own timeout, the whole under the
// caller's signal. Results are data; nothing here throws.
import type { Alert } from "../../core/alerts.js";
import type { AlertChannel, AlertLinks, SendResult } from "../../ports/alerts.js";
import { waitAfter } from "./budget.js";
import type { AlertTiming } from "./setup.js";

/**
 * One attempt, under its own timeout and `signal`. An attempt is never cut short by what is left
 * of anything else: one cut off may still have reached the receiver, and would be sent again.
 */
export async function attempt(
  channel: AlertChannel,
  alert: Alert,
  options: { readonly links: AlertLinks; readonly timeoutMs: number; readonly signal: AbortSignal },
): Promise<SendResult> {
  try {
    return await channel.send(alert, {
      links: options.links,
      abortSignal: options.signal,
      timeoutMs: options.timeoutMs,
    });
  } catch (error) {
    // A channel must not throw; if one does, it is a failed attempt like any other.
    return { outcome: "retry", reason: channel.redact(String(error)) };
  }
}

export interface DeliverContext {
  readonly links: AlertLinks;
  readonly timing: AlertTiming;
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** performance.now() after which no attempt starts and no wait is begun. */
  readonly deadline: number;
}

/** Up to `timing.attemptsPerRun` attempts, while the deadline allows; the last result. */
export async function deliver(
  channel: AlertChannel,
  alert: Alert,
  context: DeliverContext,
): Promise<SendResult> {
  const { timing, signal } = context;
  let result: SendResult = { outcome: "retry", reason: "not attempted: out of time" };
  for (let n = 1; n <= timing.attemptsPerRun; n++) {
    if (signal.aborted || context.deadline <= performance.now()) break;
    result = await attempt(channel, alert, {
      links: context.links,
      timeoutMs: timing.attemptTimeoutMs,
      signal,
    });
    if (result.outcome !== "retry" || n === timing.attemptsPerRun) break;
    const wait = waitAfter(timing, alert, n, result.retryAfterMs);
    if (wait > timing.maxRetryAfterMs || performance.now() + wait >= context.deadline) break;
    await context.sleep(wait, signal);
  }
  return result;
}
