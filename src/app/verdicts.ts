// Verdicts for one group from what the store holds, with the group's policy.
import type { Heartbeat, Observation } from "../core/observation.js";
import type { RegionVerdict } from "../core/verdict.js";
import { regionVerdicts } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { GroupConfig, TandemConfig } from "../config/schema.js";

export function groupVerdicts(
  config: TandemConfig,
  group: GroupConfig,
  observations: readonly Observation[],
  heartbeats: readonly Heartbeat[],
  now: number,
): RegionVerdict[] {
  const policy = effectivePolicy(config, group);
  return regionVerdicts({
    regions: group.regions,
    observations,
    heartbeats,
    now,
    policy: {
      failureThreshold: policy.failureThreshold,
      staleAfterMs: policy.observerStaleSeconds * 1000,
    },
  });
}
