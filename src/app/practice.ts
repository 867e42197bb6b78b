// What the runbook needs to know of the practice schedule (`policy.practice.failover`, ADR 32):
// the window the clock is in, the dwell, and whether the group passed every readiness check at
// this process's last readiness run (a new lease holder knows nothing until its first run, so it
// starts no practice before then; it still stops or finishes one, from the incidents).
import { lastFiring, parseCron } from "../core/cron.js";
import type { Incident } from "../core/incident.js";
import type { PracticeRecord, PracticeSituation } from "../core/practice.js";
import { practiceRecord } from "../core/practice.js";
import type { Runtime } from "./runtime.js";

interface PracticeMemory {
  /** Per group, whether the last readiness run found every check ready. */
  readonly ready: Map<string, boolean>;
  /** The window found for the current minute (the schedule is global, so found once a minute). */
  window?: { readonly minute: number; readonly found?: { start: number; end: number } };
}

const memories = new WeakMap<Runtime, PracticeMemory>();

function memoryOf(rt: Runtime): PracticeMemory {
  let memory = memories.get(rt);
  if (!memory) memories.set(rt, (memory = { ready: new Map() }));
  return memory;
}

/** The readiness run's verdict for a group: only "ready" lets a practice start. */
export function noteReadiness(rt: Runtime, group: string, ready: boolean): void {
  memoryOf(rt).ready.set(group, ready);
}

/** The group's practice situation, when real practice is configured. */
export function practiceOf(rt: Runtime, group: string): { practice?: PracticeSituation } {
  const schedule = rt.config.policy.practice.failover;
  if (!schedule) return {};
  const memory = memoryOf(rt);
  const now = rt.clock.now();
  const minute = Math.floor(now / 60_000);
  if (memory.window?.minute !== minute) {
    const cron = parseCron(schedule.start);
    const span = schedule.durationMinutes * 60_000;
    // The latest opening within the last duration: the window `now` is in, if any.
    const start = typeof cron === "string" ? undefined : lastFiring(cron, now - span, now);
    memory.window = {
      minute,
      ...(start === undefined ? {} : { found: { start, end: start + span } }),
    };
  }
  const window = memory.window.found;
  return {
    practice: {
      ...(window && now < window.end ? { window } : {}),
      ready: memory.ready.get(group) === true,
      dwellMs: schedule.dwellMinutes * 60_000,
    },
  };
}

/** A group's last practice run as `GET /api/status` and the page show it. */
export interface PracticeView {
  readonly outcome: PracticeRecord["outcome"];
  readonly to: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** Measured: the practice failover from opening to completion, and the failback. */
  readonly failoverSeconds: number | null;
  readonly failbackSeconds: number | null;
  /** Why it stopped early, when it did. */
  readonly note: string | null;
  /** The run in one line. */
  readonly line: string;
}

/** The last practice run among a group's incidents, or null when there is none. */
export function practiceView(incidents: readonly Incident[]): PracticeView | null {
  const run = practiceRecord(incidents);
  if (!run) return null;
  const iso = (t: number) => new Date(t).toISOString();
  const took = (what: string, s: number | undefined) =>
    s === undefined ? [] : [`${what} in ${Math.round(s)} s`];
  const line = [
    `${run.outcome} (to ${run.to}, started ${iso(run.startedAt).slice(0, 16).replace("T", " ")} UTC)`,
    ...took("failed over", run.failoverSeconds),
    ...took("back", run.failbackSeconds),
    ...(run.note ? [run.note] : []),
  ].join(", ");
  return {
    outcome: run.outcome,
    to: run.to,
    startedAt: iso(run.startedAt),
    endedAt: run.endedAt === undefined ? null : iso(run.endedAt),
    failoverSeconds: run.failoverSeconds ?? null,
    failbackSeconds: run.failbackSeconds ?? null,
    note: run.note ?? null,
    line,
  };
}
