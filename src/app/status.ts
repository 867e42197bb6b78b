// The status read model behind GET /api/status: the lease, each observer's liveness, and per
// group each region's verdict (as kept by the lease holder), the evidence behind it, and every
// observer's latest observation. Throws a StoreError when the store cannot be read; the HTTP
// layer answers 503 for it.
import type { Liveness } from "../core/liveness.js";
import { isCurrent } from "../core/liveness.js";
import type { Observation, ProbeError, ProbePhases, TimelineMinute } from "../core/observation.js";
import { ENTRY_POINT, timelineMinutes } from "../core/observation.js";
import type { RegionEvidence, Verdict } from "../core/verdict.js";
import { observeAgreement } from "./agreement.js";
import { manualHold } from "../core/runbook.js";
import type { GroupConfig } from "../config/schema.js";
import type { PauseState } from "../ports/state-store.js";
import { runbookPolicy } from "./situation.js";
import type { Incident } from "../core/incident.js";
import { isOpen } from "../core/incident.js";
import type { LeverView, RegionRoute } from "../core/levers.js";
import { primaryOf, topRegions } from "../core/levers.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";
import type { ChannelStatus } from "./alerts/status.js";
import { readAlertStatus } from "./alerts/status.js";
import type { ReadinessView } from "./readiness.js";
import { readReadinessViews } from "./readiness.js";
import type { PracticeView } from "./practice.js";
import { practiceView } from "./practice.js";

export interface ObservationView {
  readonly observer: string;
  readonly status: "up" | "down";
  readonly latencyMs: number;
  readonly statusCode?: number;
  readonly error?: ProbeError;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  readonly phases?: ProbePhases;
  readonly certificateDaysLeft?: number;
  readonly warnings?: readonly string[];
  /** The observer's clock. */
  readonly at: string;
  /** From the observer's latest tick (older rows do not count as evidence). */
  readonly current: boolean;
  /** The last hour, one mark per minute, oldest first. */
  readonly timeline: readonly TimelineMinute[];
}

/**
 * Where a region stands in the routing the lever reported: `primary` receives traffic first (in
 * an active-active group, with every region of the same priority), `standby` is enabled behind
 * it, `disabled` receives none.
 */
type RegionTraffic = "primary" | "standby" | "disabled";

export interface RegionStatus {
  readonly name: string;
  /** The role in the configuration; where traffic goes now is `traffic`. */
  readonly role: string;
  /**
   * The region's place in the routing as last read, from the same view as the group's
   * `routing.serving` (so the two always agree); null with no traffic lever or before it is read.
   */
  readonly traffic: RegionTraffic | null;
  /** The region's cluster as last read (AKS power state); null with no cluster or before a read. */
  readonly cluster: { readonly power: string; readonly detail?: string } | null;
  /**
   * A passive-cold standby at rest: not where traffic goes first, its cluster stopped (or
   * stopping) by design. Its probes fail until a failover wakes it, so its verdict is `down`
   * without an outage; the status page shows it as a cold standby.
   */
  readonly coldStandby: boolean;
  readonly verdict: Verdict;
  readonly reason: string;
  /** "lease-holder" when the verdict is the one the lease holder keeps; "evidence" before it has one. */
  readonly verdictFrom: "lease-holder" | "evidence";
  readonly evidence: Omit<RegionEvidence, "region">;
  readonly observations: readonly ObservationView[];
}

export interface GroupStatus {
  readonly name: string;
  readonly model: string;
  /**
   * The traffic lever's state as the lease holder last read it (kept in the store: the status never
   * calls Azure): null when there is no lever or it has not been read yet.
   */
  readonly routing: {
    /** The region traffic goes to first: the first of `serving`. */
    readonly primary: string | null;
    /** Every region that receives traffic first: the enabled ones of the lowest priority. */
    readonly serving: readonly string[];
    readonly regions: readonly RegionRoute[];
    /** The lever is deploying a change to its edge (Front Door). */
    readonly propagating: boolean;
    /** When it was read (the reader's clock), and how old that is by this process's clock. */
    readonly readAt: string;
    readonly ageSeconds: number;
  } | null;
  /** Each region's cluster as last read, with the same time. */
  readonly clusters: Readonly<Record<string, { readonly power: string; readonly detail?: string }>>;
  /** What could not be read the last time the levers were read. */
  readonly leverProblems: readonly string[];
  /**
   * When the latest lever read that failed began, if the view has not been read in full since:
   * the routing and clusters shown are then the last good ones, as old as `routing.readAt` says.
   */
  readonly leverFailedAt: string | null;
  /** The open incident, or else the latest one. */
  readonly incident: Incident | null;
  /** Automation for this group: "paused" (for the group or for all) or "active". */
  readonly automation: "active" | "paused";
  /** Who paused it, when and why (the group's own pause, or the one for all groups). */
  readonly pause: { readonly by: string; readonly reason: string; readonly at: string } | null;
  /**
   * A routing a person chose (a manual failover) that automatic failback leaves alone until a
   * person fails back, resumes automation for the group, or `until` passes.
   */
  readonly manualRouting: {
    readonly incident: string;
    readonly by: string | null;
    readonly to: string;
    readonly since: string;
    readonly until: string | null;
  } | null;
  readonly regions: readonly RegionStatus[];
  /** The lease holder's latest readiness checks (docs/readiness.md); null before the first run. */
  readonly readiness: ReadinessView | null;
  /** The last practice failover and failback (`policy.practice.failover`); null when none is kept. */
  readonly practice: PracticeView | null;
  readonly entryPoint?: { readonly url: string; readonly observations: readonly ObservationView[] };
}

export interface ObserverStatus {
  readonly region: string;
  /** "unknown" until this process has seen the observer's heartbeat change, or stay put for the bound. */
  readonly liveness: Liveness;
  /** How long its heartbeat has not changed, by this process's clock; null if never seen. */
  readonly unchangedForSeconds: number | null;
  readonly lastTickAt: string | null;
  readonly version: string | null;
  readonly tickMs: number | null;
  readonly impaired: boolean | null;
}

export interface LeaseView {
  readonly holder: string;
  readonly observer: string;
  readonly epoch: number;
  readonly heldByThisProcess: boolean;
}

export interface StatusView {
  readonly generatedAt: string;
  readonly answeredBy: string;
  readonly version: string;
  readonly lease: LeaseView | null;
  readonly observers: readonly ObserverStatus[];
  readonly groups: readonly GroupStatus[];
  /** Each alert channel: where it sends (scheme and host), its last delivery and failures. */
  readonly alerts: readonly ChannelStatus[];
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Power states in which a standby's cluster is at rest by design (AKS `powerState.code`). */
const AT_REST = new Set(["Stopped", "Stopping"]);

function trafficOf(routing: LeverView["routing"], region: string): RegionTraffic | null {
  const route = routing?.regions.find((r) => r.region === region);
  if (!routing || !route) return null;
  if (topRegions(routing).includes(region)) return "primary";
  return route.enabled ? "standby" : "disabled";
}

function pauseOf(pause: PauseState, group: string): GroupStatus["pause"] {
  const why =
    (pause.groups.includes(group) ? pause.reasons?.[group] : undefined) ??
    (pause.all ? pause.reasons?.["*"] : undefined);
  if (!why) return null;
  return { by: why.by, reason: why.reason, at: new Date(why.at).toISOString() };
}

function holdOf(
  rt: Runtime,
  group: GroupConfig,
  incidents: readonly Incident[],
  pause: PauseState,
  now: number,
): GroupStatus["manualRouting"] {
  const released = [pause.released?.[group.name], pause.released?.["*"]].filter(
    (t): t is number => t !== undefined,
  );
  const policy = runbookPolicy(rt, group);
  const hold = manualHold(
    { recent: incidents, now, ...(released.length ? { releasedAt: Math.max(...released) } : {}) },
    policy,
  );
  if (!hold || hold.closedAt === undefined) return null;
  return {
    incident: hold.id,
    by: hold.requestedBy ?? null,
    to: hold.to,
    since: new Date(hold.closedAt).toISOString(),
    until:
      policy.manualHoldMs === undefined
        ? null
        : new Date(hold.closedAt + policy.manualHoldMs).toISOString(),
  };
}

/** One observation as the status shows it; `current` when it is at most a tick behind. */
function observationView(o: Observation, current: boolean): ObservationView {
  return {
    observer: o.observer,
    status: o.ok ? "up" : "down",
    latencyMs: o.latencyMs,
    ...(o.statusCode === undefined ? {} : { statusCode: o.statusCode }),
    ...(o.error === undefined ? {} : { error: o.error }),
    consecutiveFailures: o.consecutiveFailures,
    consecutiveSuccesses: o.consecutiveSuccesses,
    ...(o.phases === undefined ? {} : { phases: o.phases }),
    ...(o.certificateDaysLeft === undefined ? {} : { certificateDaysLeft: o.certificateDaysLeft }),
    ...(o.warnings === undefined ? {} : { warnings: o.warnings }),
    at: new Date(o.at).toISOString(),
    current,
    timeline: timelineMinutes(o.timeline),
  };
}

/** One region of a group: its traffic and cluster, its verdict (the holder's, or the evidence's). */
function regionStatus(
  group: GroupConfig,
  region: GroupConfig["regions"][number],
  { region: _name, ...found }: RegionEvidence,
  state: { readonly verdict: Verdict; readonly reason: string } | undefined,
  lever: LeverView | undefined,
  observations: ObservationView[],
): RegionStatus {
  const traffic = trafficOf(lever?.routing, region.name);
  const cluster = lever?.clusters[region.name];
  return {
    name: region.name,
    role: region.role,
    traffic,
    cluster: cluster
      ? { power: cluster.power, ...(cluster.detail ? { detail: cluster.detail } : {}) }
      : null,
    coldStandby:
      group.model === "passive-cold" &&
      traffic !== "primary" &&
      (traffic !== null || region.role === "secondary") &&
      cluster !== undefined &&
      AT_REST.has(cluster.power),
    verdict: state?.verdict ?? found.verdict,
    reason: state?.reason ?? found.reason,
    verdictFrom: state ? "lease-holder" : "evidence",
    evidence: found,
    observations,
  };
}

export async function readStatus(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<StatusView> {
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const [view, lease, state, pause, alerts, readiness] = await Promise.all([
    observeAgreement(rt, call, { witness: "cached" }),
    rt.store.readLease(call),
    rt.store.readRunbookState(call),
    rt.store.readPause(call),
    readAlertStatus(rt, call),
    readReadinessViews(rt, call),
  ]);
  const kept = rt.config.groups.map((g) => state.kept[g.name]);
  const incidents = rt.config.groups.map((g) => state.incidents[g.name]);
  const levers = state.leverViews;
  const now = rt.clock.now();
  const heartbeatOf = (observer: string) =>
    view.observers.find((o) => o.name === observer)?.heartbeat;
  const show = (o: Observation) => observationView(o, isCurrent(o, heartbeatOf(o.observer)));

  const groups = view.groups.map(({ group, observations, evidence }, i): GroupStatus => {
    const states = kept[i]?.states ?? {};
    const stored = [...(incidents[i] ?? [])].sort(
      (a, b) => a.incident.openedAt - b.incident.openedAt,
    );
    const incident =
      (stored.filter((s) => isOpen(s.incident)).at(-1) ?? stored.at(-1))?.incident ?? null;
    const lever = levers[group.name];
    const routing = lever?.routing;
    const of = (target: string) =>
      observations
        .filter((o) => o.target === target)
        .sort((a, b) => a.observer.localeCompare(b.observer))
        .map(show);
    return {
      name: group.name,
      model: group.model,
      routing:
        routing && lever
          ? {
              primary: primaryOf(routing) ?? null,
              serving: topRegions(routing),
              regions: routing.regions,
              propagating: routing.propagating === true,
              readAt: new Date(lever.readAt).toISOString(),
              ageSeconds: seconds(Math.max(0, now - lever.readAt)),
            }
          : null,
      clusters: Object.fromEntries(
        Object.entries(lever?.clusters ?? {}).map(([region, c]) => [
          region,
          { power: c.power, ...(c.detail ? { detail: c.detail } : {}) },
        ]),
      ),
      leverProblems: lever?.problems ?? [],
      leverFailedAt: lever?.failedAt === undefined ? null : new Date(lever.failedAt).toISOString(),
      incident,
      automation: pause.all || pause.groups.includes(group.name) ? "paused" : "active",
      pause: pauseOf(pause, group.name),
      manualRouting: holdOf(
        rt,
        group,
        stored.map((x) => x.incident),
        pause,
        now,
      ),
      regions: group.regions.map((region, r) =>
        regionStatus(group, region, evidence[r]!, states[region.name], lever, of(region.name)),
      ),
      readiness: readiness[group.name] ?? null,
      practice: practiceView(stored.map((x) => x.incident)),
      ...(group.entryPoint
        ? { entryPoint: { url: group.entryPoint.url, observations: of(ENTRY_POINT) } }
        : {}),
    };
  });

  return {
    generatedAt: new Date(now).toISOString(),
    answeredBy: rt.observer,
    version: rt.version,
    lease: lease
      ? {
          holder: lease.record.holder,
          observer: lease.record.holder.split("#")[0] ?? lease.record.holder,
          epoch: lease.record.epoch,
          heldByThisProcess: lease.record.holder === holderId(rt),
        }
      : null,
    observers: view.observers.map((o) => ({
      region: o.name,
      liveness: o.liveness,
      unchangedForSeconds: o.unchangedForMs === undefined ? null : seconds(o.unchangedForMs),
      lastTickAt: o.heartbeat ? new Date(o.heartbeat.at).toISOString() : null,
      version: o.heartbeat?.version ?? null,
      tickMs: o.heartbeat?.tickMs ?? null,
      impaired: o.heartbeat?.impaired ?? null,
    })),
    groups,
    alerts,
  };
}
