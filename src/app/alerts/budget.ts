// How long an alert is tried on a channel, and how long to wait between tries: a time budget by
// severity, not an attempt count. The window runs from when the alert happened (its `at`, on the
// clock of the process that saw it; a few seconds of skew between machines do not matter against
// minutes), so a new holder continues an old holder's budget instead of starting its own.
import { createHash } from "node:crypto";
import type { Alert } from "../../core/alerts.js";
import { weight } from "../../core/channel-alerts.js";
import type { AlertTiming } from "./setup.js";

/** How long the alert is tried: the window of its severity (or of what it resolves). */
export const windowOf = (timing: AlertTiming, alert: Alert) => timing.windowMs[weight(alert)];

/** When the alert is given up if no channel attempt has succeeded: its time plus its window. */
export const giveUpAt = (timing: AlertTiming, alert: Alert) => alert.at + windowOf(timing, alert);

/** Jitter from the alert and attempt: spreads retries of many alerts, the same on every replay. */
function jitter(key: string, attempt: number): number {
  const byte = createHash("sha256").update(`${key}#${attempt}`).digest()[0]!;
  return 0.5 + byte / 255;
}

/** The wait after the `attempt`-th failed attempt (1-based): doubling, capped, with jitter. */
export function backoff(timing: AlertTiming, key: string, attempt: number): number {
  const base = Math.min(timing.maxBackoffMs, timing.backoffMs * 2 ** (attempt - 1));
  return Math.round(base * jitter(key, attempt));
}

/** The wait a failed attempt calls for: the receiver's Retry-After if it gave one, else backoff. */
export const waitAfter = (
  timing: AlertTiming,
  alert: Alert,
  attempt: number,
  retryAfterMs: number | undefined,
) => retryAfterMs ?? backoff(timing, alert.key, attempt);
