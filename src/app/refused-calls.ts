// API calls refused before they did anything (401, 403, 400) are counted, not logged one by one
// (ADR 0017): per caller and minute, in the store's partition for them, never in the action log
// that a fenced step writes its intent into. A refused call is noted in this process's memory and
// answered at once; the process writes what it noted at most once a second, in one call carrying
// every count since the last. A flood of refused calls so costs the store a bounded number of
// writes and rows, and the fence nothing.
import { errorText } from "../core/errors.js";
import type { RefusedCalls } from "../ports/audit-store.js";
import { OTHERS, mergeRefused } from "../ports/audit-store.js";
import type { Caller } from "./audit.js";
import type { Runtime } from "./runtime.js";

/** Callers with a row of their own per minute; the store counts any more as `others`. */
export const CALLERS_PER_MINUTE = 20;
/** Callers this process keeps apart between two writes; the calls of more are counted as others. */
export const PENDING_CALLERS = 200;
/** The least time between two writes of this process's counts. */
export const WRITE_EVERY_MS = 1000;
const WRITE_TIMEOUT_MS = 10_000;

export interface RefusedMemory {
  /** Counts noted since the last write, by minute and caller. */
  pending: Map<string, RefusedCalls>;
  /** The write in progress. */
  writing?: Promise<void>;
  /** The next write, when the last one was less than WRITE_EVERY_MS ago. */
  timer?: ReturnType<typeof setTimeout>;
  /** When the last write started (performance.now()). */
  lastWriteAt: number;
}

export const freshRefusedMemory = (): RefusedMemory => ({
  pending: new Map(),
  lastWriteAt: Number.NEGATIVE_INFINITY,
});

/** What a refused call was: its route's name (and group), and why it was refused. */
export interface RefusedCall {
  readonly name: string;
  readonly group?: string;
  readonly reason: string;
  /** A name an unauthenticated caller claimed. */
  readonly claimed?: string;
}

/** Counts one refused call; written within about a second, never awaited by the answer. */
export function noteRefused(rt: Runtime, caller: Caller, call: RefusedCall): void {
  const memory = rt.memory.refused;
  const at = rt.clock.now();
  const minute = Math.floor(at / 60_000) * 60_000;
  let actor = caller.name;
  let from = caller.address ?? "";
  if (!memory.pending.has(`${minute}|${actor}|${from}`) && memory.pending.size >= PENDING_CALLERS) {
    actor = OTHERS;
    from = "";
  }
  const key = `${minute}|${actor}|${from}`;
  const counted: RefusedCalls = {
    minute,
    actor,
    from,
    count: 1,
    firstAt: at,
    lastAt: at,
    name: call.name,
    reason: call.reason,
    ...(call.group === undefined ? {} : { group: call.group }),
    ...(call.claimed === undefined ? {} : { claimed: call.claimed }),
  };
  const known = memory.pending.get(key);
  memory.pending.set(key, known ? mergeRefused(known, counted) : counted);
  schedule(rt);
}

function schedule(rt: Runtime): void {
  const memory = rt.memory.refused;
  if (memory.writing || memory.timer) return;
  const wait = memory.lastWriteAt + WRITE_EVERY_MS - performance.now();
  if (wait <= 0) {
    write(rt);
    return;
  }
  memory.timer = setTimeout(() => {
    memory.timer = undefined;
    write(rt);
  }, wait);
  // A count waiting to be written never keeps a process alive on its own.
  memory.timer.unref();
}

function write(rt: Runtime): void {
  const memory = rt.memory.refused;
  if (memory.pending.size === 0) return;
  const calls = [...memory.pending.values()];
  memory.pending = new Map();
  memory.lastWriteAt = performance.now();
  memory.writing = rt.store
    .addRefusedCalls(calls, {
      callersPerMinute: CALLERS_PER_MINUTE,
      abortSignal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
    })
    .catch((error: unknown) => {
      const lost = calls.reduce((n, c) => n + c.count, 0);
      rt.log.warn(`audit: ${lost} refused calls could not be counted: ${errorText(error)}`);
    })
    .finally(() => {
      memory.writing = undefined;
      if (memory.pending.size > 0) schedule(rt);
    });
}

/** Writes what is noted now, without waiting for the next second, and waits until it is written. */
export async function refusedCallsSettled(rt: Runtime): Promise<void> {
  const memory = rt.memory.refused;
  for (;;) {
    if (memory.writing) {
      await memory.writing;
      continue;
    }
    clearTimeout(memory.timer);
    memory.timer = undefined;
    if (memory.pending.size === 0) return;
    write(rt);
  }
}
