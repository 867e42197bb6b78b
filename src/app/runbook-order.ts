// The order in which the holder's tick takes its groups' runbook steps, and so hands out its share
// of ARM's budget (the first to ask are served): with reads scarce, order decides which incidents
// finish. First opened, first served, in a stable order; an incident whose step waits on something
// slow steps aside until its next read is due. See ADR 0028.
import type { Incident } from "../core/incident.js";
import type { LeverView } from "../core/levers.js";
import { readDueAt } from "../core/runbook-pace.js";
import type { RunbookPolicy } from "../core/runbook.js";

interface GroupTurn {
  /** The group's oldest open incident, if any: the one its runbook advances. */
  readonly open?: Incident;
  /** A kept verdict of the group changed this tick. */
  readonly changed: boolean;
  readonly view?: LeverView;
  readonly policy: Pick<RunbookPolicy, "wakeTimeoutMs" | "propagationTimeoutMs">;
}

/**
 * Indices of `groups` in the order their steps run. While any group has work: open incidents
 * whose read is due, oldest first (by opening time, then the configuration's order: the order
 * never changes while they wait, so the first of many incidents keeps its reads until it is done
 * or waits on something slow); then groups whose verdict changed with no incident; then incidents
 * that wait on a slow operation and are not due yet (they read only with what is left); then the
 * quiet groups. With no work anywhere: the oldest views first, so that the quiet reconciles reach
 * every group in turn. (An order by the age of views during a mass failover gave each incident its
 * read one tick and took it away the next, and none of 1,000 completed.)
 */
export function runbookOrder(
  groups: readonly GroupTurn[],
  epoch: number,
  now: number,
  intervalMs: number,
): number[] {
  const rank = ({ open, changed, view, policy }: GroupTurn): number => {
    if (!open) return changed ? 1 : 3;
    const due = changed ? undefined : readDueAt(open, view, epoch, intervalMs, policy);
    return due !== undefined && due > now ? 2 : 0;
  };
  const ranks = groups.map(rank);
  const order = groups.map((_, i) => i);
  if (ranks.every((r) => r === 3)) {
    const age = (i: number) => groups[i]!.view?.readAt ?? -Infinity;
    return order.sort((a, b) => Math.sign(age(a) - age(b) || 0) || a - b);
  }
  const opened = (i: number) => groups[i]!.open?.openedAt ?? 0;
  return order.sort((a, b) => ranks[a]! - ranks[b]! || opened(a) - opened(b) || a - b);
}
