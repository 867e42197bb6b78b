// Five-field cron schedules (minute, hour, day of month, month, day of week; UTC), for the
// practice schedule: `*`, lists, ranges and steps (`*/15`, `1-5`, `0,30`), days of week 0-7 with
// 0 and 7 Sunday, and the classic rule that when both day fields are restricted a day matching
// either one fires. Pure: the time to judge is a parameter.

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly Field[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 7 },
];

interface Cron {
  readonly sets: readonly ReadonlySet<number>[];
  /** Whether the day-of-month and day-of-week fields are restricted (not `*`). */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

/** A schedule, or a sentence that says what is wrong with it and where. */
export function parseCron(text: string): Cron | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 5)
    return `must have 5 fields (minute hour day-of-month month day-of-week), not ${parts.length}`;
  const sets: Set<number>[] = [];
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    const set = parseField(part, field);
    if (typeof set === "string") return `${field.name} "${part}": ${set}`;
    sets.push(set);
  }
  // Day of week 7 is Sunday, as 0.
  if (sets[4]!.delete(7)) sets[4]!.add(0);
  return { sets, domRestricted: parts[2] !== "*", dowRestricted: parts[4] !== "*" };
}

function parseField(part: string, field: Field): Set<number> | string {
  const out = new Set<number>();
  for (const item of part.split(",")) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
    if (!match) return "must be *, a number, a range a-b, a list, or a step such as */15";
    const from = match[1] === "*" ? field.min : Number(match[2]);
    const to =
      match[1] === "*"
        ? field.max
        : match[3] !== undefined
          ? Number(match[3])
          : match[4]
            ? field.max
            : from;
    const step = match[4] === undefined ? 1 : Number(match[4]);
    if (from < field.min || to > field.max || from > to)
      return `must lie within ${field.min}-${field.max}`;
    if (step < 1) return "a step must be at least 1";
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Whether the schedule fires in the minute that `at` falls in (UTC). */
function firesAt(cron: Cron, at: number): boolean {
  const d = new Date(at);
  const [minute, hour, dom, month, dow] = cron.sets;
  if (!minute!.has(d.getUTCMinutes()) || !hour!.has(d.getUTCHours())) return false;
  if (!month!.has(d.getUTCMonth() + 1)) return false;
  const byDom = dom!.has(d.getUTCDate());
  const byDow = dow!.has(d.getUTCDay());
  if (cron.domRestricted && cron.dowRestricted) return byDom || byDow;
  return byDom && byDow;
}

const MINUTE = 60_000;
/** Longest look back for a firing: a year of minutes (a schedule that fires less often is not missed for long). */
const HORIZON = 366 * 24 * 60;

/**
 * The latest minute in (after, upTo] at which the schedule fires, or undefined: a run that comes
 * every few minutes catches up with one firing, however many it slept through.
 */
export function lastFiring(cron: Cron, after: number, upTo: number): number | undefined {
  let minute = Math.floor(upTo / MINUTE) * MINUTE;
  for (let i = 0; i < HORIZON && minute > after; i++, minute -= MINUTE)
    if (firesAt(cron, minute)) return minute;
  return undefined;
}
