/** Time, injected so that tests and simulation control it. */
export interface Clock {
  /** Epoch milliseconds; must never step backwards. */
  now(): number;
  /** Resolves after `ms` (at once if the signal is aborted, or aborts while waiting). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
