// The status read model behind GET /api/status: per group, each region's verdict with every
// observer's latest observation, and each observer's heartbeat age. Throws a StoreError when the
// store cannot be read; the HTTP layer answers 503 for it.
import type { Heartbeat, Observation, ProbeError } from "../core/observation.js";
import { ENTRY_POINT } from "../core/observation.js";
import type { Verdict } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { Runtime } from "./runtime.js";
import { groupVerdicts } from "./verdicts.js";

export interface ObservationView {
  readonly observer: string;
  readonly status: "up" | "down";
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: ProbeError;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly at: string;
  readonly ageSeconds: number;
}

export interface RegionStatus {
  readonly name: string;
  readonly role: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly observations: readonly ObservationView[];
}

export interface GroupStatus {
  readonly name: string;
  readonly model: string;
  readonly regions: readonly RegionStatus[];
  readonly entryPoint?: { readonly url: string; readonly observations: readonly ObservationView[] };
}

export interface ObserverStatus {
  readonly region: string;
  readonly lastTickAt: string | null;
  readonly ageSeconds: number | null;
  readonly stale: boolean;
  readonly version: string | null;
  readonly tickMs: number | null;
}

export interface StatusView {
  readonly generatedAt: string;
  readonly answeredBy: string;
  readonly version: string;
  readonly observers: readonly ObserverStatus[];
  readonly groups: readonly GroupStatus[];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function view(o: Observation, now: number): ObservationView {
  return {
    observer: o.observer,
    status: o.ok ? "up" : "down",
    latencyMs: o.latencyMs,
    ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }),
    ...(o.error === undefined ? {} : { error: o.error }),
    consecutiveFailures: o.consecutiveFailures,
    consecutiveSuccesses: o.consecutiveSuccesses,
    at: new Date(o.at).toISOString(),
    ageSeconds: seconds(now - o.at),
  };
}

function observerStatus(
  region: string,
  heartbeat: Heartbeat | undefined,
  now: number,
  staleMs: number,
): ObserverStatus {
  if (heartbeat === undefined)
    return { region, lastTickAt: null, ageSeconds: null, stale: true, version: null, tickMs: null };
  return {
    region,
    lastTickAt: new Date(heartbeat.at).toISOString(),
    ageSeconds: seconds(now - heartbeat.at),
    stale: now - heartbeat.at > staleMs,
    version: heartbeat.version,
    tickMs: heartbeat.tickMs,
  };
}

export async function readStatus(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<StatusView> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const [heartbeats, rows] = await Promise.all([
    rt.store.readHeartbeats(call),
    Promise.all(rt.config.groups.map((g) => rt.store.readObservations(g.name, call))),
  ]);
  const now = rt.clock.now();
  const staleMs = effectivePolicy(rt.config).observerStaleSeconds * 1000;
  const byObserver = (a: Observation, b: Observation) => a.observer.localeCompare(b.observer);

  const configured = rt.config.observers.map((o) => o.region);
  const unexpected = heartbeats.map((h) => h.observer).filter((r) => !configured.includes(r));
  const observers = [...configured, ...unexpected].map((region) =>
    observerStatus(
      region,
      heartbeats.find((h) => h.observer === region),
      now,
      staleMs,
    ),
  );

  const groups = rt.config.groups.map((group, i): GroupStatus => {
    const observations = rows[i] ?? [];
    const verdicts = groupVerdicts(rt.config, group, observations, heartbeats, now);
    const of = (target: string) =>
      observations
        .filter((o) => o.target === target)
        .sort(byObserver)
        .map((o) => view(o, now));
    return {
      name: group.name,
      model: group.model,
      regions: group.regions.map((region, r) => ({
        name: region.name,
        role: region.role,
        verdict: verdicts[r]!.verdict,
        reason: verdicts[r]!.reason,
        observations: of(region.name),
      })),
      ...(group.entryPoint
        ? { entryPoint: { url: group.entryPoint.url, observations: of(ENTRY_POINT) } }
        : {}),
    };
  });

  return {
    generatedAt: new Date(now).toISOString(),
    answeredBy: rt.observer,
    version: rt.version,
    observers,
    groups,
  };
}
