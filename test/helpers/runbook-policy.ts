// The runbook policy the core runbook tests share: short step timeouts (a minute), one automatic
// failover an hour, manual failback. A test that needs other rules spreads this and changes them.
import type { RunbookPolicy } from "../../src/core/index.js";

export const TEST_POLICY: RunbookPolicy = {
  maxAutoFailovers: 1,
  autoFailoverWindowMs: 3_600_000,
  autoFailback: false,
  stepTimeoutMs: 60_000,
  wakeTimeoutMs: 600_000,
  propagationTimeoutMs: 900_000,
  stopColdOnClear: true,
};
