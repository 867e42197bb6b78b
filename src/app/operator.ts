// Operators' commands: fail over, fail back, pause, resume, drill; and the read models behind
// them (incidents, the audit log). A command does not act: it becomes an incident that the lease
// holder advances through fenced steps on its next ticks, so every change still goes through the
// runbook's safety rules and the lease. A dry run plays the runbook against levers that change
// nothing and returns the plan. Every command, allowed or refused, is audited.
import { createHash, randomUUID } from "node:crypto";
import type { Incident, Step } from "../core/incident.js";
import { TERMINAL, isOpen } from "../core/incident.js";
import type { ClusterState, RoutingState } from "../core/levers.js";
import { primaryOf } from "../core/levers.js";
import type { ManualCommand, Situation } from "../core/runbook.js";
import { openManual, runbookStep } from "../core/runbook.js";
import type { RegionState, Verdict } from "../core/verdict.js";
import type { GroupConfig } from "../config/schema.js";
import { effectivePolicy } from "../config/policy.js";
import type { Clock } from "../ports/clock.js";
import type { DryRunLevers, PlannedChange } from "../ports/dry-run.js";
import type { ActionRecord, StoredIncident } from "../ports/state-store.js";
import { isStoreError } from "../ports/state-store.js";
import { printable } from "./printable.js";
import { entryHealthy, observeAgreement } from "./agreement.js";
import { readWorld, runbookGroup, runbookPolicy } from "./runbook-tick.js";
import type { Runtime } from "./runtime.js";

export interface Caller {
  readonly name: string;
  readonly via: string;
  /** Where the request came from (client address), for the audit log. */
  readonly address?: string;
}

export type Outcome =
  | {
      readonly kind: "accepted";
      readonly group: string;
      readonly incident: string;
      /** A retry with the same idempotency key: the incident it opened the first time. */
      readonly repeated: boolean;
    }
  | { readonly kind: "planned"; readonly plan: Plan }
  | { readonly kind: "done"; readonly detail: Record<string, unknown> }
  | {
      readonly kind: "conflict";
      readonly message: string;
      readonly incident?: string;
      readonly rule?: string;
    }
  | { readonly kind: "not-found"; readonly field: string; readonly message: string }
  | { readonly kind: "unavailable"; readonly message: string };

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

export interface FailoverBody {
  readonly to: string;
  readonly reason: string;
  readonly dryRun?: boolean;
  readonly override?: boolean;
}

export interface FailbackBody {
  readonly to?: string;
  readonly reason: string;
  readonly dryRun?: boolean;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function findGroup(rt: Runtime, name: string): GroupConfig | undefined {
  return rt.config.groups.find((g) => g.name === name);
}

async function currentEpoch(rt: Runtime): Promise<number> {
  try {
    return (await rt.store.readLease())?.record.epoch ?? 0;
  } catch {
    return 0;
  }
}

/** Appends the command to the audit log; a failure to audit is logged, never hidden. */
export async function audit(
  rt: Runtime,
  caller: Caller,
  entry: Omit<ActionRecord, "at" | "actor" | "epoch" | "detail"> & { detail?: object },
): Promise<boolean> {
  const { detail, ...rest } = entry;
  try {
    await rt.store.appendAction({
      ...rest,
      at: rt.clock.now(),
      actor: caller.name,
      epoch: await currentEpoch(rt),
      detail: JSON.stringify({ via: caller.via, from: caller.address ?? "unknown", ...detail }),
    });
    return true;
  } catch (error) {
    rt.log.error(`audit: could not record ${entry.name} by ${caller.name}: ${message(error)}`);
    return false;
  }
}

interface GroupView {
  readonly situation: Situation;
  readonly stored: readonly StoredIncident[];
}

/** The runbook's situation for a group as the API sees it: the lever, the store, the evidence. */
async function viewOf(rt: Runtime, group: GroupConfig): Promise<GroupView | string> {
  const world = await readWorld(rt, group);
  if (!world.incidents) return world.problems.join("; ") || "the state store cannot be read";
  const view = await observeAgreement(rt);
  const evidence = view.groups.find((g) => g.group.name === group.name);
  let kept: Record<string, RegionState>;
  try {
    kept = (await rt.store.readRegionStates(group.name)).states;
  } catch (error) {
    return message(error);
  }
  const healthy = evidence ? entryHealthy(view, evidence) : undefined;
  const open = world.incidents
    .filter((s) => isOpen(s.incident))
    .sort((a, b) => a.incident.openedAt - b.incident.openedAt)[0];
  return {
    stored: world.incidents,
    situation: {
      now: rt.clock.now(),
      epoch: await currentEpoch(rt),
      kept: Object.fromEntries(Object.entries(kept).map(([r, s]) => [r, s.verdict])) as Record<
        string,
        Verdict
      >,
      evidence: Object.fromEntries((evidence?.evidence ?? []).map((e) => [e.region, e.verdict])),
      ...(world.routing ? { routing: world.routing } : {}),
      clusters: world.clusters,
      ...(healthy === undefined ? {} : { entryHealthy: healthy }),
      ...(open ? { open: open.incident } : {}),
      recent: world.incidents.map((s) => s.incident),
      paused: world.paused,
    },
  };
}

/** The incident id of a keyed request: the same for every copy of the request. */
export function keyedIncidentId(group: string, key: string): string {
  return `key-${createHash("sha256").update(`${group}\n${key}`).digest("hex").slice(0, 24)}`;
}

function newIncidentId(rt: Runtime): string {
  return `${String(rt.clock.now()).padStart(15, "0")}-${randomUUID().slice(0, 8)}`;
}

/** A failover or failback for one group: a plan (dry run) or an incident for the lease holder. */
export async function manualCommand(
  rt: Runtime,
  caller: Caller,
  groupName: string,
  command: ManualCommand,
  options: { readonly dryRun: boolean; readonly idempotencyKey?: string },
): Promise<Outcome> {
  const group = findGroup(rt, groupName);
  const name = `api ${command.kind}${options.dryRun ? " (dry run)" : ""}`;
  const refuse = async (outcome: Outcome & { kind: "conflict" | "not-found" | "unavailable" }) => {
    await audit(rt, caller, {
      name,
      ...(group ? { group: group.name } : {}),
      outcome: "refused",
      reason: printable(outcome.message, 300),
      detail: { command: { ...command, reason: printable(command.reason, 500) } },
    });
    return outcome;
  };
  if (!group)
    return refuse({
      kind: "not-found",
      field: "group",
      message: `no group "${groupName}"; groups: ${rt.config.groups.map((g) => g.name).join(", ")}`,
    });
  if (command.to !== undefined && !group.regions.some((r) => r.name === command.to))
    return refuse({
      kind: "not-found",
      field: "to",
      message: `no region "${command.to}" in group ${group.name}; regions: ${group.regions.map((r) => r.name).join(", ")}`,
    });

  const view = await viewOf(rt, group);
  if (typeof view === "string")
    return refuse({ kind: "unavailable", message: `${group.name}: ${view}` });

  if (options.idempotencyKey !== undefined && !options.dryRun) {
    const earlier = view.stored.find((s) => s.incident.requestKey === options.idempotencyKey);
    if (earlier) {
      const same =
        earlier.incident.kind === command.kind &&
        (command.to === undefined || earlier.incident.to === command.to);
      if (!same)
        return refuse({
          kind: "conflict",
          message: `idempotency key "${options.idempotencyKey}" was used for another command (incident ${earlier.incident.id})`,
          incident: earlier.incident.id,
        });
      await audit(rt, caller, {
        name,
        group: group.name,
        outcome: "done",
        reason: command.reason,
        incident: earlier.incident.id,
        detail: { command, repeated: true },
      });
      return { kind: "accepted", group: group.name, incident: earlier.incident.id, repeated: true };
    }
  }
  const open = view.situation.open;
  if (open)
    return refuse({
      kind: "conflict",
      message: `${group.name} has an incident running (${open.id}, ${open.kind} at ${open.step}); wait for it to end`,
      incident: open.id,
    });

  // A keyed request's incident id comes from the key: two copies of one request racing each other
  // write the same row, and the store lets only the first create it.
  const id =
    options.idempotencyKey !== undefined && !options.dryRun
      ? keyedIncidentId(group.name, options.idempotencyKey)
      : newIncidentId(rt);
  const opened = openManual(runbookGroup(group), command, view.situation, id);
  if (!opened.incident)
    return refuse({
      kind: "conflict",
      message: opened.refusal?.reason ?? "the runbook would not open this incident",
      ...(opened.refusal ? { rule: opened.refusal.rule } : {}),
    });

  if (options.dryRun) {
    const plan = await planIncident(rt, group, view.situation, opened.incident);
    await audit(rt, caller, {
      name,
      group: group.name,
      outcome: "done",
      reason: command.reason,
      detail: { command, outcome: plan.outcome, calls: plan.calls.map((c) => c.change) },
    });
    return { kind: "planned", plan };
  }

  const incident: Incident = {
    ...opened.incident,
    ...(options.idempotencyKey === undefined ? {} : { requestKey: options.idempotencyKey }),
  };
  // No change without its record: the intent is audited first, or nothing is written.
  const intended = await audit(rt, caller, {
    name,
    group: group.name,
    outcome: "started",
    reason: command.reason,
    incident: incident.id,
    detail: { command },
  });
  if (!intended)
    return { kind: "unavailable", message: "the audit log cannot be written: nothing was changed" };
  try {
    await rt.store.writeIncident(incident, undefined);
  } catch (error) {
    if (isStoreError(error) && error.kind === "conflict") {
      // The same keyed request got there first: answer with its incident.
      const existing = (await rt.store.readIncidents(group.name)).find((s) => s.incident.id === id);
      if (existing) return { kind: "accepted", group: group.name, incident: id, repeated: true };
    }
    await audit(rt, caller, {
      name,
      group: group.name,
      outcome: "failed",
      reason: message(error),
      incident: incident.id,
    });
    return { kind: "unavailable", message: `the incident was not recorded: ${message(error)}` };
  }
  await audit(rt, caller, {
    name,
    group: group.name,
    outcome: "done",
    reason: command.reason,
    incident: incident.id,
    detail: { command },
  });
  return { kind: "accepted", group: group.name, incident: incident.id, repeated: false };
}

/** Pauses or resumes automation for a group, or for all (`group` undefined). */
export async function setPause(
  rt: Runtime,
  caller: Caller,
  group: string | undefined,
  paused: boolean,
  reason: string,
): Promise<Outcome> {
  const name = `api ${paused ? "pause" : "resume"}`;
  if (group !== undefined && !findGroup(rt, group)) {
    const outcome: Outcome = {
      kind: "not-found",
      field: "group",
      message: `no group "${group}"; groups: ${rt.config.groups.map((g) => g.name).join(", ")}`,
    };
    await audit(rt, caller, { name, outcome: "refused", reason: printable(outcome.message, 300) });
    return outcome;
  }
  const intended = await audit(rt, caller, {
    name,
    ...(group === undefined ? {} : { group }),
    outcome: "started",
    reason,
  });
  if (!intended)
    return { kind: "unavailable", message: "the audit log cannot be written: nothing was changed" };
  try {
    // Read, change, write only over what was read: two operators pausing at once both count.
    for (let attempt = 0; ; attempt++) {
      const { etag, ...before } = await rt.store.readPause();
      const groups = new Set(before.groups);
      let all = before.all;
      if (group === undefined) {
        all = paused;
        if (!paused) groups.clear();
      } else if (paused) groups.add(group);
      else groups.delete(group);
      const after = { all, groups: [...groups].sort() };
      try {
        await rt.store.writePause(after, { expected: etag === undefined ? {} : { etag } });
      } catch (error) {
        if (isStoreError(error) && error.kind === "conflict" && attempt < 5) continue;
        throw error;
      }
      await audit(rt, caller, {
        name,
        ...(group === undefined ? {} : { group }),
        outcome: "done",
        reason,
        detail: { before, after },
      });
      return { kind: "done", detail: { paused: after } };
    }
  } catch (error) {
    const outcome: Outcome = {
      kind: "unavailable",
      message: `pause state not changed: ${message(error)}`,
    };
    await audit(rt, caller, {
      name,
      ...(group === undefined ? {} : { group }),
      outcome: "failed",
      reason: outcome.message,
    });
    return outcome;
  }
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
  async sleep(ms: number): Promise<void> {
    this.#now += ms;
  }
}

const withPrimary = (r: RoutingState | undefined) =>
  r ? { ...r, ...(primaryOf(r) ? { primary: primaryOf(r) } : {}) } : undefined;

const DEFAULT_PLAN_ESTIMATES = { clusterStartMs: 360_000, propagationMs: () => 0 };

/** A plan's own clock and dry-run levers; a drill shares one between its two plans. */
export interface PlanContext {
  readonly clock: PlanClock;
  readonly levers: DryRunLevers;
}

function planContext(rt: Runtime, now: number): PlanContext {
  const clock = new PlanClock(now);
  const levers = rt.dryRun?.(clock, rt.estimates ?? DEFAULT_PLAN_ESTIMATES) ?? {
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
  const estimates = rt.estimates ?? DEFAULT_PLAN_ESTIMATES;
  const { clock, levers } = shared ?? planContext(rt, start.now);
  const plannedBefore = levers.planned().length;
  const rbGroup = runbookGroup(group);
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
    assumptions.push(
      `an AKS cluster starts in about ${Math.round(estimates.clusterStartMs / 60_000)} min`,
    );
  const propagation = estimates.propagationMs(group.name);
  if (propagation > 0)
    assumptions.push(
      `Front Door deploys a change to its edge in about ${Math.round(propagation / 60_000)} min`,
    );
  for (let tick = 0; tick < 2000 && !TERMINAL.has(current.step); tick++) {
    try {
      routing = levers.router ? await levers.router.read(group.name) : start.routing;
    } catch (error) {
      assumptions.push(`the plan stopped: the traffic lever cannot be read (${message(error)})`);
      break;
    }
    routingBefore ??= routing;
    const clusters: Record<string, ClusterState | undefined> = {};
    for (const region of group.regions.filter(
      (r) => r.cluster && levers.clusters?.covers(group.name, r.name),
    ))
      clusters[region.name] = await levers
        .clusters!.read(group.name, region.name)
        .catch(() => undefined);
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
        if (effect.kind === "promote") await levers.router?.promote(group.name, effect.region);
        if (effect.kind === "set-enabled")
          await levers.router?.setEnabled(group.name, effect.region, effect.enabled);
        if (effect.kind === "start-cluster")
          await levers.clusters?.start(group.name, effect.region);
        if (effect.kind === "stop-cluster") await levers.clusters?.stop(group.name, effect.region);
        if (effect.kind === "scale")
          await levers.clusters?.scale(group.name, effect.region, effect.pools);
      } catch (error) {
        assumptions.push(`${effect.kind} ${effect.region} would fail: ${message(error)}`);
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

/** A drill: the failover to the first other region and the failback, both as plans. */
export async function drill(
  rt: Runtime,
  caller: Caller,
  groupName: string,
  reason: string,
): Promise<Outcome> {
  const group = findGroup(rt, groupName);
  if (!group) {
    const outcome: Outcome = {
      kind: "not-found",
      field: "group",
      message: `no group "${groupName}"; groups: ${rt.config.groups.map((g) => g.name).join(", ")}`,
    };
    await audit(rt, caller, {
      name: "api drill",
      outcome: "refused",
      reason: printable(outcome.message, 300),
    });
    return outcome;
  }
  const view = await viewOf(rt, group);
  if (typeof view === "string") return { kind: "unavailable", message: `${group.name}: ${view}` };
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
  const clusters: Record<string, ClusterState | undefined> = {};
  for (const r of group.regions.filter(
    (x) => x.cluster && context.levers.clusters?.covers(group.name, x.name),
  ))
    clusters[r.name] = await context.levers
      .clusters!.read(group.name, r.name)
      .catch(() => undefined);
  const afterFailover: Situation = {
    ...noOpen,
    now: context.clock.now(),
    ...(there.routingAfter ? { routing: { regions: there.routingAfter.regions } } : {}),
    clusters,
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
  await audit(rt, caller, {
    name: "api drill",
    group: group.name,
    outcome: "done",
    reason,
    detail: { failover: there.outcome, failback: back?.outcome ?? "not planned" },
  });
  return {
    kind: "done",
    detail: {
      group: group.name,
      reason,
      failover: there,
      failback: back ?? { refused: failback.refusal?.reason },
      expectedSeconds: there.expectedSeconds + (back?.expectedSeconds ?? 0),
      changedNothing: true,
    },
  };
}

/** Every incident, newest first, optionally of one group. */
export async function listIncidents(rt: Runtime, group?: string): Promise<Incident[]> {
  const groups =
    group === undefined ? rt.config.groups : rt.config.groups.filter((g) => g.name === group);
  const all = await Promise.all(groups.map((g) => rt.store.readIncidents(g.name)));
  return all
    .flat()
    .map((s) => s.incident)
    .sort((a, b) => b.openedAt - a.openedAt || b.id.localeCompare(a.id));
}

export async function findIncident(rt: Runtime, id: string): Promise<Incident | undefined> {
  return (await listIncidents(rt)).find((i) => i.id === id);
}

export interface AuditPage {
  readonly entries: readonly ActionRecord[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  readonly next?: string;
}

/**
 * The audit log, newest first, `limit` at a time. The cursor is an entry's id (its place in the
 * log), so an entry written meanwhile never shifts a page: it is never shown twice.
 */
export async function auditPage(rt: Runtime, limit: number, before?: string): Promise<AuditPage> {
  const all = (await rt.store.readActions())
    .filter((a) => a.id !== undefined && (before === undefined || a.id < before))
    .sort((a, b) => (a.id! < b.id! ? 1 : -1));
  const entries = all.slice(0, limit);
  return { entries, ...(all.length > limit ? { next: entries.at(-1)!.id! } : {}) };
}
