// Which closed incidents of a group may be deleted once they are past the audit horizon
// (`stateStore.auditRetentionDays`, ADR 0017). The runbook reads a group's incidents to decide,
// so an incident goes only when no rule can still need it:
//   - it is closed (completed, failed or aborted) before `before`, and before the group's
//     automatic-failover window and the idempotency keys' lifetime began (`keepFrom`): the cap on
//     automatic failovers counts them, and a retried request finds its incident by its key;
//   - it is not the group's last closed incident, nor its last completed one: the manual routing
//     hold rests on the last completed incident, and the return to cold on when the last ended;
//   - it did not wake a cluster that has not been returned to cold yet, and it is not the latest
//     incident that woke its region's cluster: the return to cold stops a cluster only if the
//     latest incident that woke it has not returned it already (one a person started since is
//     theirs), so deleting that one would make an older one the latest.
// Pure: the caller says what time it is and how far back each rule looks.
import type { Incident } from "./incident.js";
import { TERMINAL } from "./incident.js";

interface IncidentRetention {
  /** The audit horizon: incidents closed before this may go. */
  readonly before: number;
  /** The earliest time a rule still looks back to (failover window, idempotency keys). */
  readonly keepFrom: number;
}

const latest = (incidents: readonly Incident[]) =>
  incidents.reduce<Incident | undefined>(
    (last, i) => (last === undefined || i.closedAt! > last.closedAt! ? i : last),
    undefined,
  );

/** The incidents of one group that may be deleted, oldest closed first. */
export function prunableIncidents(
  incidents: readonly Incident[],
  rule: IncidentRetention,
): Incident[] {
  const closed = incidents.filter((i) => TERMINAL.has(i.step) && i.closedAt !== undefined);
  const kept = new Set(
    [latest(closed), latest(closed.filter((i) => i.step === "completed"))].filter(
      (i): i is Incident => i !== undefined,
    ),
  );
  const lastWake = new Map<string, Incident>();
  for (const i of incidents) {
    const region = i.startedCluster ? i.wake?.region : undefined;
    if (region === undefined) continue;
    const before = lastWake.get(region);
    if (!before || i.openedAt > before.openedAt) lastWake.set(region, i);
  }
  for (const i of lastWake.values()) kept.add(i);
  const cutoff = Math.min(rule.before, rule.keepFrom);
  return closed
    .filter(
      (i) =>
        i.closedAt! < cutoff &&
        !kept.has(i) &&
        !(i.startedCluster === true && i.returnedToColdAt === undefined),
    )
    .sort((a, b) => a.closedAt! - b.closedAt!);
}
