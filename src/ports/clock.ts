/** Wall-clock time in epoch milliseconds. Injected so tests and simulation control time. */
export interface Clock {
  now(): number;
}
