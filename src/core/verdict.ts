// The verdict on each region of a group, from every live observer's latest observation.
// First cut: a region is down when every live observer has seen it fail `failureThreshold`
// times in a row, suspect when some observer sees it failing, healthy when none does.
import type { Heartbeat, Observation } from "./observation.js";

export type Verdict = "healthy" | "suspect" | "down" | "unknown";

export interface VerdictPolicy {
  readonly failureThreshold: number;
  /** An observer, or an observation, older than this no longer counts. */
  readonly staleAfterMs: number;
}

export interface RegionVerdict {
  readonly region: string;
  readonly verdict: Verdict;
  /** One sentence a person can read: why this verdict. */
  readonly reason: string;
  /** Observers whose latest observation of the region counts as evidence. */
  readonly observers: readonly string[];
  readonly failing: readonly string[];
}

export interface VerdictInput {
  readonly regions: readonly { readonly name: string }[];
  /** Observations of this group's targets, from every observer. */
  readonly observations: readonly Observation[];
  readonly heartbeats: readonly Heartbeat[];
  readonly policy: VerdictPolicy;
  readonly now: number;
}

export function liveObservers(
  heartbeats: readonly Heartbeat[],
  now: number,
  staleAfterMs: number,
): Set<string> {
  return new Set(heartbeats.filter((h) => now - h.at <= staleAfterMs).map((h) => h.observer));
}

function list(names: readonly string[]): string {
  return names.join(", ");
}

export function regionVerdict(
  region: string,
  input: VerdictInput,
  live: Set<string>,
): RegionVerdict {
  const { failureThreshold, staleAfterMs } = input.policy;
  const evidence = input.observations.filter(
    (o) => o.target === region && live.has(o.observer) && input.now - o.at <= staleAfterMs,
  );
  const observers = evidence.map((o) => o.observer).sort();
  const failing = evidence
    .filter((o) => !o.ok)
    .map((o) => o.observer)
    .sort();
  const confirmed = evidence.filter((o) => o.consecutiveFailures >= failureThreshold);
  const base = { region, observers, failing };

  if (evidence.length === 0)
    return {
      ...base,
      verdict: "unknown",
      reason: "no live observer has a recent observation of it",
    };
  if (confirmed.length === evidence.length)
    return {
      ...base,
      verdict: "down",
      reason: `every live observer (${list(observers)}) saw ${failureThreshold} or more failures in a row`,
    };
  if (failing.length === 0)
    return {
      ...base,
      verdict: "healthy",
      reason: `every live observer (${list(observers)}) sees it up`,
    };
  return {
    ...base,
    verdict: "suspect",
    reason: `${failing.length} of ${evidence.length} live observers see it failing (${list(failing)}); down after ${failureThreshold} failures in a row from all`,
  };
}

export function regionVerdicts(input: VerdictInput): RegionVerdict[] {
  const live = liveObservers(input.heartbeats, input.now, input.policy.staleAfterMs);
  return input.regions.map((r) => regionVerdict(r.name, input, live));
}
