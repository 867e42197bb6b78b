// How long a runbook step waits on Azure Resource Manager: the ceiling on a step's wall time and
// the backoff between failed lever changes. Shared by the runbook's steps and the app's lever reads.

/**
 * A step's time on Azure Resource Manager is not counted against its timeout, but its wall time
 * is bounded: by three times the timeout, or the timeout plus LEVER_ALLOWANCE_MS, whichever is
 * longer. A control plane that never answers ends the step (and a person hears of it), while one
 * throttling for many minutes, as in a regional outage, is waited out.
 */
export const LEVER_CEILING = 3;
export const LEVER_ALLOWANCE_MS = 15 * 60_000;

/** The first retry waits this long; each further one twice as long, up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 2000;
export const RETRY_MAX_MS = 60_000;

/**
 * How long to wait before trying a failed lever change again: exponential from RETRY_BASE_MS,
 * capped at RETRY_MAX_MS, and never sooner than the service's Retry-After (itself capped at the
 * cap's fivefold, so a bad header cannot park a failover).
 */
export function retryDelayMs(attempts: number, retryAfterMs?: number): number {
  const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(backoff, Math.min(retryAfterMs ?? 0, RETRY_MAX_MS * 5));
}
