// The rules the runbook's decisions pass (pause, the failover cap, what the lever can do, the
// last healthy region) and the small checks of the world its steps share. Pure.
import type { Incident, Shift } from "./incident.js";
import type { ClusterState, NodePoolSize, RoutingState } from "./levers.js";
import { FULL_LEVER, solePrimary } from "./levers.js";
import type { Refusal, RunbookGroup, RunbookPolicy, RunbookResult, Situation } from "./runbook.js";

export const NOTHING: RunbookResult = { opened: false, effects: [] };

export const healthy = (s: Situation, region: string) => s.evidence[region] === "healthy";

/** When an incident became a failover: its confirmation (a pre-warm that never confirmed is not one). */
function failoverTime(i: Incident): number | undefined {
  const confirmed = i.history.find((h) => h.step === "confirmed")?.at;
  if (confirmed !== undefined) return confirmed;
  return i.step === "prewarming" || i.step === "aborted" ? undefined : i.openedAt;
}

function automaticFailoversInWindow(s: Situation, policy: RunbookPolicy): number {
  return s.recent.filter((i) => {
    if (i.kind !== "failover" || i.trigger !== "automatic" || i.step === "aborted") return false;
    const at = failoverTime(i);
    return at !== undefined && at >= s.now - policy.autoFailoverWindowMs;
  }).length;
}

/** The rules every automatic action passes; a refusal names the rule. */
export function automationRefusal(
  s: Situation,
  policy: RunbookPolicy,
  failover: boolean,
): Refusal | undefined {
  if (s.paused) return { rule: "automation-paused", reason: "automation is paused for this group" };
  if (failover && automaticFailoversInWindow(s, policy) >= policy.maxAutoFailovers)
    return {
      rule: "failover-cap",
      reason: `${policy.maxAutoFailovers} automatic failover(s) already within ${Math.round(policy.autoFailoverWindowMs / 60_000)} min: a person must decide`,
    };
  return undefined;
}

/** A refusal when the group's lever cannot make this shift (it declared what it can do). */
export function unable(s: Situation, shift: Shift): Refusal | undefined {
  const can = s.lever ?? FULL_LEVER;
  if (shift.kind === "promote" && !can.promote)
    return {
      rule: "no-lever",
      reason: `the traffic lever cannot make ${shift.region} the first choice (it does not promote regions)`,
    };
  if (shift.kind !== "promote" && !can.enable)
    return {
      rule: "no-lever",
      reason: `the traffic lever cannot ${shift.kind} ${shift.region} (it does not take regions in and out of rotation)`,
    };
  return undefined;
}

/** Whether disabling `region` leaves another enabled region that is healthy. */
export function leavesHealthy(s: Situation, routing: RoutingState, region: string): boolean {
  return routing.regions.some((r) => r.region !== region && r.enabled && healthy(s, r.region));
}

export function shifted(routing: RoutingState, shift: Shift): boolean {
  const route = routing.regions.find((r) => r.region === shift.region);
  // A tie at the top (Front Door priorities need not be unique) is not a promotion yet.
  if (shift.kind === "promote") return solePrimary(routing) === shift.region;
  if (shift.kind === "disable") return route !== undefined && !route.enabled;
  return route?.enabled === true;
}

export function wantedPools(group: RunbookGroup, region: string): readonly NodePoolSize[] {
  return group.regions.find((r) => r.name === region)?.cluster?.nodePools ?? [];
}

export function poolsShort(cluster: ClusterState, wanted: readonly NodePoolSize[]): boolean {
  return wanted.some(
    (w) => (cluster.nodePools.find((p) => p.name === w.name)?.count ?? 0) < w.count,
  );
}
