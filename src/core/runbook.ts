// The failover runbook: from the kept verdicts, the routing and the clusters, decide whether to
// open an incident, and advance an open one by one step. Pure: the app reads the world, calls
// this, then carries out the returned effects through fenced steps and persists the incident.
//
// Every step first checks the resource's current state and moves on only when it is as wanted;
// an effect never advances the step in the same tick. So a crash or a lost lease between any two
// steps is harmless: the next holder sees where the world is and continues from there, and no
// effect is applied twice.
import type { Incident, Shift, Step } from "./incident.js";
import { moveTo, noted } from "./incident.js";
import type { ClusterState, LeverCapabilities, NodePoolSize, RoutingState } from "./levers.js";
import { FULL_LEVER, primaryOf, solePrimary, topRegions } from "./levers.js";
import type { Verdict } from "./verdict.js";

const PROPAGATING = "the lever is propagating the change to its edge";
const EDGE_WAIT =
  "the lever took the change; waiting for its edge to serve it: the global entry point's probes do not pass on the new routing yet (the lever's API gives no sign of propagation)";

export type Model = "active-active" | "active-passive" | "passive-cold";

export interface RunbookRegion {
  readonly name: string;
  readonly role: "active" | "primary" | "secondary";
  readonly cluster?: { readonly nodePools: readonly NodePoolSize[] };
}

export interface RunbookGroup {
  readonly name: string;
  readonly model: Model;
  readonly regions: readonly RunbookRegion[];
  /** Whether the group has a global entry point that observers probe. */
  readonly entryPoint?: boolean;
}

export interface RunbookPolicy {
  readonly maxAutoFailovers: number;
  readonly autoFailoverWindowMs: number;
  readonly autoFailback: boolean;
  /** Longest a traffic or verification step may take. */
  readonly stepTimeoutMs: number;
  /** Longest waking a cluster and waiting for it to serve may take (each). */
  readonly wakeTimeoutMs: number;
  /** Longest a traffic change may stay in propagation before verification gives up. */
  readonly propagationTimeoutMs: number;
  /** Stop a cluster that was pre-warmed when the suspicion clears without a failover. */
  readonly stopColdOnClear: boolean;
  /**
   * passive-cold: stop a standby cluster that an incident woke, once it serves no traffic, the
   * primary has been healthy and serving for this long after the last incident ended (0: never).
   */
  readonly returnToColdMs?: number;
  /**
   * How long a routing a person chose holds off automatic failback; undefined: until a person
   * fails back or resumes automation for the group.
   */
  readonly manualHoldMs?: number;
}

export interface Situation {
  readonly now: number;
  readonly epoch: number;
  /** The lease holder's kept verdict per region (down, recovering, healthy...). */
  readonly kept: Readonly<Record<string, Verdict>>;
  /** What the observers see right now, per region. */
  readonly evidence: Readonly<Record<string, Verdict>>;
  /** Undefined when the lever could not be read: nothing is decided without it. */
  readonly routing?: RoutingState;
  /** What the traffic lever can do; absent means what every built-in lever can (FULL_LEVER). */
  readonly lever?: LeverCapabilities;
  readonly clusters: Readonly<Record<string, ClusterState | undefined>>;
  /** Whether the global entry point answers; undefined when it has none or no current view. */
  readonly entryHealthy?: boolean;
  readonly open?: Incident;
  /** Incidents of this group, for the failover cap. */
  readonly recent: readonly Incident[];
  readonly paused: boolean;
  /** When a person last resumed automation for this group (or all): it ends a manual hold. */
  readonly releasedAt?: number;
  /**
   * How long the open incident's current step has waited on Azure Resource Manager so far (the
   * persisted count plus what this holder has waited since): not counted against its timeout.
   */
  readonly leverMs?: number;
  /** A lever change of the open incident's current step that failed since the incident was written. */
  readonly failure?: LeverFailure;
}

/** A lever change that failed: what Azure Resource Manager said, when, and how long to wait. */
export interface LeverFailure {
  readonly change: string;
  readonly error: string;
  readonly at: number;
  /** The service's Retry-After, when it gave one. */
  readonly retryAfterMs?: number;
}

/**
 * A step's time on Azure Resource Manager is not counted against its timeout, but its wall time
 * is bounded: by three times the timeout, or the timeout plus LEVER_ALLOWANCE_MS, whichever is
 * longer. A control plane that never answers ends the step (and a person hears of it), while one
 * throttling for many minutes, as in a regional outage, is waited out.
 */
export const LEVER_CEILING = 3;
export const LEVER_ALLOWANCE_MS = 15 * 60_000;

/** The first retry waits this long; each further one twice as long, up to RETRY_MAX_MS. */
export const RETRY_BASE_MS = 2000;
export const RETRY_MAX_MS = 60_000;

/**
 * How long to wait before trying a failed lever change again: exponential from RETRY_BASE_MS,
 * capped at RETRY_MAX_MS, and never sooner than the service's Retry-After (itself capped at the
 * cap's fivefold, so a bad header cannot park a failover).
 */
export function retryDelayMs(attempts: number, retryAfterMs?: number): number {
  const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.max(backoff, Math.min(retryAfterMs ?? 0, RETRY_MAX_MS * 5));
}

export type Effect =
  | { readonly kind: "promote"; readonly region: string }
  | { readonly kind: "set-enabled"; readonly region: string; readonly enabled: boolean }
  | { readonly kind: "start-cluster"; readonly region: string }
  | { readonly kind: "stop-cluster"; readonly region: string }
  | { readonly kind: "scale"; readonly region: string; readonly pools: readonly NodePoolSize[] };

export type SafetyRule =
  | "automation-paused"
  | "failover-cap"
  | "last-healthy-region"
  | "unhealthy-target"
  | "no-target"
  | "no-lever"
  | "manual-routing";

export interface Refusal {
  readonly rule: SafetyRule;
  readonly reason: string;
}

export interface RunbookResult {
  /** The incident to persist: a new one, or the open one if it changed. */
  readonly incident?: Incident;
  /** A closed incident to rewrite (noting its woken cluster stopped again), before the effects. */
  readonly update?: Incident;
  readonly opened: boolean;
  readonly effects: readonly Effect[];
  readonly refusal?: Refusal;
}

const NOTHING: RunbookResult = { opened: false, effects: [] };

export type ManualCommand =
  | {
      readonly kind: "failover";
      readonly to: string;
      readonly override: boolean;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly kind: "failback";
      readonly to?: string;
      readonly by: string;
      readonly reason: string;
    };

// --- rules --------------------------------------------------------------------------------

const healthy = (s: Situation, region: string) => s.evidence[region] === "healthy";

/** When an incident became a failover: its confirmation (a pre-warm that never confirmed is not one). */
function failoverTime(i: Incident): number | undefined {
  const confirmed = i.history.find((h) => h.step === "confirmed")?.at;
  if (confirmed !== undefined) return confirmed;
  return i.step === "prewarming" || i.step === "aborted" ? undefined : i.openedAt;
}

function automaticFailoversInWindow(s: Situation, policy: RunbookPolicy): number {
  return s.recent.filter((i) => {
    if (i.kind !== "failover" || i.trigger !== "automatic" || i.step === "aborted") return false;
    const at = failoverTime(i);
    return at !== undefined && at >= s.now - policy.autoFailoverWindowMs;
  }).length;
}

/** The rules every automatic action passes; a refusal names the rule. */
function automationRefusal(
  s: Situation,
  policy: RunbookPolicy,
  failover: boolean,
): Refusal | undefined {
  if (s.paused) return { rule: "automation-paused", reason: "automation is paused for this group" };
  if (failover && automaticFailoversInWindow(s, policy) >= policy.maxAutoFailovers)
    return {
      rule: "failover-cap",
      reason: `${policy.maxAutoFailovers} automatic failover(s) already within ${Math.round(policy.autoFailoverWindowMs / 60_000)} min: a person must decide`,
    };
  return undefined;
}

/** A refusal when the group's lever cannot make this shift (it declared what it can do). */
function unable(s: Situation, shift: Shift): Refusal | undefined {
  const can = s.lever ?? FULL_LEVER;
  if (shift.kind === "promote" && !can.promote)
    return {
      rule: "no-lever",
      reason: `the traffic lever cannot make ${shift.region} the first choice (it does not promote regions)`,
    };
  if (shift.kind !== "promote" && !can.enable)
    return {
      rule: "no-lever",
      reason: `the traffic lever cannot ${shift.kind} ${shift.region} (it does not take regions in and out of rotation)`,
    };
  return undefined;
}

/** Whether disabling `region` leaves another enabled region that is healthy. */
function leavesHealthy(s: Situation, routing: RoutingState, region: string): boolean {
  return routing.regions.some((r) => r.region !== region && r.enabled && healthy(s, r.region));
}

function shifted(routing: RoutingState, shift: Shift): boolean {
  const route = routing.regions.find((r) => r.region === shift.region);
  // A tie at the top (Front Door priorities need not be unique) is not a promotion yet.
  if (shift.kind === "promote") return solePrimary(routing) === shift.region;
  if (shift.kind === "disable") return route !== undefined && !route.enabled;
  return route?.enabled === true;
}

function wantedPools(group: RunbookGroup, region: string): readonly NodePoolSize[] {
  return group.regions.find((r) => r.name === region)?.cluster?.nodePools ?? [];
}

function poolsShort(cluster: ClusterState, wanted: readonly NodePoolSize[]): boolean {
  return wanted.some(
    (w) => (cluster.nodePools.find((p) => p.name === w.name)?.count ?? 0) < w.count,
  );
}

/**
 * The manual failover whose routing still holds: the latest incident to end completed a failover a
 * person asked for, and nobody has resumed automation for the group since, and the hold's time
 * (if one is set) has not run out. Automatic failback does not undo it; a failover away from a
 * region that then fails still happens.
 */
export function manualHold(
  s: Pick<Situation, "recent" | "releasedAt" | "now">,
  policy: Pick<RunbookPolicy, "manualHoldMs">,
): Incident | undefined {
  const last = [...s.recent]
    .filter((i) => i.closedAt !== undefined && i.step === "completed")
    .sort((a, b) => a.closedAt! - b.closedAt!)
    .at(-1);
  if (!last || last.trigger !== "manual" || last.kind !== "failover") return undefined;
  if (s.releasedAt !== undefined && s.releasedAt >= last.closedAt!) return undefined;
  if (policy.manualHoldMs !== undefined && s.now - last.closedAt! >= policy.manualHoldMs)
    return undefined;
  return last;
}

function holdRefusal(hold: Incident): Refusal {
  return {
    rule: "manual-routing",
    reason: `${hold.requestedBy ?? "a person"} moved traffic to ${hold.to} (incident ${hold.id}): automatic failback waits until a person fails back or resumes automation for the group`,
  };
}

/**
 * passive-cold: a standby cluster an incident woke, now serving no traffic, with the primary
 * healthy and first in the routing since the last incident ended at least `returnToColdMs` ago:
 * stop it again, as it was before (the money passive-cold exists to save).
 */
function coldAgain(group: RunbookGroup, s: Situation, policy: RunbookPolicy): RunbookResult {
  const routing = s.routing!;
  const configured = group.regions.find((r) => r.role === "primary")?.name;
  if (!policy.returnToColdMs || !configured || primaryOf(routing) !== configured) return NOTHING;
  if (s.kept[configured] !== "healthy") return NOTHING;
  const lastEnd = Math.max(...s.recent.map((i) => i.closedAt ?? -Infinity));
  if (!Number.isFinite(lastEnd) || s.now - lastEnd < policy.returnToColdMs) return NOTHING;
  for (const r of group.regions) {
    if (r.name === configured || !r.cluster) continue;
    if (s.clusters[r.name]?.power !== "Running" || topRegions(routing).includes(r.name)) continue;
    // Only a cluster an incident woke, once: one a person started (or started again after
    // Tandem stopped it) is theirs to stop.
    const woke = [...s.recent]
      .filter((i) => i.startedCluster && i.wake?.region === r.name)
      .sort((a, b) => a.openedAt - b.openedAt)
      .at(-1);
    if (!woke || woke.returnedToColdAt !== undefined) continue;
    return {
      opened: false,
      update: { ...woke, returnedToColdAt: s.now },
      effects: [{ kind: "stop-cluster", region: r.name }],
    };
  }
  return NOTHING;
}

// --- opening ------------------------------------------------------------------------------

function newIncident(
  fields: Omit<Incident, "step" | "stepStartedAt" | "openedAt" | "history" | "id" | "group">,
  group: RunbookGroup,
  s: Situation,
  id: string,
  step: Step,
  note: string,
): Incident {
  return {
    id,
    group: group.name,
    ...fields,
    step,
    stepStartedAt: s.now,
    openedAt: s.now,
    history: [{ step, at: s.now, epoch: s.epoch, note }],
  };
}

function opened(incident: Incident, effects: Effect[] = []): RunbookResult {
  return { incident, opened: true, effects };
}

function openAutomatic(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  id: string,
): RunbookResult {
  const routing = s.routing!;
  if (group.model === "active-active") {
    for (const route of routing.regions) {
      if (route.enabled && s.kept[route.region] === "down") {
        if (!leavesHealthy(s, routing, route.region))
          return {
            ...NOTHING,
            refusal: {
              rule: "last-healthy-region",
              reason: `${route.region} is down, but no other enabled region is healthy: it stays enabled`,
            },
          };
        const shift: Shift = { kind: "disable", region: route.region };
        const refusal = unable(s, shift) ?? automationRefusal(s, policy, true);
        if (refusal) return { ...NOTHING, refusal };
        return opened(
          newIncident(
            {
              kind: "failover",
              trigger: "automatic",
              from: route.region,
              to: route.region,
              shift,
              reason: `${route.region} is down`,
            },
            group,
            s,
            id,
            "detected",
            `${route.region} is down: disable it`,
          ),
        );
      }
    }
    for (const route of routing.regions) {
      if (!route.enabled && s.kept[route.region] === "healthy") {
        const shift: Shift = { kind: "enable", region: route.region };
        const refusal = unable(s, shift) ?? automationRefusal(s, policy, false);
        if (refusal) return { ...NOTHING, refusal };
        return opened(
          newIncident(
            {
              kind: "failback",
              trigger: "automatic",
              to: route.region,
              shift,
              reason: `${route.region} is healthy again`,
            },
            group,
            s,
            id,
            "confirmed",
            `${route.region} healthy for the dwell time: enable it`,
          ),
        );
      }
    }
    return NOTHING;
  }

  const primary = primaryOf(routing);
  if (primary === undefined) return NOTHING;
  const configured = group.regions.find((r) => r.role === "primary")?.name;
  const secondaries = group.regions.filter((r) => r.role === "secondary" && r.name !== primary);
  const cold = group.model === "passive-cold";

  if (s.kept[primary] === "down") {
    const target = cold
      ? (secondaries.find((r) => healthy(s, r.name)) ?? secondaries.find((r) => r.cluster))
      : group.regions.find((r) => r.name !== primary && healthy(s, r.name));
    if (!target)
      return {
        ...NOTHING,
        refusal: {
          rule: "no-target",
          reason: `${primary} is down, but no other region is healthy to take its traffic`,
        },
      };
    const refusal =
      unable(s, { kind: "promote", region: target.name }) ?? automationRefusal(s, policy, true);
    if (refusal) return { ...NOTHING, refusal };
    const wake =
      target.cluster && (cold || target.cluster.nodePools.length > 0)
        ? { region: target.name, start: cold }
        : undefined;
    return opened(
      newIncident(
        {
          kind: "failover",
          trigger: "automatic",
          from: primary,
          to: target.name,
          shift: { kind: "promote", region: target.name },
          ...(wake ? { wake } : {}),
          reason: `${primary} is down`,
        },
        group,
        s,
        id,
        "detected",
        `${primary} is down: fail over to ${target.name}`,
      ),
    );
  }

  if (cold && s.kept[primary] === "suspect") {
    const target = secondaries.find((r) => r.cluster && s.clusters[r.name]?.power === "Stopped");
    // Pre-warming leads to a failover: it passes the same rules (pause, cap) before it starts.
    const refusal = target
      ? (unable(s, { kind: "promote", region: target.name }) ?? automationRefusal(s, policy, true))
      : undefined;
    if (refusal) return { ...NOTHING, refusal };
    if (target)
      return opened(
        newIncident(
          {
            kind: "failover",
            trigger: "automatic",
            from: primary,
            to: target.name,
            shift: { kind: "promote", region: target.name },
            wake: { region: target.name, start: true },
            startedCluster: true,
            reason: `${primary} is suspect: pre-warm ${target.name}`,
          },
          group,
          s,
          id,
          "prewarming",
          `${primary} is suspect: start ${target.name}'s cluster while the verdict is confirmed`,
        ),
        [{ kind: "start-cluster", region: target.name }],
      );
  }

  if (
    policy.autoFailback &&
    configured &&
    primary !== configured &&
    s.kept[configured] === "healthy"
  ) {
    const hold = manualHold(s, policy);
    const refusal =
      (hold ? holdRefusal(hold) : undefined) ??
      unable(s, { kind: "promote", region: configured }) ??
      automationRefusal(s, policy, false);
    if (refusal) return { ...NOTHING, refusal };
    return opened(
      newIncident(
        {
          kind: "failback",
          trigger: "automatic",
          from: primary,
          to: configured,
          shift: { kind: "promote", region: configured },
          reason: `${configured} is healthy again`,
        },
        group,
        s,
        id,
        "confirmed",
        `${configured} healthy for the dwell time: fail back`,
      ),
    );
  }
  return cold ? coldAgain(group, s, policy) : NOTHING;
}

/** A manual command becomes an incident, or a refusal; the override is for manual commands only. */
export function openManual(
  group: RunbookGroup,
  command: ManualCommand,
  s: Situation,
  id: string,
): RunbookResult {
  if (!s.routing)
    return {
      ...NOTHING,
      refusal: { rule: "no-lever", reason: "the traffic lever cannot be read" },
    };
  const to =
    command.kind === "failover"
      ? command.to
      : (command.to ??
        group.regions.find((r) => r.role === "primary" || r.role === "active")?.name);
  const region = group.regions.find((r) => r.name === to);
  if (!region || !to)
    return {
      ...NOTHING,
      refusal: {
        rule: "no-target",
        reason: `no region ${to ?? "to fail back to"} in ${group.name}`,
      },
    };
  const override = command.kind === "failover" && command.override;
  if (!override && !healthy(s, to) && !(group.model === "passive-cold" && region.cluster))
    return {
      ...NOTHING,
      refusal: {
        rule: "unhealthy-target",
        reason: `${to} is not healthy (${s.evidence[to] ?? "unknown"}); use the override to insist`,
      },
    };
  const disabled = s.routing.regions.find((r) => r.region === to)?.enabled === false;
  const shift: Shift =
    group.model === "active-active" || disabled
      ? { kind: "enable", region: to }
      : { kind: "promote", region: to };
  const cannot = unable(s, shift);
  if (cannot) return { ...NOTHING, refusal: cannot };
  const wake =
    region.cluster && (group.model === "passive-cold" || region.cluster.nodePools.length > 0)
      ? { region: to, start: group.model === "passive-cold" }
      : undefined;
  return opened(
    newIncident(
      {
        kind: command.kind,
        trigger: "manual",
        from: primaryOf(s.routing),
        to,
        shift,
        ...(wake && command.kind === "failover" ? { wake } : {}),
        requestedBy: command.by,
        reason: command.reason,
        ...(override ? { override: true } : {}),
      },
      group,
      s,
      id,
      "confirmed",
      `${command.by} asked: ${command.reason}${override ? " (override)" : ""}`,
    ),
  );
}

// --- advancing ----------------------------------------------------------------------------

/**
 * Advances an open incident, with what its lever changes have done so far: a failed change is
 * counted and tried again after a backoff (honouring Retry-After) within the same incident, until
 * the step's timeout, which counts only the time the step did not spend waiting on Azure
 * Resource Manager. The time waited is kept on the incident, so a takeover continues the count.
 */
function advance(
  group: RunbookGroup,
  incident: Incident,
  s: Situation,
  policy: RunbookPolicy,
): RunbookResult {
  const leverMs = Math.max(s.leverMs ?? 0, incident.leverMs ?? 0);
  const counted = leverMs > 0 ? { ...incident, leverMs } : incident;
  const failure = s.failure;
  if (failure) {
    const attempts = (incident.attempts ?? 0) + 1;
    const retryAt = failure.at + retryDelayMs(attempts, failure.retryAfterMs);
    const line = {
      step: incident.step,
      at: s.now,
      epoch: s.epoch,
      note: `${failure.change} failed (attempt ${attempts}): ${failure.error}; ${retryAt > s.now ? `trying again in ${Math.ceil((retryAt - s.now) / 1000)} s` : "trying again now"}`,
      attempt: attempts,
    };
    const retrying: Incident = {
      ...counted,
      attempts,
      retryAt,
      // The backoff before this failure ended (or was cut short by it); this one starts now.
      retryWaitMs: (incident.retryWaitMs ?? 0) + waited(incident, failure.at),
      retryFrom: failure.at,
      history: [...incident.history, line],
    };
    // Decided on the incident as it now stands: a timeout here ends it with the attempt on record.
    // A step that ends or moves on now does so with the attempt on record; one that stays keeps
    // just the attempt's line (its own note would say it is acting, and it waits instead).
    const next = decide(group, retrying, s, policy);
    if (next.incident !== undefined && next.incident.step !== incident.step) return next;
    return {
      opened: false,
      effects: [],
      incident: retrying,
      ...(next.refusal ? { refusal: next.refusal } : {}),
    };
  }
  const next = decide(group, counted, s, policy);
  const same = next.incident === undefined || next.incident.step === incident.step;
  // A lever change waits out the backoff of the last failed one.
  // (The failed attempt's line already says when; nothing is written while waiting.)
  if (same && next.effects.length > 0 && incident.retryAt !== undefined && s.now < incident.retryAt)
    return { opened: false, effects: [] };
  // (The time waited on ARM rides along on any write of the incident in the same step: `counted`
  // carries it, and a step that moves on starts its own count.)
  return next;
}

/** How much of the incident's current backoff has passed by `at`. */
const waited = (incident: Incident, at: number): number =>
  incident.retryFrom === undefined || incident.retryAt === undefined
    ? 0
    : Math.max(0, Math.min(at, incident.retryAt) - incident.retryFrom);

function decide(
  group: RunbookGroup,
  incident: Incident,
  s: Situation,
  policy: RunbookPolicy,
): RunbookResult {
  const at = s.now;
  // A step's timeout measures its own progress: time spent waiting on ARM is not counted.
  const elapsed =
    at -
    incident.stepStartedAt -
    (incident.leverMs ?? 0) -
    (incident.retryWaitMs ?? 0) -
    waited(incident, at);
  const sinceStep = at - incident.stepStartedAt;
  const step = (next: Step, note: string, effects: Effect[] = []): RunbookResult => ({
    incident: moveTo(incident, next, at, s.epoch, note),
    opened: false,
    effects,
  });
  const stay = (note: string, effects: Effect[] = [], refusal?: Refusal): RunbookResult => {
    const updated = noted(incident, at, s.epoch, note);
    return {
      ...(updated === incident ? {} : { incident: updated }),
      opened: false,
      effects,
      ...(refusal ? { refusal } : {}),
    };
  };
  // Time on ARM is not counted, up to a ceiling: a step whose calls never end (ARM hanging, reads
  // failing slowly for ever) still ends (see LEVER_CEILING).
  const timedOut = (limit: number) =>
    elapsed > limit || sinceStep > Math.max(limit * LEVER_CEILING, limit + LEVER_ALLOWANCE_MS);
  const tries = incident.attempts ?? 0;
  const failed = (why: string) =>
    step(
      "failed",
      `${why}${tries > 0 ? ` (${tries} lever change${tries === 1 ? "" : "s"} failed)` : ""}; routing left as it was`,
    );
  const waits = ["prewarming", "waking", "waiting-ready"].includes(incident.step);
  const limit = waits ? policy.wakeTimeoutMs : policy.stepTimeoutMs;

  // Paused: an automatic incident takes no further step and sends no effect; it can still time
  // out, so it ends (a pre-warm is aborted without stopping anything, a person decides).
  if (s.paused && incident.trigger === "automatic") {
    if (timedOut(limit))
      return incident.step === "prewarming"
        ? step("aborted", "automation is paused: pre-warming given up")
        : failed(
            `automation is paused and the step did not finish within ${Math.round(limit / 1000)} s`,
          );
    const refusal: Refusal = {
      rule: "automation-paused",
      reason: "automation is paused for this group: the incident waits",
    };
    return stay(refusal.reason, [], refusal);
  }

  switch (incident.step) {
    case "detected": {
      if (incident.from !== undefined && s.kept[incident.from] !== "down")
        return step(
          "aborted",
          `${incident.from} is ${s.kept[incident.from] ?? "unknown"} again: no failover`,
        );
      return step("confirmed", `${incident.from} confirmed down`);
    }

    case "prewarming": {
      const from = incident.from!;
      const wake = incident.wake!;
      // Never stop a cluster that serves as primary (a person may have promoted it meanwhile).
      const mayStop =
        policy.stopColdOnClear &&
        incident.startedCluster &&
        s.routing !== undefined &&
        !topRegions(s.routing).includes(wake.region);
      if (timedOut(policy.wakeTimeoutMs))
        return step(
          "aborted",
          `pre-warming ${wake.region} ran past ${Math.round(policy.wakeTimeoutMs / 1000)} s without a failover${mayStop ? `; its cluster is stopped again` : ""}`,
          mayStop ? [{ kind: "stop-cluster", region: wake.region }] : [],
        );
      if (s.kept[from] === "down") {
        const refusal = automationRefusal(s, policy, true);
        if (refusal) return stay(refusal.reason, [], refusal);
        return step("confirmed", `${from} confirmed down while ${wake.region} was warming`);
      }
      if (s.kept[from] !== "suspect") {
        // AKS refuses to stop a cluster that is still starting: wait until it runs, then stop it.
        if (mayStop && s.clusters[wake.region]?.power === "Starting")
          return stay(
            `${from} is ${s.kept[from] ?? "unknown"}: ${wake.region}'s cluster is still starting; it is stopped again once it runs`,
          );
        const stop = mayStop ? [{ kind: "stop-cluster" as const, region: wake.region }] : [];
        return step(
          "aborted",
          `${from} is ${s.kept[from] ?? "unknown"}: pre-warming stopped${stop.length ? `, ${wake.region}'s cluster stopped again` : ""}`,
          stop,
        );
      }
      const cluster = s.clusters[wake.region];
      if (cluster?.power === "Stopped")
        return {
          incident: {
            ...noted(incident, at, s.epoch, `starting ${wake.region}'s cluster`),
            startedCluster: true,
          },
          opened: false,
          effects: [{ kind: "start-cluster", region: wake.region }],
        };
      return stay(
        `${wake.region}'s cluster is ${cluster?.power ?? "unknown"}; waiting for the verdict on ${from}`,
      );
    }

    case "confirmed":
      return incident.wake
        ? step("waking", `waking ${incident.wake.region}`)
        : step(
            "shifting-traffic",
            `shifting traffic: ${incident.shift.kind} ${incident.shift.region}`,
          );

    case "waking": {
      const wake = incident.wake!;
      if (timedOut(policy.wakeTimeoutMs))
        return failed(
          `${wake.region}'s cluster did not wake within ${Math.round(policy.wakeTimeoutMs / 1000)} s`,
        );
      const cluster = s.clusters[wake.region];
      if (!cluster) return stay(`${wake.region}'s cluster cannot be read`);
      const start = (note: string): RunbookResult => ({
        incident: { ...noted(incident, at, s.epoch, note), startedCluster: true },
        opened: false,
        effects: [{ kind: "start-cluster", region: wake.region }],
      });
      if (cluster.power === "Stopped") return start(`starting ${wake.region}'s cluster`);
      if (cluster.power === "Stopping")
        return stay(`${wake.region}'s cluster is stopping; waiting`);
      // A cluster left Failed by an earlier operation gets one start (AKS's way out of a failed
      // stop); one that fails after this incident started it needs a person.
      if (cluster.power === "Failed")
        return incident.startedCluster
          ? failed(
              `${wake.region}'s cluster failed to start (${cluster.detail ?? "provisioning failed"})`,
            )
          : start(`${wake.region}'s cluster is Failed (${cluster.detail ?? "?"}); trying a start`);
      if (cluster.power === "Starting") return stay(`waking ${wake.region}: Starting`);
      const wanted = wantedPools(group, wake.region);
      if (poolsShort(cluster, wanted))
        return stay(`scaling ${wake.region}'s node pools`, [
          { kind: "scale", region: wake.region, pools: wanted },
        ]);
      return step(
        "waiting-ready",
        `${wake.region}'s cluster is running; waiting for its probes to pass`,
      );
    }

    case "waiting-ready": {
      if (timedOut(policy.wakeTimeoutMs))
        return failed(
          `${incident.to} did not pass its probes within ${Math.round(policy.wakeTimeoutMs / 1000)} s`,
        );
      if (healthy(s, incident.to))
        return step("shifting-traffic", `${incident.to} passes its probes`);
      return stay(
        `waiting for ${incident.to} to pass its probes (${s.evidence[incident.to] ?? "unknown"})`,
      );
    }

    case "shifting-traffic": {
      if (!s.routing)
        return timedOut(policy.stepTimeoutMs)
          ? failed(`the traffic lever could not be read for ${Math.round(sinceStep / 1000)} s`)
          : stay("the traffic lever cannot be read");
      if (shifted(s.routing, incident.shift))
        return step("verifying", "the lever shows the new routing");
      // Before traffic moves, the reason must still hold: an automatic failover whose source
      // is no longer down (it recovered, even if only for now) ends here, and moves nothing.
      const source = incident.from;
      if (
        incident.kind === "failover" &&
        incident.trigger === "automatic" &&
        source !== undefined &&
        s.kept[source] !== "down"
      )
        return step(
          "aborted",
          `${source} is ${s.kept[source] ?? "unknown"} again before traffic moved: no failover${incident.startedCluster && incident.wake ? `; ${incident.wake.region}'s cluster goes cold again once ${source} has been healthy for the dwell time` : ""}`,
        );
      if (timedOut(policy.stepTimeoutMs))
        return failed(
          `the lever did not change within ${Math.round(policy.stepTimeoutMs / 1000)} s`,
        );
      const { shift } = incident;
      if (shift.kind === "disable") {
        if (!leavesHealthy(s, s.routing, shift.region)) {
          const refusal: Refusal = {
            rule: "last-healthy-region",
            reason: `disabling ${shift.region} would leave no healthy region`,
          };
          return stay(refusal.reason, [], refusal);
        }
        return stay(`disabling ${shift.region}`, [
          { kind: "set-enabled", region: shift.region, enabled: false },
        ]);
      }
      if (!healthy(s, shift.region) && !incident.override) {
        const refusal: Refusal = {
          rule: "unhealthy-target",
          reason: `${shift.region} is ${s.evidence[shift.region] ?? "unknown"}, not healthy: it is not given traffic`,
        };
        return stay(refusal.reason, [], refusal);
      }
      return shift.kind === "enable"
        ? stay(`enabling ${shift.region}`, [
            { kind: "set-enabled", region: shift.region, enabled: true },
          ])
        : stay(`promoting ${shift.region}`, [{ kind: "promote", region: shift.region }]);
    }

    case "verifying": {
      if (s.routing?.propagating) {
        if (timedOut(policy.propagationTimeoutMs))
          return failed(
            `the lever did not deploy the change within ${Math.round(policy.propagationTimeoutMs / 1000)} s`,
          );
        return stay(PROPAGATING);
      }
      // A lever whose data plane lags with no signal in its API (Front Door: deploymentStatus
      // says NotStarted throughout) is verified on the data plane alone: the global entry point
      // gets the propagation timeout to follow, whatever the lever's status fields say.
      const lag = s.lever?.dataPlaneLag === true;
      const propagated = incident.history.some(
        (h) => h.step === "verifying" && h.note === PROPAGATING,
      );
      // Clients follow a DNS lever only once resolvers' cached answers expire: a TTL longer than
      // the step timeout must not fail a failover whose traffic is still on its way. Capped at the
      // propagation timeout (a TTL of a day must not hold an incident open for a day); and a tick
      // whose lever read failed, knowing neither the routing nor its TTL, allows the cap.
      const clientLag = Math.min(
        s.routing ? (s.routing.clientLagMs ?? 0) : policy.propagationTimeoutMs,
        policy.propagationTimeoutMs,
      );
      const verifyLimit =
        (propagated || lag
          ? policy.propagationTimeoutMs + policy.stepTimeoutMs
          : policy.stepTimeoutMs) + clientLag;
      // With a lag, only the entry point's probes are evidence: no current view of them is none.
      const entryOk = lag && group.entryPoint ? s.entryHealthy === true : s.entryHealthy !== false;
      if (s.routing && shifted(s.routing, incident.shift) && entryOk)
        return step(
          "completed",
          s.entryHealthy
            ? lag
              ? `the global entry point answers on the new routing, ${Math.round(sinceStep / 1000)} s after the lever took the change (its API gives no sign of the edge's propagation; the entry point's probes are the evidence)`
              : "the global entry point answers on the new routing"
            : lag
              ? "the lever shows the new routing; no global entry point is configured to see its edge follow"
              : "the lever shows the new routing",
        );
      if (timedOut(verifyLimit))
        return failed(
          lag
            ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s (propagationTimeoutSeconds and stepTimeoutSeconds)`
            : !s.routing
              ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s, and the lever could not be read`
              : clientLag > 0
                ? `traffic did not follow through the global entry point within ${Math.round(verifyLimit / 1000)} s (stepTimeoutSeconds and the lever's DNS TTL of ${Math.round(clientLag / 1000)} s)`
                : "traffic did not follow through the global entry point",
        );
      return stay(
        lag && s.routing && shifted(s.routing, incident.shift)
          ? EDGE_WAIT
          : "waiting for the global entry point to follow",
      );
    }

    default:
      return NOTHING;
  }
}

/** One runbook step for a group: advance the open incident, or open one, or nothing. */
export function runbookStep(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  newId: string,
): RunbookResult {
  if (s.open) return advance(group, s.open, s, policy);
  if (!s.routing) return NOTHING;
  return openAutomatic(group, s, policy, newId);
}

/** Which lever reads a runbook step needs: the routing, and which regions' clusters. */
export interface LeverNeeds {
  readonly routing: boolean;
  readonly clusters: readonly string[];
}

/**
 * What the next runbook step of a group reads from its levers: an open incident's step reads only
 * what it checks (a waking step its cluster, a shifting or verifying step the routing), so a
 * failover of many groups at once costs about one read per group per tick; without an incident,
 * the routing and, for a passive-cold group, the clusters it may pre-warm or wake.
 */
export function leverNeeds(group: RunbookGroup, open: Incident | undefined): LeverNeeds {
  const withCluster = group.regions.filter((r) => r.cluster).map((r) => r.name);
  if (!open) return { routing: true, clusters: group.model === "passive-cold" ? withCluster : [] };
  const wake = open.wake ? [open.wake.region] : [];
  switch (open.step) {
    case "prewarming":
      return { routing: true, clusters: wake };
    case "waking":
      return { routing: false, clusters: wake };
    case "detected":
    case "confirmed":
    case "waiting-ready":
      return { routing: false, clusters: [] };
    case "shifting-traffic":
    case "verifying":
      return { routing: true, clusters: [] };
    default:
      return { routing: false, clusters: [] };
  }
}
