// The planner: plays an incident through the runbook against dry-run levers on a clock of its
// own, for dry runs and drills. Nothing real changes; the plan says what would happen, when, and
// what it takes for granted.
import type { Incident, Step } from "../core/incident.js";
import { TERMINAL } from "../core/incident.js";
import type { RoutingState } from "../core/levers.js";
import { primaryOf } from "../core/levers.js";
import type { Situation } from "../core/runbook.js";
import { openManual, runbookStep } from "../core/runbook.js";
import type { Verdict } from "../core/verdict.js";
import { errorText as message } from "../core/errors.js";
import type { GroupConfig } from "../config/schema.js";
import { effectivePolicy } from "../config/policy.js";
import type { Clock } from "../ports/clock.js";
import { sleepOneTurn } from "./bounded.js";
import type { DryRunLevers, PlannedChange } from "../ports/dry-run.js";
import type { Caller } from "./audit.js";
import type { Outcome } from "./outcome.js";
import { sayCommand } from "./outcome.js";
import { findGroup, noSuchGroup } from "./read-models.js";
import type { Runtime } from "./runtime.js";
import type { LeverEstimates } from "../ports/dry-run.js";
import {
  applyEffect,
  describeEffect,
  readClusters,
  readData,
  readGroupSituation,
  runbookGroup,
  runbookPolicy,
} from "./situation.js";

export interface PlanStep {
  readonly step: Step;
  /** When the step would begin, from the start of the plan. */
  readonly atSeconds: number;
  /** How long it is expected to take (until the next step). */
  readonly expectedSeconds: number;
  readonly note: string;
}

export interface Plan {
  readonly group: string;
  readonly command: "failover" | "failback";
  readonly to: string;
  readonly outcome: Step;
  readonly steps: readonly PlanStep[];
  /** The calls the levers would get, in order, with when. */
  readonly calls: readonly (PlannedChange & { readonly atSeconds: number })[];
  readonly routingBefore?: RoutingState & { readonly primary?: string };
  readonly routingAfter?: RoutingState & { readonly primary?: string };
  readonly expectedSeconds: number;
  /** What the plan takes for granted. */
  readonly assumptions: readonly string[];
}

/** A clock the plan moves by hand. */
export class PlanClock implements Clock {
  #now: number;
  constructor(start: number) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
  /** Time passes at once (nothing in a plan waits for real); a sleep called off moves none. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOneTurn(ms, signal, (passed) => this.advance(passed));
  }
}

const withPrimary = (r: RoutingState | undefined) =>
  r ? { ...r, ...(primaryOf(r) ? { primary: primaryOf(r) } : {}) } : undefined;

const DEFAULT_PLAN_ESTIMATES: LeverEstimates = { clusterStartMs: 360_000, propagationMs: () => 0 };

const minutes = (ms: number) => Math.round(ms / 60_000);

/** How the group's traffic lever says its changes travel, in its own words. */
function propagationSays(rt: Runtime, group: string): string {
  const lever = rt.levers.router?.covers(group) ? rt.levers.router.capabilities(group) : undefined;
  return lever?.propagation?.says ?? "the traffic lever's change reaches its data plane";
}

/** A plan's own clock and dry-run levers; a drill shares one between its two plans. */
export interface PlanContext {
  readonly clock: PlanClock;
  readonly levers: DryRunLevers;
}

function planContext(rt: Runtime, now: number): PlanContext {
  const clock = new PlanClock(now);
  const levers = rt.levers.dryRun?.(clock, rt.levers.estimates ?? DEFAULT_PLAN_ESTIMATES) ?? {
    planned: () => [],
  };
  return { clock, levers };
}

/**
 * Plays an incident through the runbook against dry-run levers on a clock of its own, one
 * orchestrate interval per tick, assuming a woken region passes its probes once its cluster runs
 * and the entry point follows the lever. Nothing real changes.
 */
export async function planIncident(
  rt: Runtime,
  group: GroupConfig,
  start: Situation,
  incident: Incident,
  shared?: PlanContext,
): Promise<Plan> {
  const policy = effectivePolicy(rt.config, group);
  const estimates = rt.levers.estimates ?? DEFAULT_PLAN_ESTIMATES;
  const { clock, levers } = shared ?? planContext(rt, start.now);
  const plannedBefore = levers.planned().length;
  const rbGroup = runbookGroup(group, rt.levers.dataByHand);
  const rbPolicy = runbookPolicy(rt, group);
  const tickMs = policy.intervalSeconds * 1000;
  let current = incident;
  const stepsAt: { step: Step; at: number; note: string }[] = [
    { step: current.step, at: clock.now(), note: current.history.at(-1)?.note ?? "" },
  ];
  let routingBefore: RoutingState | undefined;
  let routing: RoutingState | undefined;
  const assumptions = [
    `one orchestrate tick every ${policy.intervalSeconds} s`,
    `${current.to} passes its probes as soon as its cluster runs`,
    "the global entry point answers once the lever has deployed the change",
  ];
  if (levers.clusters && group.regions.some((r) => r.cluster))
    assumptions.push(`an AKS cluster starts in about ${minutes(estimates.clusterStartMs)} min`);
  const stores = (group.data ?? []).map((d) => d.name);
  if (levers.data && stores.length > 0)
    assumptions.push(
      `a planned failover of a data store takes about ${Math.round((estimates.dataFailoverMs ?? 0) / 1000)} s, and every copy stays as it was read`,
    );
  const propagation = estimates.propagationMs(group.name);
  if (propagation > 0)
    assumptions.push(`${propagationSays(rt, group.name)} in about ${minutes(propagation)} min`);
  for (let tick = 0; tick < 2000 && !TERMINAL.has(current.step); tick++) {
    try {
      routing = levers.router ? await levers.router.read(group.name) : start.routing;
    } catch (error) {
      assumptions.push(`the plan stopped: the traffic lever cannot be read (${message(error)})`);
      break;
    }
    routingBefore ??= routing;
    const clusters = await readClusters(levers.clusters, group);
    const data = await readData(levers.data, group.name, stores);
    const evidence = { ...start.evidence };
    const woken = current.to;
    if (clusters[woken] === undefined || clusters[woken]?.power === "Running")
      evidence[woken] =
        start.evidence[woken] === "down" && !clusters[woken] ? evidence[woken]! : "healthy";
    const s: Situation = {
      ...start,
      now: clock.now(),
      evidence,
      ...(routing ? { routing } : {}),
      clusters,
      data,
      entryHealthy: true,
      open: current,
      paused: false,
    };
    const result = runbookStep(rbGroup, s, rbPolicy, "plan");
    if (result.incident) {
      if (result.incident.step !== current.step)
        stepsAt.push({
          step: result.incident.step,
          at: clock.now(),
          note: result.incident.history.at(-1)?.note ?? "",
        });
      current = result.incident;
    }
    for (const effect of result.effects) {
      try {
        await applyEffect(levers, group.name, effect);
      } catch (error) {
        assumptions.push(`${describeEffect(effect)} would fail: ${message(error)}`);
      }
    }
    clock.advance(tickMs);
  }
  if (!TERMINAL.has(current.step))
    assumptions.push(
      `the plan did not end: it stopped at ${current.step} (${current.history.at(-1)?.note ?? ""})`,
    );
  const end = clock.now();
  const steps: PlanStep[] = stepsAt.map((s, i) => ({
    step: s.step,
    atSeconds: Math.round((s.at - start.now) / 1000),
    expectedSeconds: Math.round(((stepsAt[i + 1]?.at ?? s.at) - s.at) / 1000),
    note: s.note,
  }));
  const after = levers.router
    ? await levers.router.read(group.name).catch(() => undefined)
    : undefined;
  const before = withPrimary(routingBefore);
  const afterWithPrimary = withPrimary(after);
  return {
    group: group.name,
    command: incident.kind,
    to: incident.to,
    outcome: current.step,
    steps,
    calls: levers
      .planned()
      .slice(plannedBefore)
      .map((c) => ({ ...c, atSeconds: Math.round(((c.at ?? start.now) - start.now) / 1000) })),
    ...(before ? { routingBefore: before } : {}),
    ...(afterWithPrimary ? { routingAfter: afterWithPrimary } : {}),
    expectedSeconds: Math.round(((stepsAt.at(-1)?.at ?? end) - start.now) / 1000),
    assumptions,
  };
}

/** What a drill answers: both plans, played one after the other on one copy of the levers. */
export interface DrillResult {
  readonly group: string;
  readonly reason: string;
  readonly failover: Plan;
  readonly failback: Plan | { readonly refused?: string };
  readonly expectedSeconds: number;
  readonly changedNothing: true;
}

/** A drill: the failover to the first other region and the failback, both as plans. */
export async function drill(
  rt: Runtime,
  caller: Caller,
  groupName: string,
  reason: string,
): Promise<Outcome> {
  const outcome = await runDrill(rt, caller, groupName, reason);
  await sayCommand(rt, caller, "drill", groupName, reason, outcome, true);
  return outcome;
}

async function runDrill(
  rt: Runtime,
  caller: Caller,
  groupName: string,
  reason: string,
): Promise<Outcome> {
  const group = findGroup(rt, groupName);
  if (!group) return { kind: "not-found", field: "group", message: noSuchGroup(rt, groupName) };
  const view = await readGroupSituation(rt, group);
  if (typeof view === "string" || view.leversUnread !== undefined)
    return {
      kind: "unavailable",
      message: `${group.name}: ${typeof view === "string" ? view : view.leversUnread}`,
      retryAfterSeconds: rt.config.policy.intervalSeconds,
    };
  const primary =
    (view.situation.routing && primaryOf(view.situation.routing)) ??
    group.regions.find((r) => r.role === "primary" || r.role === "active")?.name;
  const to = group.regions.find((r) => r.name !== primary)?.name;
  if (!primary || !to)
    return { kind: "conflict", message: `${group.name} has no second region to drill with` };
  const by = caller.name;
  // The drill assumes the secondary healthy (or wakeable) and plays both directions.
  const healthyEverywhere = Object.fromEntries(
    group.regions.map((r) => [r.name, "healthy" as Verdict]),
  );
  const s: Situation = {
    ...view.situation,
    evidence: { ...healthyEverywhere },
    kept: { ...healthyEverywhere },
  };
  const { open: _open, ...noOpen } = s;
  const failover = openManual(
    runbookGroup(group),
    { kind: "failover", to, override: false, by, reason },
    noOpen,
    "drill-failover",
  );
  if (!failover.incident)
    return {
      kind: "conflict",
      message: failover.refusal?.reason ?? "no failover to drill",
      ...(failover.refusal ? { rule: failover.refusal.rule } : {}),
    };
  // Both plans play on the same copy of the levers and the same clock: the failback starts where
  // the failover left the routing and the clusters.
  const context = planContext(rt, noOpen.now);
  const there = await planIncident(rt, group, noOpen, failover.incident, context);
  const afterFailover: Situation = {
    ...noOpen,
    now: context.clock.now(),
    ...(there.routingAfter ? { routing: { regions: there.routingAfter.regions } } : {}),
    clusters: await readClusters(context.levers.clusters, group),
  };
  const failback = openManual(
    runbookGroup(group),
    { kind: "failback", to: primary, by, reason },
    afterFailover,
    "drill-failback",
  );
  const back = failback.incident
    ? await planIncident(rt, group, afterFailover, failback.incident, context)
    : undefined;
  // Kept for the readiness check `recovery-time`; a drill still answers when the store does not.
  await rt.store
    .recordDrill(group.name, {
      at: noOpen.now,
      expectedSeconds: there.expectedSeconds,
      outcome: there.outcome,
      to,
      by,
    })
    .catch((error: unknown) =>
      rt.log.warn(`${group.name}: the drill's prediction was not kept: ${message(error)}`),
    );
  const detail: DrillResult = {
    group: group.name,
    reason,
    failover: there,
    failback: back ?? (failback.refusal ? { refused: failback.refusal.reason } : {}),
    expectedSeconds: there.expectedSeconds + (back?.expectedSeconds ?? 0),
    changedNothing: true,
  };
  return {
    kind: "done",
    detail,
    told: { detail: { failover: there.outcome, failback: back?.outcome ?? "not planned" } },
  };
}
