// How often an open incident reads its levers while its step waits on an operation that Azure
// takes minutes to finish. Reading such a lever every tick cannot move the step on sooner, and in a
// mass failover those reads are what the incidents that could move on are short of. Pure.
import type { Incident } from "./incident.js";
import type { LeverView } from "./levers.js";
import type { RunbookPolicy } from "./runbook.js";

/**
 * The longest gap between two reads of a slow operation. Starting an AKS cluster takes minutes
 * (learn.microsoft.com, "Stop and start an AKS cluster"; the sandbox's realistic timing assumes 5)
 * and a Front Door change reaches the edge over up to about 20 minutes (users' reports, see
 * docs/levers.md): a read a minute finds either within a fifth of its usual time.
 */
const SLOW_READ_MAX_MS = 60_000;

/**
 * What the incident's step waits on that takes minutes, as its last read showed it; undefined when
 * the next read may move the step on (or the view cannot say).
 */
export function slowWait(
  incident: Incident,
  view: Pick<LeverView, "routing" | "clusters">,
): string | undefined {
  const wake = incident.wake?.region;
  const power = wake === undefined ? undefined : view.clusters[wake]?.power;
  switch (incident.step) {
    // Started (or not stopped): only the verdict on the primary, seen by probes, moves it on.
    case "prewarming":
      return power !== undefined && power !== "Stopped"
        ? `${wake}'s cluster is ${power}`
        : undefined;
    case "waking":
      return power === "Starting" || power === "Stopping"
        ? `${wake}'s cluster is ${power}`
        : undefined;
    case "verifying":
      return view.routing?.propagating ? "the lever is propagating the change" : undefined;
    default:
      return undefined;
  }
}

/** The step's time limit while it waits on the slow operation. */
const limitOf = (
  incident: Incident,
  policy: Pick<RunbookPolicy, "wakeTimeoutMs" | "propagationTimeoutMs">,
) => (incident.step === "verifying" ? policy.propagationTimeoutMs : policy.wakeTimeoutMs);

/**
 * When an open incident's next lever read is due: at once, unless its last read (in this epoch,
 * answered in full, during this step) showed a slow operation under way. Then the gap grows with
 * the step's age at that read (half of it: reads at about 10, 20, 30, 45, 70, 100 s ... into the
 * step), from one interval up to SLOW_READ_MAX_MS and to a tenth of the step's time limit (the
 * time between reads counts against it: a cluster that is ready is seen well within it), so that
 * a cluster that takes its usual minutes costs about a dozen reads rather than one a tick. Half
 * an interval early: ticks come once an interval, and a tick a moment before the time must not put
 * the read off by a whole interval.
 */
export function readDueAt(
  incident: Incident,
  view: LeverView | undefined,
  epoch: number,
  intervalMs: number,
  policy: Pick<RunbookPolicy, "wakeTimeoutMs" | "propagationTimeoutMs">,
): number | undefined {
  if (!view || view.epoch !== epoch || view.failedAt !== undefined) return undefined;
  if (view.readAt < incident.stepStartedAt || slowWait(incident, view) === undefined)
    return undefined;
  const gap = Math.min(
    SLOW_READ_MAX_MS,
    limitOf(incident, policy) / 10,
    Math.max(intervalMs, (view.readAt - incident.stepStartedAt) / 2),
  );
  return gap > intervalMs ? view.readAt + gap - intervalMs / 2 : undefined;
}
