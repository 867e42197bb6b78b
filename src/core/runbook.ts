// The failover runbook: from the kept verdicts, the routing and the clusters, decide whether to
// open an incident, and advance an open one by one step. Pure: the app reads the world, calls
// this, then carries out the returned effects through fenced steps and persists the incident.
//
// Every step first checks the resource's current state and moves on only when it is as wanted;
// an effect never advances the step in the same tick. So a crash or a lost lease between any two
// steps is harmless: the next holder sees where the world is and continues from there, and no
// effect is applied twice.
import type { Incident, Shift, Step } from "./incident.js";
import type {
  ClusterState,
  DataState,
  LeverCapabilities,
  NodePoolSize,
  RoutingState,
} from "./levers.js";
import { primaryOf, topRegions } from "./levers.js";
import { advance } from "./runbook-advance.js";
import type { PracticeSituation } from "./practice.js";
import { practiceAbort, practiceStep } from "./practice.js";
import { NOTHING, automationRefusal, healthy, leavesHealthy, unable } from "./runbook-rules.js";
import type { Verdict } from "./verdict.js";

type Model = "active-active" | "active-passive" | "passive-cold";

interface RunbookRegion {
  readonly name: string;
  readonly role: "active" | "primary" | "secondary";
  readonly cluster?: { readonly nodePools: readonly NodePoolSize[] };
}

/** A data store of the group whose primary follows its traffic (`groups[].data[]`). */
export interface RunbookStore {
  readonly name: string;
  /** Whether a forced failover (writes not yet replicated are lost) may ever be asked for. */
  readonly allowDataLoss: boolean;
  /**
   * What a person runs to make a region the store's primary by hand, per region (the kind's own
   * command), for the page that says the step was refused; absent: the page says it in words.
   */
  readonly byHand?: Readonly<Record<string, { readonly planned: string; readonly forced: string }>>;
}

/** How a group's data follows its traffic (`groups[].dataPolicy`; docs/data.md). */
export interface DataPolicy {
  /** Whether the data moves just before traffic moves, or once traffic has moved and is verified. */
  readonly order: "before-traffic" | "after-traffic";
  /** Data first and it could not move: traffic moves anyway, or the incident fails and holds it. */
  readonly onDataFailure: "shift-traffic" | "hold-traffic";
  /** Whether an automatic failback moves the data back too (a person's failback always does). */
  readonly failback: "manual" | "with-traffic";
}

export interface RunbookGroup {
  readonly name: string;
  readonly model: Model;
  readonly regions: readonly RunbookRegion[];
  /** Whether the group has a global entry point that observers probe. */
  readonly entryPoint?: boolean;
  /** Its data stores that follow traffic (active-passive and passive-cold only). */
  readonly data?: readonly RunbookStore[];
  /** How they follow it; DATA_POLICY_DEFAULTS where absent. */
  readonly dataPolicy?: DataPolicy;
}

export interface RunbookPolicy {
  readonly maxAutoFailovers: number;
  readonly autoFailoverWindowMs: number;
  readonly autoFailback: boolean;
  /** Longest a traffic or verification step may take. */
  readonly stepTimeoutMs: number;
  /** Longest moving a group's data stores may take; stepTimeoutMs when absent. */
  readonly dataTimeoutMs?: number;
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
  /**
   * Regions kept `recovering` in their dwell: every outside observer has passed the success
   * threshold (`recoveringSince` set). A region recovering short of that is not vouched for.
   */
  readonly dwelling?: readonly string[];
  /** What the observers see right now, per region. */
  readonly evidence: Readonly<Record<string, Verdict>>;
  /** Undefined when the lever could not be read: nothing is decided without it. */
  readonly routing?: RoutingState;
  /** What the traffic lever can do; absent means what every built-in lever can (FULL_LEVER). */
  readonly lever?: LeverCapabilities;
  readonly clusters: Readonly<Record<string, ClusterState | undefined>>;
  /**
   * The group's data stores as this tick read them (store name to state); a store missing or
   * undefined could not be read: the data step waits for it and never acts on an older read.
   */
  readonly data?: Readonly<Record<string, DataState | undefined>>;
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
  /** The practice schedule, when real practice is configured (`policy.practice.failover`). */
  readonly practice?: PracticeSituation;
}

/** A lever change that failed: what Azure Resource Manager said, when, and how long to wait. */
export interface LeverFailure {
  readonly change: string;
  readonly error: string;
  readonly at: number;
  /** The service's Retry-After, when it gave one. */
  readonly retryAfterMs?: number;
  /** The data store whose failover was asked for, when the change was one. */
  readonly store?: string;
  /**
   * The failure may have reached Azure (no answer, a 5xx, 408, 409, 412, 429, a 4xx on the poll):
   * a data failover that failed so is not an attempt and is never asked again; the incident only
   * says so, and the step waits for the store (its timeout pages).
   */
  readonly mayHaveStarted?: true;
  /** A data failover the store or the lever's rules refused (counted towards DATA_ASKS_MAX). */
  readonly storeRefused?: true;
}

export type Effect =
  | { readonly kind: "promote"; readonly region: string }
  | { readonly kind: "set-enabled"; readonly region: string; readonly enabled: boolean }
  | { readonly kind: "start-cluster"; readonly region: string }
  | { readonly kind: "stop-cluster"; readonly region: string }
  | { readonly kind: "scale"; readonly region: string; readonly pools: readonly NodePoolSize[] }
  | {
      readonly kind: "data-failover";
      readonly store: string;
      readonly region: string;
      readonly mode: "planned" | "forced";
    };

export type SafetyRule =
  | "automation-paused"
  | "failover-cap"
  | "last-healthy-region"
  | "unhealthy-target"
  | "no-target"
  | "no-lever"
  | "manual-routing"
  | "data-loss";

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

/** What every automatic opening reads: the group, its situation, the policy, a new incident's id. */
interface Opening {
  readonly group: RunbookGroup;
  readonly s: Situation;
  readonly policy: RunbookPolicy;
  readonly id: string;
}

/** An automatic incident, opened at `step` unless `refusal` stands (then nothing opens, and why). */
function openUnlessRefused(
  refusal: Refusal | undefined,
  fields: Omit<Parameters<typeof newIncident>[0], "trigger">,
  at: Opening,
  step: Step,
  note: string,
  effects: Effect[] = [],
): RunbookResult {
  if (refusal) return { ...NOTHING, refusal };
  // Keys in the order they have always had in stored rows: kind, trigger, then the rest.
  const { kind, ...rest } = fields;
  return opened(
    newIncident({ kind, trigger: "automatic", ...rest }, at.group, at.s, at.id, step, note),
    effects,
  );
}

/**
 * What the verdicts open on their own, in order: a lost region's failover, a pre-warm while the
 * primary is suspect (passive-cold), a failback to the configured primary, a cold standby's stop.
 */
function openAutomatic(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  id: string,
): RunbookResult {
  const at: Opening = { group, s, policy, id };
  if (group.model === "active-active") return disableLost(at) ?? enableRecovered(at) ?? NOTHING;
  const primary = primaryOf(s.routing!);
  if (primary === undefined) return NOTHING;
  const cold = group.model === "passive-cold";
  if (s.kept[primary] === "down") return failOverFrom(primary, at);
  return (
    (cold && s.kept[primary] === "suspect" ? prewarm(primary, at) : undefined) ??
    failBackHome(primary, at) ??
    (cold ? coldAgain(group, s, policy) : NOTHING)
  );
}

/** Active-active: the first enabled region that is down is disabled, unless it is the last one. */
function disableLost(at: Opening): RunbookResult | undefined {
  const { s, policy } = at;
  const routing = s.routing!;
  const route = routing.regions.find((r) => r.enabled && s.kept[r.region] === "down");
  if (!route) return undefined;
  if (!leavesHealthy(s, routing, route.region))
    return {
      ...NOTHING,
      refusal: {
        rule: "last-healthy-region",
        reason: `${route.region} is down, but no other enabled region is healthy: it stays enabled`,
      },
    };
  const shift: Shift = { kind: "disable", region: route.region };
  return openUnlessRefused(
    unable(s, shift) ?? automationRefusal(s, policy, true),
    {
      kind: "failover",
      from: route.region,
      to: route.region,
      shift,
      reason: `${route.region} is down`,
    },
    at,
    "detected",
    `${route.region} is down: disable it`,
  );
}

/** Active-active: the first disabled region healthy again (for the dwell time) is enabled. */
function enableRecovered(at: Opening): RunbookResult | undefined {
  const { s, policy } = at;
  const route = s.routing!.regions.find((r) => !r.enabled && s.kept[r.region] === "healthy");
  if (!route) return undefined;
  const shift: Shift = { kind: "enable", region: route.region };
  return openUnlessRefused(
    unable(s, shift) ?? automationRefusal(s, policy, false),
    { kind: "failback", to: route.region, shift, reason: `${route.region} is healthy again` },
    at,
    "confirmed",
    `${route.region} healthy for the dwell time: enable it`,
  );
}

/** The secondaries that could take over from `primary`. */
const secondariesOf = (group: RunbookGroup, primary: string) =>
  group.regions.filter((r) => r.role === "secondary" && r.name !== primary);

/** An automatic failover from `primary` to `target`: the rules it must pass and its first fields. */
function promotion(at: Opening, primary: string, target: string) {
  const shift: Shift = { kind: "promote", region: target };
  return {
    refusal: unable(at.s, shift) ?? automationRefusal(at.s, at.policy, true),
    fields: { kind: "failover", from: primary, to: target, shift } as const,
  };
}

/** The primary is down: fail over to a healthy region (passive-cold: a secondary, woken). */
function failOverFrom(primary: string, at: Opening): RunbookResult {
  const { group, s } = at;
  const cold = group.model === "passive-cold";
  const secondaries = secondariesOf(group, primary);
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
  const wake =
    target.cluster && (cold || target.cluster.nodePools.length > 0)
      ? { region: target.name, start: cold }
      : undefined;
  const { refusal, fields } = promotion(at, primary, target.name);
  return openUnlessRefused(
    refusal,
    { ...fields, ...(wake ? { wake } : {}), reason: `${primary} is down` },
    at,
    "detected",
    `${primary} is down: fail over to ${target.name}`,
  );
}

/** Passive-cold, the primary suspect: start a stopped secondary's cluster while it is confirmed. */
function prewarm(primary: string, at: Opening): RunbookResult | undefined {
  const { group, s } = at;
  const target = secondariesOf(group, primary).find(
    (r) => r.cluster && s.clusters[r.name]?.power === "Stopped",
  );
  if (!target) return undefined;
  // Pre-warming leads to a failover: it passes the same rules (pause, cap) before it starts.
  const { refusal, fields } = promotion(at, primary, target.name);
  return openUnlessRefused(
    refusal,
    {
      ...fields,
      wake: { region: target.name, start: true },
      startedCluster: true,
      reason: `${primary} is suspect: pre-warm ${target.name}`,
    },
    at,
    "prewarming",
    `${primary} is suspect: start ${target.name}'s cluster while the verdict is confirmed`,
    [{ kind: "start-cluster", region: target.name }],
  );
}

/** With automatic failback, traffic goes home once the configured primary is healthy again. */
function failBackHome(primary: string, at: Opening): RunbookResult | undefined {
  const { group, s, policy } = at;
  const configured = group.regions.find((r) => r.role === "primary")?.name;
  if (
    !policy.autoFailback ||
    !configured ||
    primary === configured ||
    s.kept[configured] !== "healthy"
  )
    return undefined;
  const hold = manualHold(s, policy);
  return openUnlessRefused(
    (hold ? holdRefusal(hold) : undefined) ??
      unable(s, { kind: "promote", region: configured }) ??
      automationRefusal(s, policy, false),
    {
      kind: "failback",
      from: primary,
      to: configured,
      shift: { kind: "promote", region: configured },
      reason: `${configured} is healthy again`,
    },
    at,
    "confirmed",
    `${configured} healthy for the dwell time: fail back`,
  );
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

/** One runbook step for a group: advance the open incident, or open one, or nothing. */
export function runbookStep(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  newId: string,
): RunbookResult {
  if (s.open) return practiceAbort(s, s.open) ?? advance(group, s.open, s, policy);
  if (!s.routing) return NOTHING;
  return practiceStep(group, s, policy, newId) ?? openAutomatic(group, s, policy, newId);
}

/** Which lever reads a runbook step needs: the routing, which regions' clusters, which data stores. */
export interface LeverNeeds {
  readonly routing: boolean;
  readonly clusters: readonly string[];
  readonly data?: readonly string[];
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
    case "moving-data":
      return { routing: false, clusters: [], data: (group.data ?? []).map((d) => d.name) };
    default:
      return { routing: false, clusters: [] };
  }
}
