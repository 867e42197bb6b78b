// The one timer's NCRONTAB schedule for a probe interval (each tick probes, then decides: ADR 18).
// The deployment sets it as an app setting; the local host uses it too.
// NCRONTAB fires on wall-clock field matches, so only intervals that divide a minute (or whole
// minutes that divide an hour) give evenly spaced ticks; any other interval is refused by name.

export interface Schedules {
  readonly tick: string;
}

export type ScheduleResult =
  ({ readonly ok: true } & Schedules) | { readonly ok: false; readonly problem: string };

export function timerSchedules(intervalSeconds: number): ScheduleResult {
  const refuse = (why: string): ScheduleResult => ({
    ok: false,
    problem: `policy.intervalSeconds ${intervalSeconds} cannot be a timer schedule: ${why}`,
  });
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1)
    return refuse("it must be a whole number of seconds");
  if (intervalSeconds < 60) {
    if (60 % intervalSeconds !== 0)
      return refuse(
        "below a minute it must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30), or the ticks are unevenly spaced",
      );
    return { ok: true, tick: `*/${intervalSeconds} * * * * *` };
  }
  const minutes = intervalSeconds / 60;
  if (!Number.isInteger(minutes) || 60 % minutes !== 0)
    return refuse(
      "from a minute up it must be whole minutes that divide 60 (60, 120, 180, ... 3600)",
    );
  return { ok: true, tick: `0 */${minutes} * * * *` };
}
