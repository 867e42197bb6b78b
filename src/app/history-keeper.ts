// The lease holder keeps the status page's history (ADR 0025): every tick it adds what it has
// just read (each observer's new probes, the time each region's kept verdict held) to the day's
// row of each group, in memory, and writes the rows beside the tick, never awaited by it: every
// FLUSH_INTERVALS intervals, and a group's row at once when one of its verdicts changes, in store
// calls of at most WRITE_BATCH_ROWS rows; a failed call's rows go to the next write. It reads
// the day's rows once per epoch before it adds anything, so a new holder goes on from the last
// write; what a former holder had not written yet (at most one flush period) is lost. Once a
// day it compacts the rows of the day before yesterday (past the 24-hour window, their hours are
// not read: each hourly array becomes its day's total) and deletes rows older than RETAINED_DAYS.
import { errorText } from "../core/errors.js";
import type { RollupDay } from "../core/rollup.js";
import {
  DAY_MS,
  addObservation,
  addVerdictTime,
  compactDay,
  dayOf,
  emptyRollup,
} from "../core/rollup.js";
import type { RegionState } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { AgreementView } from "./agreement.js";
import type { Runtime } from "./runtime.js";

/**
 * Intervals between writes of every group's row: at 1,000 groups, 10 transactions every 30
 * intervals (5 minutes at 10 s), a third of a transaction an interval against issue 31's 60.
 */
const FLUSH_INTERVALS = 30;
/**
 * Rows per store call. Each call has its own time limit (10 s in the Table store); late in the
 * day a row of two regions is about 10 KB, so 1,000 groups in one call were about 10 MB, and one
 * such call on a loaded Azurite ran past its limit (issue 31). A hundred rows are about 1 MB.
 */
const WRITE_BATCH_ROWS = 100;
/** Days kept before today: the page's longest window is 30 days, today included. */
const RETAINED_DAYS = 30;
/** A gap between two holder ticks counts at most this many intervals of verdict time. */
const MAX_GAP_INTERVALS = 3;

interface HistoryMemory {
  readonly epoch: number;
  /** The day `rows` hold; undefined until this epoch has read the day's stored rows. */
  day?: string;
  /** Today's row of each group, by group. */
  rows: Map<string, RollupDay>;
  /** Groups whose row changed since its last write began. */
  readonly dirty: Set<string>;
  /** Groups whose verdicts changed since their row's last write began: written at once. */
  readonly urgent: Set<string>;
  /** Rows of a day that has ended, still to be written. */
  leftover: RollupDay[];
  /** The tick each observation last counted came from, by `observer|group|target`. */
  readonly counted: Map<string, string>;
  lastTickAt?: number;
  /** Each group's kept verdicts at the last tick: the time since then is theirs. */
  readonly lastStates: Map<string, Readonly<Record<string, RegionState>>>;
  lastFlushAt?: number;
  /** The day this epoch last compacted and pruned on. */
  maintainedDay?: string;
  /** The read, write or prune in progress: one at a time. */
  busy?: Promise<void>;
}

const memories = new WeakMap<Runtime["memory"], HistoryMemory>();

function memoryOf(rt: Runtime, epoch: number): HistoryMemory {
  const known = memories.get(rt.memory);
  if (known?.epoch === epoch) return known;
  const fresh: HistoryMemory = {
    epoch,
    rows: new Map(),
    dirty: new Set(),
    urgent: new Set(),
    leftover: [],
    counted: new Map(),
    lastStates: new Map(),
  };
  memories.set(rt.memory, fresh);
  return fresh;
}

/** One group's decision of this tick, as the history needs it. */
interface HistoryInput {
  readonly states?: Readonly<Record<string, RegionState>>;
  /** A kept verdict changed this tick: the group's row is written at once. */
  readonly changed?: boolean;
}

/**
 * Adds this holder tick to the history and starts a write if one is due; never throws, never
 * waits. `decisions` are by group, in the order of `view.groups`. Returns the read, write or
 * prune in progress, for a caller that wants to wait for it (tests).
 */
export function keepHistory(
  rt: Runtime,
  epoch: number,
  view: AgreementView,
  decisions: readonly (HistoryInput | undefined)[],
): Promise<void> | undefined {
  try {
    addTick(rt, epoch, view, decisions);
  } catch (error) {
    rt.log.warn(`history: this tick was not added (${errorText(error)})`);
  }
  return memories.get(rt.memory)?.busy;
}

function addTick(
  rt: Runtime,
  epoch: number,
  view: AgreementView,
  decisions: readonly (HistoryInput | undefined)[],
): void {
  const m = memoryOf(rt, epoch);
  const now = rt.clock.now();
  const today = dayOf(now);
  if (m.day === undefined) {
    if (!m.busy) beside(rt, m, load(rt, m, today), "reading today's history");
    return;
  }
  if (m.day !== today) {
    m.leftover.push(...[...m.dirty].flatMap((g) => m.rows.get(g) ?? []));
    m.rows = new Map();
    m.dirty.clear();
    m.day = today;
  }
  const intervalMs = effectivePolicy(rt.config).intervalSeconds * 1000;
  const gap =
    m.lastTickAt === undefined
      ? 0
      : Math.max(0, Math.min(now - m.lastTickAt, MAX_GAP_INTERVALS * intervalMs));
  m.lastTickAt = now;
  view.groups.forEach(({ group, observations }, i) => {
    const row = m.rows.get(group.name) ?? emptyRollup(today, group.name);
    m.rows.set(group.name, row);
    let changed = false;
    for (const o of observations) {
      const key = `${o.observer}|${o.group}|${o.target}`;
      const tick = `${o.tick.instance}:${o.tick.seq}`;
      if (m.counted.get(key) === tick) continue;
      m.counted.set(key, tick);
      addObservation(row, o, now);
      changed = true;
    }
    const decision = decisions[i];
    // The time since the last tick is the verdicts' that held through it (kept then).
    for (const [region, state] of Object.entries(m.lastStates.get(group.name) ?? {}))
      // A cold standby at rest is down by design: its time counts neither way.
      if (gap > 0 && state.quiet !== true) {
        addVerdictTime(row, region, state.verdict === "down", now, gap);
        changed = true;
      }
    if (decision?.states) m.lastStates.set(group.name, decision.states);
    else m.lastStates.delete(group.name);
    if (changed) m.dirty.add(group.name);
    if (decision?.changed) m.urgent.add(group.name);
  });
  if (m.busy) return;
  m.lastFlushAt ??= now;
  const due = now - m.lastFlushAt >= FLUSH_INTERVALS * intervalMs;
  const groups = due ? [...m.dirty] : [...m.urgent].filter((g) => m.dirty.has(g));
  if (due) m.lastFlushAt = now;
  const rows: Pending[] = [
    ...m.leftover.map((row) => ({ row })),
    ...groups.flatMap((group) => {
      const row = m.rows.get(group);
      return row ? [{ row, group }] : [];
    }),
  ];
  if (rows.length > 0) beside(rt, m, flush(rt, m, rows), "writing the history");
  else if (m.maintainedDay !== today)
    beside(rt, m, maintain(rt, m, now), "compacting and pruning the history");
}

function beside(rt: Runtime, m: HistoryMemory, work: Promise<void>, what: string): void {
  m.busy = work
    .catch((error: unknown) =>
      rt.log.warn(`history: ${what} failed (a later tick tries again): ${errorText(error)}`),
    )
    .finally(() => {
      m.busy = undefined;
    });
}

async function load(rt: Runtime, m: HistoryMemory, today: string): Promise<void> {
  const stored = await rt.store.readRollups(today, today);
  // The store's rows may be frozen (memory): the holder adds to copies.
  m.rows = new Map(stored.map((row) => [row.group, structuredClone(row)]));
  m.day = today;
}

/** A row to write: today's row of `group`, or without one, a row of a day that has ended. */
interface Pending {
  readonly row: RollupDay;
  readonly group?: string;
}

/**
 * Writes `rows` in calls of at most WRITE_BATCH_ROWS, one after the other. When a call fails,
 * its rows and those after it go back to be written (today's groups dirty again, so the next
 * write carries their counts as they are then; ended days' rows to the leftover); the calls
 * before it have landed.
 */
async function flush(rt: Runtime, m: HistoryMemory, rows: readonly Pending[]): Promise<void> {
  // Only while this process still holds the epoch: a former holder's rows would go back in time.
  const holds = () => rt.memory.lease.held?.epoch === m.epoch;
  if (!holds()) return;
  m.leftover = [];
  for (const { group } of rows)
    if (group !== undefined) {
      m.dirty.delete(group);
      m.urgent.delete(group);
    }
  for (let at = 0; at < rows.length; at += WRITE_BATCH_ROWS) {
    if (!holds()) return;
    try {
      await rt.store.writeRollups(rows.slice(at, at + WRITE_BATCH_ROWS).map((p) => p.row));
    } catch (error) {
      for (const { row, group } of rows.slice(at))
        if (group !== undefined && m.rows.get(group) === row) m.dirty.add(group);
        else m.leftover.push(row);
      throw error;
    }
  }
}

async function maintain(rt: Runtime, m: HistoryMemory, now: number): Promise<void> {
  if (rt.memory.lease.held?.epoch !== m.epoch) return;
  const old = dayOf(now - 2 * DAY_MS);
  const full = (await rt.store.readRollups(old, old)).filter((row) => !row.compact);
  for (let at = 0; at < full.length; at += WRITE_BATCH_ROWS)
    await rt.store.writeRollups(full.slice(at, at + WRITE_BATCH_ROWS).map(compactDay));
  const before = dayOf(now - RETAINED_DAYS * DAY_MS);
  const deleted = await rt.store.pruneRollups(before);
  m.maintainedDay = dayOf(now);
  if (deleted > 0) rt.log.info(`history: deleted ${deleted} group days before ${before}`);
}
