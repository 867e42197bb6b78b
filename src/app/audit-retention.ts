// Retention of the audit log (ADR 0017). The lease holder deletes what is older than
// `stateStore.auditRetentionDays`: audit entries, refused-call counts, and closed incidents no
// runbook rule can still need (src/core/incident-retention.ts). A round starts at most once an
// hour; each tick of a round deletes at most PRUNE_ROWS_PER_TICK rows per partition, beside the
// tick and never awaited by it; when a round finds nothing more, one entry in the action log says
// what it removed.
import { errorText } from "../core/errors.js";
import { prunableIncidents } from "../core/incident-retention.js";
import type { Pruned } from "../ports/audit-store.js";
import type { RunbookState } from "../ports/state-store.js";
import { isStoreError } from "../ports/state-store.js";
import { IDEMPOTENCY_KEY_TTL_MS } from "./commands.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";
import { runbookPolicy } from "./situation.js";

const DAY_MS = 86_400_000;
/**
 * Rows one tick deletes, per partition: 500 every 10 s is 50 a second, far under what one Table
 * partition serves (2,000 entities a second), so the fence's writes into the action log's
 * partition never queue behind a prune; and a backlog of 100,000 rows takes under an hour.
 */
export const PRUNE_ROWS_PER_TICK = 500;
/** A new round starts at most this long after the last one ended. */
export const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_TIMEOUT_MS = 30_000;

/** What a round has removed so far, in how many passes, and from before when. */
export interface PruneRound extends Omit<Pruned, "more"> {
  readonly before: number;
  readonly passes: number;
  /** Closed incidents deleted. */
  readonly incidents: number;
}

export interface RetentionMemory {
  /** The pass in progress. */
  running?: Promise<void>;
  /** The round in progress, if the last pass left more. */
  round?: PruneRound;
  /** When this process's last round ended (its clock); a new holder starts a round at once. */
  lastRoundAt?: number;
}

export const freshRetentionMemory = (): RetentionMemory => ({});

/**
 * Starts a prune pass if a round is due or under way and none is running; never waits for it.
 * `incidents` are the ones the tick read (with their versions): the pass deletes from those, and
 * reads none itself; without them it leaves incidents for a later pass.
 */
export function startAuditPrune(
  rt: Runtime,
  epoch: number,
  incidents?: RunbookState["incidents"],
): void {
  const memory = rt.memory.retention;
  const now = rt.clock.now();
  if (memory.running) return;
  if (
    !memory.round &&
    memory.lastRoundAt !== undefined &&
    now - memory.lastRoundAt < PRUNE_EVERY_MS
  )
    return;
  memory.running = prunePass(rt, epoch, now, incidents)
    .catch((error: unknown) =>
      rt.log.warn(
        `audit: pruning the audit log failed (next tick tries again): ${errorText(error)}`,
      ),
    )
    .finally(() => {
      memory.running = undefined;
    });
}

/** Waits for the prune pass in progress, if any (hosts, the simulator and tests). */
export async function auditPruneSettled(rt: Runtime): Promise<void> {
  await rt.memory.retention.running;
}

/**
 * Deletes up to PRUNE_ROWS_PER_TICK closed incidents past the horizon, over every configured
 * group, from those the tick read, each at the version read (one that changed since is left for
 * the next pass).
 */
async function pruneIncidents(
  rt: Runtime,
  read: RunbookState["incidents"],
  before: number,
  now: number,
  abortSignal: AbortSignal,
): Promise<{ incidents: number; more: boolean }> {
  let incidents = 0;
  for (const group of rt.config.groups) {
    const policy = runbookPolicy(rt, group);
    const stored = read[group.name] ?? [];
    const etags = new Map(stored.map((s) => [s.incident.id, s.etag]));
    const prunable = prunableIncidents(
      stored.map((s) => s.incident),
      { before, keepFrom: now - Math.max(policy.autoFailoverWindowMs, IDEMPOTENCY_KEY_TTL_MS) },
    );
    for (const incident of prunable) {
      if (incidents >= PRUNE_ROWS_PER_TICK) return { incidents, more: true };
      try {
        await rt.store.deleteIncident(group.name, incident.id, etags.get(incident.id)!, {
          abortSignal,
        });
        incidents++;
      } catch (error) {
        if (!isStoreError(error) || error.kind !== "conflict") throw error;
      }
    }
  }
  return { incidents, more: false };
}

function added(round: PruneRound, pruned: Pruned & { readonly incidents: number }): PruneRound {
  const oldest = [round.oldest, pruned.oldest].filter((t) => t !== undefined);
  const newest = [round.newest, pruned.newest].filter((t) => t !== undefined);
  return {
    before: round.before,
    passes: round.passes + 1,
    actions: round.actions + pruned.actions,
    moved: round.moved + pruned.moved,
    refusedRows: round.refusedRows + pruned.refusedRows,
    refusedCalls: round.refusedCalls + pruned.refusedCalls,
    incidents: round.incidents + pruned.incidents,
    ...(oldest.length > 0 ? { oldest: Math.min(...oldest) } : {}),
    ...(newest.length > 0 ? { newest: Math.max(...newest) } : {}),
  };
}

async function prunePass(
  rt: Runtime,
  epoch: number,
  now: number,
  read: RunbookState["incidents"] | undefined,
): Promise<void> {
  const memory = rt.memory.retention;
  const days = rt.config.stateStore.auditRetentionDays;
  const start: PruneRound = memory.round ?? {
    before: now - days * DAY_MS,
    passes: 0,
    actions: 0,
    moved: 0,
    refusedRows: 0,
    refusedCalls: 0,
    incidents: 0,
  };
  const abortSignal = AbortSignal.timeout(PRUNE_TIMEOUT_MS);
  const pruned = await rt.store.pruneAudit(
    { before: start.before, maxRows: PRUNE_ROWS_PER_TICK },
    { abortSignal },
  );
  const closed = read
    ? await pruneIncidents(rt, read, start.before, now, abortSignal)
    : { incidents: 0, more: false };
  const round = added(start, { ...pruned, incidents: closed.incidents });
  if (pruned.more || closed.more) {
    memory.round = round;
    return;
  }
  memory.round = undefined;
  memory.lastRoundAt = now;
  if (round.actions + round.moved + round.refusedRows + round.incidents === 0) return;
  const iso = (t: number) => new Date(t).toISOString();
  const said = `removed ${round.actions} audit entries, ${round.incidents} closed incidents and ${round.refusedRows} refused-call counts (${round.refusedCalls} calls) from before ${iso(round.before)} (${days} days)${round.moved > 0 ? `; moved ${round.moved} entries of the old layout` : ""}`;
  rt.log.info(`audit: ${said}`);
  await rt.store.appendAction(
    {
      at: rt.clock.now(),
      actor: holderId(rt),
      epoch,
      name: "audit: prune",
      outcome: "done",
      reason: said,
      detail: JSON.stringify({
        retentionDays: days,
        before: iso(round.before),
        passes: round.passes,
        actions: round.actions,
        refusedRows: round.refusedRows,
        refusedCalls: round.refusedCalls,
        incidents: round.incidents,
        moved: round.moved,
        ...(round.oldest === undefined ? {} : { oldest: iso(round.oldest) }),
        ...(round.newest === undefined ? {} : { newest: iso(round.newest) }),
      }),
    },
    { abortSignal: AbortSignal.timeout(PRUNE_TIMEOUT_MS) },
  );
}
