// What the runbook needs to know of the practice schedule (`policy.practice.failover`, ADR 32):
// the window the clock is in, the dwell, and whether the group passed every readiness check at
// this process's last readiness run (a new lease holder knows nothing until its first run, so it
// starts no practice before then; it still stops or finishes one, from the incidents).
import { lastFiring, parseCron } from "../core/cron.js";
import type { PracticeSituation } from "../core/practice.js";
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
