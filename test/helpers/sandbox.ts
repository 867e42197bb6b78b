// The sandbox as end-to-end tests start it: on a free port, 1 s ticks, a region down after two
// failed rounds and back after 2 s of dwell, so a failover and its failback take seconds.
import type { SandboxOptions } from "../../src/sandbox/sandbox.js";

export const FAST_SANDBOX = {
  port: 0,
  intervalSeconds: 1,
  failureThreshold: 2,
  dwellSeconds: 2,
} as const satisfies SandboxOptions;
