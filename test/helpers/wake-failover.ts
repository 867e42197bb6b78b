// An automatic failover from weu to neu that wakes neu: the incident the tests of a step's lever
// reads (when, and in which order) are about.
import type { Incident, Step } from "../../src/core/index.js";

/** At `step`, opened when the step began, at `at`. */
export const wakeFailover = (step: Step, at: number): Incident => ({
  id: `inc-${at}`,
  group: "catalog",
  kind: "failover",
  trigger: "automatic",
  from: "weu",
  to: "neu",
  shift: { kind: "promote", region: "neu" },
  wake: { region: "neu", start: true },
  step,
  stepStartedAt: at,
  openedAt: at,
  reason: "weu is down",
  history: [],
});
