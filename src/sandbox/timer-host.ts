// Runs a timer function on its NCRONTAB schedule (six fields, seconds first), the way the Azure
// Functions host does: one run at a time; a run that overruns makes the next one "past due".
import { CronExpressionParser } from "cron-parser";

export interface TimerInfo {
  readonly isPastDue: boolean;
  /** The occurrence this run is for, and the one after it, as the Functions host reports them. */
  readonly due: Date;
  readonly next: Date;
}

export interface RunningTimer {
  /** Stops scheduling and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export class ScheduleError extends Error {
  constructor(schedule: string, reason: string) {
    super(
      `timer schedule "${schedule}" is not a valid NCRONTAB expression (six fields, seconds first): ${reason}`,
    );
    this.name = "ScheduleError";
  }
}

/** Checks a schedule and returns a function giving the first occurrence after a time. */
export function parseSchedule(schedule: string): (after: Date) => Date {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6)
    throw new ScheduleError(schedule, `it has ${fields.length} field(s), not 6`);
  try {
    CronExpressionParser.parse(schedule);
  } catch (error) {
    throw new ScheduleError(schedule, (error as Error).message);
  }
  return (after) => CronExpressionParser.parse(schedule, { currentDate: after }).next().toDate();
}

export function startTimer(
  schedule: string,
  run: (info: TimerInfo) => Promise<void>,
  onError: (error: unknown) => void,
): RunningTimer {
  const next = parseSchedule(schedule);
  let stopped = false;
  let handle: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const plan = (after: Date) => {
    if (stopped) return;
    const due = next(after);
    // A run that overran the next occurrence is followed by one run at once, marked past due;
    // the other missed occurrences are skipped, as the Functions host does.
    const missed = due.getTime() < Date.now();
    handle = setTimeout(
      () => {
        const late = missed || Date.now() - due.getTime() > 1000;
        running = run({ isPastDue: late, due, next: next(due) })
          .catch(onError)
          .finally(() => plan(missed ? new Date() : due));
      },
      Math.max(0, due.getTime() - Date.now()),
    );
  };
  plan(new Date());

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(handle);
      await running;
    },
  };
}
