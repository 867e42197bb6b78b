// The lease holder's runbook step for one group: read the world (lever, clusters, incidents,
// pause flags), ask the core what to do, persist the incident (conditionally, fenced), then carry
// out its effects (each fenced, each in the audit log). What happened is emitted as events.
// Never throws.
import { randomUUID } from "node:crypto";
import type { Incident } from "../core/incident.js";
import { isOpen, moveTo } from "../core/incident.js";
import type { Refusal } from "../core/runbook.js";
import { runbookStep } from "../core/runbook.js";
import type { RegionEvidence, RegionState } from "../core/verdict.js";
import { errorText } from "../core/errors.js";
import type { GroupConfig } from "../config/schema.js";
import type { StoreCallOptions, StoredIncident } from "../ports/state-store.js";
import { emit, sayIncident } from "./emit.js";
import type { AlertRegion } from "../core/alerts.js";
import { alertRegions, boundForStorage, incidentAlerts } from "../core/alerts.js";
import { wanted } from "./alerts/setup.js";
import { runFenced } from "./fence.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";
import {
  applyEffect,
  describeEffect,
  leverOf,
  leverOfGroup,
  readWorld,
  runbookGroup,
  runbookPolicy,
  situationOf,
} from "./situation.js";

export { readWorld, runbookGroup, runbookPolicy } from "./situation.js";
export type { World } from "./situation.js";

export interface RunbookOutcome {
  readonly incident?: Incident;
  readonly refusal?: Refusal;
  readonly problems: readonly string[];
}

/** Audits and says a refusal once while it stands, not every tick. */
async function recordRefusal(
  rt: Runtime,
  group: string,
  refusal: Refusal | undefined,
  epoch: number,
  operation: string,
  anchor?: string,
): Promise<void> {
  const key = refusal ? `${refusal.rule}: ${refusal.reason}` : "";
  if (rt.memory.refusals.get(group) === key) return;
  rt.memory.refusals.set(group, key);
  if (!refusal) return;
  emit(
    rt,
    operation,
    {
      type: "automation.refused",
      group,
      rule: refusal.rule,
      reason: refusal.reason,
      ...(anchor === undefined ? {} : { anchor }),
    },
    epoch,
  );
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
    rt.log.error(`audit: could not record the refusal for ${group}: ${errorText(error)}`);
  }
}

/** The alerts an incident's new history lines call for, to be written with it. */
function alertsOf(
  rt: Runtime,
  before: Incident | undefined,
  after: Incident,
  regions: readonly AlertRegion[] | undefined,
  epoch: number,
) {
  const alerts = incidentAlerts(before, after, regions, {
    observer: rt.observer,
    epoch,
    at: rt.clock.now(),
  })
    .filter((a) => wanted(rt.alerts, a))
    .map(boundForStorage);
  // The sender looks at the outbox after this tick (a refused write leaves nothing to find).
  if (alerts.length > 0) rt.memory.alerts.dirty = true;
  return alerts;
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
  operation: string,
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
      rt.store.writeIncident(ended, other.etag, {
        abortSignal,
        alerts: alertsOf(rt, other.incident, ended, undefined, epoch),
      }),
    );
    if (written.ok) sayIncident(rt, operation, other.incident, ended, epoch);
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
  operation = `${rt.instance}:runbook`,
): Promise<RunbookOutcome> {
  const problems: string[] = [];
  if (!rt.router?.covers(group.name)) {
    const refusal: Refusal = {
      rule: "no-lever",
      reason: "no traffic lever is configured for this group: Tandem watches but cannot act",
    };
    if (Object.values(kept).some((s) => s.verdict === "down"))
      await recordRefusal(rt, group.name, refusal, epoch, operation);
    return { problems };
  }

  const world = await readWorld(rt, group, call);
  problems.push(...world.problems);
  if (!world.incidents) return { problems };
  const open = await activeIncident(rt, group.name, world.incidents, epoch, problems, operation);
  const situation = situationOf({
    ...leverOfGroup(rt, group),
    now: rt.clock.now(),
    epoch,
    kept,
    evidence,
    world,
    entryHealthy,
    open: open?.incident,
  });
  const newId = `${String(situation.now).padStart(15, "0")}-${randomUUID().slice(0, 8)}`;
  const result = runbookStep(runbookGroup(group), situation, runbookPolicy(rt, group), newId);
  // The failover cap stands on the failovers it counts: the latest of them anchors its alert.
  const latestFailover = world.incidents
    .filter((s) => s.incident.kind === "failover" && s.incident.trigger === "automatic")
    .map((s) => s.incident.id)
    .sort()
    .at(-1);
  await recordRefusal(rt, group.name, result.refusal, epoch, operation, latestFailover);

  let incident = open?.incident;
  // The incident row is written (conditionally on the version read) before any effect, even when
  // the step has not changed: an effect runs only while its incident is still what this tick read.
  const toWrite = result.incident ?? (result.effects.length > 0 ? open?.incident : undefined);
  if (toWrite) {
    const next = toWrite;
    const written = await runFenced(
      rt,
      { name: `incident ${next.step}`, group: group.name, incident: next.id },
      (abortSignal) =>
        rt.store.writeIncident(next, result.opened ? undefined : open?.etag, {
          abortSignal,
          alerts: alertsOf(
            rt,
            result.opened ? undefined : open?.incident,
            next,
            alertRegions(evidence, kept),
            epoch,
          ),
        }),
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
    sayIncident(rt, operation, result.opened ? undefined : open?.incident, next, epoch);
    incident = next;
  }

  for (const effect of result.effects) {
    const change = describeEffect(effect);
    const done = await runFenced(
      rt,
      { name: change, group: group.name, ...(incident ? { incident: incident.id } : {}) },
      (abortSignal) => applyEffect(rt, group.name, effect, { abortSignal }),
    );
    emit(
      rt,
      operation,
      {
        type: "lever.changed",
        group: group.name,
        region: effect.region,
        lever: leverOf(effect),
        change,
        ...(incident ? { incident: incident.id } : {}),
        outcome: done.ok ? "done" : done.refused ? "refused" : "failed",
        ...(done.ok ? {} : { error: done.reason }),
      },
      epoch,
    );
    if (!done.ok)
      problems.push(
        `${group.name}: ${change} ${done.refused ? "refused" : "failed"}: ${done.reason}`,
      );
  }
  return {
    ...(incident ? { incident } : {}),
    ...(result.refusal ? { refusal: result.refusal } : {}),
    problems,
  };
}
