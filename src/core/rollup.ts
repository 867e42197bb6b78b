// The history behind the status page (ADR 0025): per group and UTC day, one small fixed summary
// the lease holder adds to from what it reads every tick. Per target (a region or the entry
// point) and observer, per hour: probes, passes, and the sums of each phase's duration; per day,
// a histogram of each phase in fixed buckets (quantiles from it are upper bounds). Per region,
// per hour: how long the kept verdict was observed and how long of that it was down. Pure
// arithmetic; time is passed in.
import type { Observation } from "./observation.js";

const HOURS = 24;
/** The probe phases kept, each the time from the previous phase's end (ProbePhases holds ends). */
export const PHASES = ["dns", "connect", "tls", "firstByte"] as const;
/** Upper bounds of the histogram buckets, in ms; one more bucket holds everything above. */
const BUCKET_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000] as const;

/** One observer's day of one target. Arrays by hour (0-23 UTC) and by phase, in PHASES order. */
export interface ObserverDay {
  readonly probes: number[];
  readonly up: number[];
  /** Passing probes whose phases were recorded, by hour. */
  readonly timed: number[];
  /** By phase, by hour: the sum of that phase's durations over the timed probes, ms. */
  readonly phaseSums: number[][];
  /** By phase: counts per bucket of BUCKET_BOUNDS_MS (and one above) over the day. */
  readonly buckets: number[][];
}

/** A region's kept verdict over one day, by hour: time observed, and of it time down, in ms. */
interface VerdictDay {
  readonly seenMs: number[];
  readonly downMs: number[];
}

/** A group's day: what the status page's history reads, one row each in the store. */
export interface RollupDay {
  /** UTC date, `YYYY-MM-DD`. */
  readonly day: string;
  readonly group: string;
  /**
   * Every hourly array holds one value, the day's total, at index 0: a day past the 24-hour
   * window needs no hours, and is kept at about a sixth of the size (see compactDay).
   */
  readonly compact?: true;
  /** By target (a region name, or ENTRY_POINT), by observer. */
  readonly observed: Record<string, Record<string, ObserverDay>>;
  /** By region. */
  readonly verdicts: Record<string, VerdictDay>;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);
export const hourOf = (at: number) => Math.floor((at % DAY_MS) / HOUR_MS);
/** The start of a `YYYY-MM-DD` day in ms since the epoch. */
export const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);

const zeros = (n: number) => new Array<number>(n).fill(0);

export const emptyRollup = (day: string, group: string): RollupDay => ({
  day,
  group,
  observed: {},
  verdicts: {},
});

const emptyObserverDay = (): ObserverDay => ({
  probes: zeros(HOURS),
  up: zeros(HOURS),
  timed: zeros(HOURS),
  phaseSums: PHASES.map(() => zeros(HOURS)),
  buckets: PHASES.map(() => zeros(BUCKET_BOUNDS_MS.length + 1)),
});

function bucketOf(ms: number): number {
  const i = BUCKET_BOUNDS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? BUCKET_BOUNDS_MS.length : i;
}

/** Each phase's own duration from the phase ends a probe records; undefined without them. */
function phaseDurations(o: Pick<Observation, "phases">): number[] | undefined {
  const p = o.phases;
  if (!p) return undefined;
  const ends = [p.dnsMs, p.connectMs, p.tlsMs, p.firstByteMs];
  return ends.map((end, i) => Math.max(0, end - (i === 0 ? 0 : ends[i - 1]!)));
}

/**
 * Adds one probe (an observation of a new tick) to the hour of `at`: the holder's clock when it
 * read it, not the observer's (clocks are not compared across machines). Mutates `day`.
 */
export function addObservation(day: RollupDay, o: Observation, at: number): void {
  const target = (day.observed[o.target] ??= {});
  const slot = (target[o.observer] ??= emptyObserverDay());
  const hour = hourOf(at);
  slot.probes[hour]! += 1;
  if (!o.ok) return;
  slot.up[hour]! += 1;
  const durations = phaseDurations(o);
  if (!durations) return;
  slot.timed[hour]! += 1;
  durations.forEach((ms, i) => {
    slot.phaseSums[i]![hour]! += ms;
    slot.buckets[i]![bucketOf(ms)]! += 1;
  });
}

/** Adds `ms` of a region's kept verdict, ending at `at`, to the hour it ends in. Mutates `day`. */
export function addVerdictTime(
  day: RollupDay,
  region: string,
  down: boolean,
  at: number,
  ms: number,
): void {
  const slot = (day.verdicts[region] ??= { seenMs: zeros(HOURS), downMs: zeros(HOURS) });
  const hour = hourOf(at);
  slot.seenMs[hour]! += ms;
  if (down) slot.downMs[hour]! += ms;
}

/** The hours counted: every hour slot that starts at or after `since`. */
interface HourWindow {
  /** The window's first hour, ms since the epoch, on an hour boundary. */
  readonly since: number;
}

const inWindow = (day: string, hour: number, window: HourWindow) =>
  dayStart(day) + hour * HOUR_MS >= window.since;

const sumIn = (
  rows: readonly RollupDay[],
  window: HourWindow,
  pick: (row: RollupDay) => number[] | undefined,
) => {
  let total = 0;
  for (const row of rows) {
    const hours = pick(row);
    if (hours) hours.forEach((v, h) => (total += inWindow(row.day, h, window) ? v : 0));
  }
  return total;
};

/** Passes over probes of one target and observer in the window: null without a probe. */
export function probeUptime(
  rows: readonly RollupDay[],
  target: string,
  observer: string,
  window: HourWindow,
): { readonly probes: number; readonly uptime: number | null } {
  const of = (row: RollupDay) => row.observed[target]?.[observer];
  const probes = sumIn(rows, window, (r) => of(r)?.probes);
  const up = sumIn(rows, window, (r) => of(r)?.up);
  return { probes, uptime: probes === 0 ? null : up / probes };
}

/** The share of the window's observed time the region's kept verdict was not down: null unobserved. */
export function verdictUptime(
  rows: readonly RollupDay[],
  region: string,
  window: HourWindow,
): number | null {
  const seen = sumIn(rows, window, (r) => r.verdicts[region]?.seenMs);
  const down = sumIn(rows, window, (r) => r.verdicts[region]?.downMs);
  return seen === 0 ? null : (seen - down) / seen;
}

/**
 * The bucket bound at or under which a share `q` of the counts fall: an upper bound of the
 * quantile. Null with no counts, or when it falls above the highest bound.
 */
export function quantileBound(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return BUCKET_BOUNDS_MS[i] ?? null;
  }
  return null;
}

/** Bucket counts of one phase summed over days (whole days: buckets are kept per day). */
export function mergedBuckets(days: readonly (ObserverDay | undefined)[], phase: number): number[] {
  const out = zeros(BUCKET_BOUNDS_MS.length + 1);
  for (const d of days) d?.buckets[phase]?.forEach((n, i) => (out[i]! += n));
  return out;
}

const total = (hours: readonly number[]) => [hours.reduce((a, b) => a + b, 0)];

/**
 * The day with each hourly array summed into one value: what the windows of whole days (7 and
 * 30) read of it is unchanged, as are its quantile buckets; only its hours are gone.
 */
export function compactDay(row: RollupDay): RollupDay {
  if (row.compact) return row;
  const observed = Object.fromEntries(
    Object.entries(row.observed).map(([target, observers]) => [
      target,
      Object.fromEntries(
        Object.entries(observers).map(([observer, d]) => [
          observer,
          {
            probes: total(d.probes),
            up: total(d.up),
            timed: total(d.timed),
            phaseSums: d.phaseSums.map(total),
            buckets: d.buckets,
          },
        ]),
      ),
    ]),
  );
  const verdicts = Object.fromEntries(
    Object.entries(row.verdicts).map(([region, v]) => [
      region,
      { seenMs: total(v.seenMs), downMs: total(v.downMs) },
    ]),
  );
  return { day: row.day, group: row.group, compact: true, observed, verdicts };
}

/** Checks a value read back from storage has the shape of a RollupDay; a reason when it does not. */
export function rollupProblem(value: unknown): string | undefined {
  const v = value as Partial<RollupDay> | null;
  if (typeof v !== "object" || v === null) return "not an object";
  if (typeof v.day !== "string" || !/^\d{4}-\d\d-\d\d$/.test(v.day)) return "no day";
  if (typeof v.group !== "string") return "no group";
  if (typeof v.observed !== "object" || v.observed === null) return "no observed";
  if (typeof v.verdicts !== "object" || v.verdicts === null) return "no verdicts";
  if (v.compact !== undefined && v.compact !== true) return "compact is not true";
  const length = v.compact ? 1 : HOURS;
  const hourly = (a: unknown) =>
    Array.isArray(a) && a.length === length && a.every(Number.isFinite);
  for (const [target, observers] of Object.entries(v.observed))
    for (const [observer, d] of Object.entries(observers ?? {})) {
      const ok =
        hourly(d.probes) &&
        hourly(d.up) &&
        hourly(d.timed) &&
        Array.isArray(d.phaseSums) &&
        d.phaseSums.length === PHASES.length &&
        d.phaseSums.every(hourly) &&
        Array.isArray(d.buckets) &&
        d.buckets.length === PHASES.length &&
        d.buckets.every((b) => Array.isArray(b) && b.length === BUCKET_BOUNDS_MS.length + 1);
      if (!ok) return `a malformed day of ${target} seen by ${observer}`;
    }
  for (const [region, d] of Object.entries(v.verdicts))
    if (!hourly(d?.seenMs) || !hourly(d?.downMs)) return `malformed verdict hours of ${region}`;
  return undefined;
}
