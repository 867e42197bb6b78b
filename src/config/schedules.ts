// The one timer's NCRONTAB schedule for a probe interval (each tick probes, then decides: ADR 18),
// staggered across the interval by observer. The deployment sets it as an app setting; the local
// host uses it too.
// NCRONTAB fires on wall-clock field matches, so only intervals that divide a minute (or whole
// minutes that divide an hour) give evenly spaced ticks; any other interval is refused by name.

export interface Schedules {
  readonly tick: string;
}

export type ScheduleResult =
  ({ readonly ok: true } & Schedules) | { readonly ok: false; readonly problem: string };

/**
 * The schedule of observer `index` of `count`: the observers tick `interval / count` apart
 * (rounded down to a whole second), so that together they probe evenly across the interval and
 * the first probe to meet an outage comes, on average, `interval / (2 × count)` after it starts
 * rather than half an interval (ADR 18). The first observer ticks on the interval's boundary.
 */
export function timerSchedules(intervalSeconds: number, index = 0, count = 1): ScheduleResult {
  const refuse = (why: string): ScheduleResult => ({
    ok: false,
    problem: `policy.intervalSeconds ${intervalSeconds} cannot be a timer schedule: ${why}`,
  });
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1)
    return refuse("it must be a whole number of seconds");
  const offset = count > 1 ? Math.floor((index * intervalSeconds) / count) : 0;
  if (intervalSeconds < 60) {
    if (60 % intervalSeconds !== 0)
      return refuse(
        "below a minute it must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30), or the ticks are unevenly spaced",
      );
    return {
      ok: true,
      tick:
        offset === 0
          ? `*/${intervalSeconds} * * * * *`
          : `${offset}-59/${intervalSeconds} * * * * *`,
    };
  }
  const minutes = intervalSeconds / 60;
  if (!Number.isInteger(minutes) || 60 % minutes !== 0)
    return refuse(
      "from a minute up it must be whole minutes that divide 60 (60, 120, 180, ... 3600)",
    );
  const second = offset % 60;
  const minute = Math.floor(offset / 60);
  return {
    ok: true,
    tick:
      minute === 0 ? `${second} */${minutes} * * * *` : `${second} ${minute}-59/${minutes} * * * *`,
  };
}
