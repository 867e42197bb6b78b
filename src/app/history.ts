// The history read model behind GET /api/status/history and the status page's history (ADR
// 0025): per group, each region's uptime (its kept verdict) and each observer's (its probes)
// over 24 hours, 7 days and 30 days, the global entry point's own row, latency by probe phase,
// and each incident's time to recover and steps. Two reads whatever the history's length: the
// rollup rows of 30 days (groups × days) and the runbook state (incidents).
import type { Incident } from "../core/incident.js";
import { ENTRY_POINT } from "../core/observation.js";
import type { ObserverDay, RollupDay } from "../core/rollup.js";
import {
  DAY_MS,
  PHASES,
  dayOf,
  dayStart,
  hourOf,
  mergedBuckets,
  probeUptime,
  quantileBound,
  verdictUptime,
} from "../core/rollup.js";
import type { GroupConfig } from "../config/schema.js";
import type { StoredIncident } from "../ports/state-store.js";
import type { Runtime } from "./runtime.js";

const HOUR_MS = 3_600_000;
/** Incidents shown per group, newest first: the page stays small with a long history. */
const INCIDENTS_SHOWN = 5;

type Window = "24h" | "7d" | "30d";
export const WINDOWS: readonly Window[] = ["24h", "7d", "30d"];
/** Uptime as a share (0-1), null when nothing was seen in the window. */
export type Uptimes = Readonly<Record<Window, number | null>>;

interface ObserverHistory {
  readonly observer: string;
  readonly uptime: Uptimes;
  readonly probes: Readonly<Record<Window, number>>;
}

/** One hour of the latency chart: the mean of each phase over every observer's passing probes. */
interface LatencyHour {
  /** Start of the hour, ISO 8601. */
  readonly hour: string;
  /** Passing probes with phases in the hour (0: no point). */
  readonly probes: number;
  readonly dnsMs: number;
  readonly connectMs: number;
  readonly tlsMs: number;
  readonly firstByteMs: number;
}

/** A phase's quantiles over 7 days: upper bounds from fixed buckets (null: none, or above 10 s). */
type PhaseQuantiles = Readonly<
  Record<(typeof PHASES)[number], { readonly p50Ms: number | null; readonly p95Ms: number | null }>
>;

export interface TargetHistory {
  /** A region's name, or `entry point`. */
  readonly name: string;
  /** The kept verdict's uptime (regions only; null for the entry point, which has none). */
  readonly uptime: Uptimes | null;
  readonly observers: readonly ObserverHistory[];
  /** The last 24 hours, oldest first. */
  readonly latency: readonly LatencyHour[];
  readonly quantiles7d: PhaseQuantiles;
}

export interface IncidentHistory {
  readonly id: string;
  readonly kind: Incident["kind"];
  readonly trigger: Incident["trigger"];
  readonly from: string | null;
  readonly to: string;
  readonly step: Incident["step"];
  readonly openedAt: string;
  readonly closedAt: string | null;
  /** From opening to completion: null while open, or when it did not complete. */
  readonly recoverSeconds: number | null;
  /** Each step once, when it was first reached, with its offset from the opening. */
  readonly steps: readonly {
    readonly step: string;
    readonly at: string;
    readonly afterSeconds: number;
  }[];
}

export interface GroupHistory {
  readonly name: string;
  readonly regions: readonly TargetHistory[];
  readonly entryPoint: TargetHistory | null;
  /** Newest first, at most INCIDENTS_SHOWN, opened within 30 days. */
  readonly incidents: readonly IncidentHistory[];
}

export interface HistoryView {
  readonly generatedAt: string;
  /** The first and last day read (UTC). */
  readonly from: string;
  readonly to: string;
  readonly groups: readonly GroupHistory[];
  /** More groups follow (ADR 0031): ask with `?after=` this group. */
  readonly next?: string;
  readonly nextUrl?: string;
}

/** Where each window starts: the last 24 hour slots, the last 7 and 30 days with today. */
function windowStarts(now: number): Record<Window, number> {
  const today = dayStart(dayOf(now));
  return {
    "24h": Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS,
    "7d": today - 6 * DAY_MS,
    "30d": today - 29 * DAY_MS,
  };
}

function latencyHours(rows: readonly RollupDay[], target: string, now: number): LatencyHour[] {
  const first = Math.floor(now / HOUR_MS) * HOUR_MS - 23 * HOUR_MS;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return Array.from({ length: 24 }, (_, i) => {
    const at = first + i * HOUR_MS;
    const days = Object.values(byDay.get(dayOf(at))?.observed[target] ?? {});
    const h = hourOf(at);
    const probes = days.reduce((n, d) => n + (d.timed[h] ?? 0), 0);
    const mean = (p: number) =>
      probes === 0
        ? 0
        : Math.round((days.reduce((s, d) => s + (d.phaseSums[p]?.[h] ?? 0), 0) / probes) * 10) / 10;
    return {
      hour: new Date(at).toISOString(),
      probes,
      dnsMs: mean(0),
      connectMs: mean(1),
      tlsMs: mean(2),
      firstByteMs: mean(3),
    };
  });
}

function quantiles(rows: readonly RollupDay[], target: string, since: number): PhaseQuantiles {
  const days: (ObserverDay | undefined)[] = rows
    .filter((r) => dayStart(r.day) >= since)
    .flatMap((r) => Object.values(r.observed[target] ?? {}));
  return Object.fromEntries(
    PHASES.map((phase, p) => {
      const buckets = mergedBuckets(days, p);
      return [phase, { p50Ms: quantileBound(buckets, 0.5), p95Ms: quantileBound(buckets, 0.95) }];
    }),
  ) as PhaseQuantiles;
}

function targetHistory(
  rows: readonly RollupDay[],
  target: string,
  name: string,
  isRegion: boolean,
  now: number,
): TargetHistory {
  const starts = windowStarts(now);
  const observers = [...new Set(rows.flatMap((r) => Object.keys(r.observed[target] ?? {})))].sort();
  const each = <T>(f: (since: number) => T) =>
    Object.fromEntries(WINDOWS.map((w) => [w, f(starts[w])])) as Record<Window, T>;
  return {
    name,
    uptime: isRegion ? each((since) => verdictUptime(rows, target, { since })) : null,
    observers: observers.map((observer) => ({
      observer,
      uptime: each((since) => probeUptime(rows, target, observer, { since }).uptime),
      probes: each((since) => probeUptime(rows, target, observer, { since }).probes),
    })),
    latency: latencyHours(rows, target, now),
    quantiles7d: quantiles(rows, target, starts["7d"]),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function incidentHistory(incident: Incident): IncidentHistory {
  const steps: IncidentHistory["steps"][number][] = [];
  for (const h of incident.history)
    if (!steps.some((s) => s.step === h.step))
      steps.push({
        step: h.step,
        at: iso(h.at),
        afterSeconds: Math.round((h.at - incident.openedAt) / 100) / 10,
      });
  const closed = incident.closedAt;
  return {
    id: incident.id,
    kind: incident.kind,
    trigger: incident.trigger,
    from: incident.from ?? null,
    to: incident.to,
    step: incident.step,
    openedAt: iso(incident.openedAt),
    closedAt: closed === undefined ? null : iso(closed),
    recoverSeconds:
      closed !== undefined && incident.step === "completed"
        ? Math.round((closed - incident.openedAt) / 100) / 10
        : null,
    steps,
  };
}

/** The history of `groups` (of the configuration), each group's rows read on their own. */
export async function readHistory(
  rt: Runtime,
  groups: readonly GroupConfig[],
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<HistoryView> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const now = rt.clock.now();
  const from = dayOf(windowStarts(now)["30d"]);
  const to = dayOf(now);
  const only = groups.length === 1 ? groups[0] : undefined;
  const [rows, incidents] = await Promise.all([
    Promise.all(groups.map((g) => rt.store.readRollups(from, to, { ...call, group: g.name }))),
    only
      ? rt.store
          .readIncidents(only.name, call)
          .then((found): Readonly<Record<string, readonly StoredIncident[]>> => ({
            [only.name]: found,
          }))
      : rt.store.readRunbookState(call).then((state) => state.incidents),
  ]);
  const since = windowStarts(now)["30d"];
  return {
    generatedAt: iso(now),
    from,
    to,
    groups: groups.map((group, g): GroupHistory => {
      const mine = rows[g] ?? [];
      return {
        name: group.name,
        regions: group.regions.map((r) => targetHistory(mine, r.name, r.name, true, now)),
        entryPoint: group.entryPoint
          ? targetHistory(mine, ENTRY_POINT, "entry point", false, now)
          : null,
        incidents: (incidents[group.name] ?? [])
          .map((s) => s.incident)
          .filter((i) => i.openedAt >= since)
          .sort((a, b) => b.openedAt - a.openedAt)
          .slice(0, INCIDENTS_SHOWN)
          .map(incidentHistory),
      };
    }),
  };
}
