// The lease holder's runbook step for one group: read the world (lever, clusters, incidents,
// pause flags), ask the core what to do, persist the incident (conditionally, fenced), then carry
// out its effects (each fenced, each in the audit log). Never throws.
import { randomUUID } from "node:crypto";
import type { Incident } from "../core/incident.js";
import { isOpen, moveTo } from "../core/incident.js";
import type { ClusterState, RoutingState } from "../core/levers.js";
import type { Effect, Refusal, RunbookGroup, RunbookPolicy, Situation } from "../core/runbook.js";
import { runbookStep } from "../core/runbook.js";
import type { RegionEvidence, RegionState, Verdict } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { GroupConfig } from "../config/schema.js";
import type { StoreCallOptions, StoredIncident } from "../ports/state-store.js";
import { runFenced } from "./fence.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";

export interface RunbookOutcome {
  readonly incident?: Incident;
  readonly refusal?: Refusal;
  readonly problems: readonly string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function runbookPolicy(rt: Runtime, group: GroupConfig): RunbookPolicy {
  const p = effectivePolicy(rt.config, group);
  return {
    maxAutoFailovers: p.maxAutoFailovers,
    autoFailoverWindowMs: p.autoFailoverWindowMinutes * 60_000,
    autoFailback: p.autoFailback,
    stepTimeoutMs: p.stepTimeoutSeconds * 1000,
    wakeTimeoutMs: p.wakeTimeoutSeconds * 1000,
    propagationTimeoutMs: p.propagationTimeoutSeconds * 1000,
    stopColdOnClear: p.stopColdClusterOnClear,
  };
}

export function runbookGroup(group: GroupConfig): RunbookGroup {
  return {
    name: group.name,
    model: group.model,
    regions: group.regions.map((r) => ({
      name: r.name,
      role: r.role,
      ...(r.cluster ? { cluster: { nodePools: r.cluster.nodePools } } : {}),
    })),
  };
}

function apply(
  rt: Runtime,
  group: string,
  effect: Effect,
  abortSignal: AbortSignal,
): Promise<void> {
  const call = { abortSignal };
  switch (effect.kind) {
    case "promote":
      return rt.router!.promote(group, effect.region, call);
    case "set-enabled":
      return rt.router!.setEnabled(group, effect.region, effect.enabled, call);
    case "start-cluster":
      return rt.clusters!.start(group, effect.region, call);
    case "stop-cluster":
      return rt.clusters!.stop(group, effect.region, call);
    case "scale":
      return rt.clusters!.scale(group, effect.region, effect.pools, call);
  }
}

const describeEffect = (e: Effect) =>
  e.kind === "set-enabled"
    ? `${e.enabled ? "enable" : "disable"} ${e.region}`
    : `${e.kind} ${e.region}`;

/** Audits a refusal once while it stands, not every tick. */
async function recordRefusal(
  rt: Runtime,
  group: string,
  refusal: Refusal | undefined,
  epoch: number,
): Promise<void> {
  const key = refusal ? `${refusal.rule}: ${refusal.reason}` : "";
  if (rt.memory.refusals.get(group) === key) return;
  rt.memory.refusals.set(group, key);
  if (!refusal) return;
  rt.log.warn(`${group}: refused by rule ${refusal.rule}: ${refusal.reason}`);
  try {
    await rt.store.appendAction({
      at: rt.clock.now(),
      actor: holderId(rt),
      epoch,
      name: `rule ${refusal.rule}`,
      group,
      outcome: "refused",
      reason: refusal.reason,
    });
  } catch (error) {
    rt.log.error(`audit: could not record the refusal for ${group}: ${message(error)}`);
  }
}

/** What the runbook reads before a step: the lever, the clusters, the incidents, the pause flags. */
export interface World {
  /** Undefined when the lever could not be read. */
  readonly routing?: RoutingState;
  readonly clusters: Record<string, ClusterState | undefined>;
  /** Undefined when the store could not be read: no step then. */
  readonly incidents?: StoredIncident[];
  readonly paused: boolean;
  readonly problems: string[];
}

export async function readWorld(
  rt: Runtime,
  group: GroupConfig,
  call: StoreCallOptions = {},
): Promise<World> {
  const problems: string[] = [];
  let routing: RoutingState | undefined;
  if (rt.router?.covers(group.name))
    try {
      routing = await rt.router.read(group.name, call);
    } catch (error) {
      problems.push(`${group.name}: the traffic lever cannot be read: ${message(error)}`);
    }
  const clusters: Record<string, ClusterState | undefined> = {};
  for (const region of group.regions.filter(
    (r) => r.cluster && rt.clusters?.covers(group.name, r.name),
  )) {
    try {
      clusters[region.name] = await rt.clusters!.read(group.name, region.name, call);
    } catch (error) {
      problems.push(`${group.name}: ${region.name}'s cluster cannot be read: ${message(error)}`);
    }
  }
  try {
    const incidents = await rt.store.readIncidents(group.name, call);
    const pause = await rt.store.readPause(call);
    return {
      ...(routing ? { routing } : {}),
      clusters,
      incidents,
      paused: pause.all || pause.groups.includes(group.name),
      problems,
    };
  } catch (error) {
    problems.push(`${group.name}: ${message(error)}: no runbook step this tick`);
    return { ...(routing ? { routing } : {}), clusters, paused: false, problems };
  }
}

/**
 * The open incident the runbook advances: the oldest. An operator's command and an automatic
 * detection can each open one at the same moment (the API does not hold the lease); a younger one
 * that has taken no step is ended as superseded, so no incident is left open and unattended.
 */
async function activeIncident(
  rt: Runtime,
  group: string,
  stored: readonly StoredIncident[],
  epoch: number,
  problems: string[],
): Promise<StoredIncident | undefined> {
  // By opening time, not by id: a keyed operator request's id is not time-ordered.
  const open = stored
    .filter((s) => isOpen(s.incident))
    .sort(
      (a, b) =>
        a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
    );
  const [first, ...younger] = open;
  for (const other of younger) {
    // One that has acted (a step taken, or a cluster started as it opened) is not undone here.
    if (other.incident.history.length > 1 || other.incident.startedCluster) {
      problems.push(
        `${group}: incident ${other.incident.id} is open beside ${first!.incident.id} and has taken steps: a person should look`,
      );
      continue;
    }
    const ended = moveTo(
      other.incident,
      "aborted",
      rt.clock.now(),
      epoch,
      `superseded: incident ${first!.incident.id} was already open`,
    );
    const written = await runFenced(rt, { name: "incident aborted", group }, (abortSignal) =>
      rt.store.writeIncident(ended, other.etag, { abortSignal }),
    );
    if (written.ok)
      rt.log.warn(
        `${group}: incident ${other.incident.id} aborted: superseded by ${first!.incident.id}`,
      );
  }
  return first;
}

export async function runbookTick(
  rt: Runtime,
  group: GroupConfig,
  evidence: readonly RegionEvidence[],
  kept: Readonly<Record<string, RegionState>>,
  entryHealthy: boolean | undefined,
  epoch: number,
  call: StoreCallOptions = {},
): Promise<RunbookOutcome> {
  const problems: string[] = [];
  if (!rt.router?.covers(group.name)) {
    const refusal: Refusal = {
      rule: "no-lever",
      reason: "no traffic lever is configured for this group: Tandem watches but cannot act",
    };
    if (Object.values(kept).some((s) => s.verdict === "down"))
      await recordRefusal(rt, group.name, refusal, epoch);
    return { problems };
  }

  const world = await readWorld(rt, group, call);
  problems.push(...world.problems);
  if (!world.incidents) return { problems };
  const { routing, clusters, paused } = world;
  const stored = world.incidents;
  const open = await activeIncident(rt, group.name, stored, epoch, problems);

  const situation: Situation = {
    now: rt.clock.now(),
    epoch,
    kept: Object.fromEntries(Object.entries(kept).map(([r, s]) => [r, s.verdict])) as Record<
      string,
      Verdict
    >,
    evidence: Object.fromEntries(evidence.map((e) => [e.region, e.verdict])),
    ...(routing ? { routing } : {}),
    clusters,
    ...(entryHealthy === undefined ? {} : { entryHealthy }),
    ...(open ? { open: open.incident } : {}),
    recent: stored.map((s) => s.incident),
    paused,
  };
  const newId = `${String(situation.now).padStart(15, "0")}-${randomUUID().slice(0, 8)}`;
  const result = runbookStep(runbookGroup(group), situation, runbookPolicy(rt, group), newId);
  await recordRefusal(rt, group.name, result.refusal, epoch);

  let incident = open?.incident;
  // The incident row is written (conditionally on the version read) before any effect, even when
  // the step has not changed: an effect runs only while its incident is still what this tick read.
  const toWrite = result.incident ?? (result.effects.length > 0 ? open?.incident : undefined);
  if (toWrite) {
    const next = toWrite;
    const note = next.history.at(-1)?.note ?? next.step;
    const written = await runFenced(
      rt,
      { name: `incident ${next.step}`, group: group.name, incident: next.id },
      (abortSignal) =>
        rt.store.writeIncident(next, result.opened ? undefined : open?.etag, { abortSignal }),
    );
    if (!written.ok) {
      problems.push(
        `${group.name}: incident ${next.id} not recorded (${written.reason}): its effects wait`,
      );
      return {
        ...(incident ? { incident } : {}),
        ...(result.refusal ? { refusal: result.refusal } : {}),
        problems,
      };
    }
    incident = next;
    // A failed incident needs a person: it is logged as an error (the alert channels send it on).
    if (result.incident) {
      const say = next.step === "failed" ? rt.log.error : rt.log.info;
      say(`${group.name}: incident ${next.id} ${next.step}: ${note}`);
    }
  }

  for (const effect of result.effects) {
    const done = await runFenced(
      rt,
      {
        name: describeEffect(effect),
        group: group.name,
        ...(incident ? { incident: incident.id } : {}),
      },
      (abortSignal) => apply(rt, group.name, effect, abortSignal),
    );
    if (!done.ok)
      problems.push(
        `${group.name}: ${describeEffect(effect)} ${done.refused ? "refused" : "failed"}: ${done.reason}`,
      );
  }
  return {
    ...(incident ? { incident } : {}),
    ...(result.refusal ? { refusal: result.refusal } : {}),
    problems,
  };
}
