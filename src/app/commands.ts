// Operators' commands: fail over, fail back, pause, resume. A command does not act: it becomes an
// incident that the lease holder advances through fenced steps on its next ticks, so every change
// still goes through the runbook's safety rules and the lease. A dry run is answered by the
// planner. Every command, allowed or refused, is audited and said as an event.
import { createHash, randomUUID } from "node:crypto";
import type { Incident } from "../core/incident.js";
import type { ManualCommand } from "../core/runbook.js";
import { openManual } from "../core/runbook.js";
import type { RoutingState } from "../core/levers.js";
import { primaryOf } from "../core/levers.js";
import { errorText } from "../core/errors.js";
import type { PauseReason, PauseState } from "../ports/state-store.js";
import { isStoreError } from "../ports/state-store.js";
import type { Caller } from "./audit.js";
import { emit, incidentEvents, publish } from "./emit.js";
import { boundForStorage, incidentAlerts } from "../core/alerts.js";
import { wanted } from "./alerts/setup.js";
import type { Outcome } from "./outcome.js";
import { sayCommand, sayStarted } from "./outcome.js";
import { planIncident } from "./planner.js";
import { printable } from "./printable.js";
import { findGroup, noSuchGroup } from "./read-models.js";
import { shortName } from "../config/strict-json.js";
import type { Runtime } from "./runtime.js";
import type { GroupSituation } from "./situation.js";
import { readGroupSituation, runbookGroup } from "./situation.js";
import type { GroupConfig } from "../config/schema.js";

/**
 * The incident id of a keyed request: the same for every copy of the request. `generation` counts
 * the key's earlier, expired uses, so that a key used again after it expired opens a new row.
 */
export function keyedIncidentId(group: string, key: string, generation = 0): string {
  const input = generation === 0 ? `${group}\n${key}` : `${group}\n${key}\n${generation}`;
  return `key-${createHash("sha256").update(input).digest("hex").slice(0, 24)}`;
}

function newIncidentId(rt: Runtime): string {
  return `${String(rt.clock.now()).padStart(15, "0")}-${randomUUID().slice(0, 8)}`;
}

export type { Outcome } from "./outcome.js";

/**
 * How long an Idempotency-Key is remembered: a retry within it gets the first answer; after it,
 * the key opens a new incident (the IETF Idempotency-Key draft leaves the time to the server).
 */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

export interface ManualOptions {
  readonly dryRun: boolean;
  readonly idempotencyKey?: string;
  /** The request's content (command, group, body): a key reused with other content is a 422. */
  readonly fingerprint?: string;
}

/** A failover or failback for one group: a plan (dry run) or an incident for the lease holder. */
export async function manualCommand(
  rt: Runtime,
  caller: Caller,
  groupName: string,
  command: ManualCommand,
  options: ManualOptions,
): Promise<Outcome> {
  const outcome = await runManual({ rt, caller, command, options }, groupName);
  await sayCommand(rt, caller, command.kind, groupName, command.reason, outcome, options.dryRun);
  return outcome;
}

/** One manual request as its audit rows name it. */
interface ManualRequest {
  readonly rt: Runtime;
  readonly caller: Caller;
  readonly command: ManualCommand;
  readonly options: ManualOptions;
}

type Refused = Outcome & { kind: "conflict" | "not-found" | "unavailable" | "unprocessable" };

async function runManual(req: ManualRequest, groupName: string): Promise<Outcome> {
  const { rt, command, options } = req;
  const group = findGroup(rt, groupName);
  if (!group)
    return refuse(req, { kind: "not-found", field: "group", message: noSuchGroup(rt, groupName) });
  if (command.to !== undefined && !group.regions.some((r) => r.name === command.to))
    return refuse(req, {
      kind: "not-found",
      field: "to",
      message: `no region "${shortName(command.to)}" in group ${group.name}; regions: ${group.regions.map((r) => r.name).join(", ")}`,
    });

  const view = await readGroupSituation(rt, group);
  if (typeof view === "string")
    return refuse(req, {
      kind: "unavailable",
      message: `${group.name}: ${view}`,
      retryAfterSeconds: rt.config.policy.intervalSeconds,
    });

  // The key's earlier uses: the one still remembered answers this request; those expired only
  // make the key's next incident id a new one.
  const key = options.dryRun ? undefined : options.idempotencyKey;
  const uses = key === undefined ? [] : view.stored.filter((s) => s.incident.requestKey === key);
  const live = uses.find((s) => rt.clock.now() - s.incident.openedAt < IDEMPOTENCY_KEY_TTL_MS);
  if (key !== undefined && live) {
    const repeated = await repeat(req, group.name, key, live.incident);
    if (repeated) return repeated;
  }
  const opened = await openIncident(req, group, view, key, uses.length);
  if ("refused" in opened) return opened.refused;
  if (options.dryRun) return dryRun(req, group, view, opened.incident);
  return recordManual(req, group.name, key, {
    ...opened.incident,
    ...(key === undefined ? {} : { requestKey: key }),
    ...(key === undefined || options.fingerprint === undefined
      ? {}
      : { requestHash: options.fingerprint }),
  });
}

/** A refused request's answer, with the command as asked for its audit row. */
function refuse(req: ManualRequest, outcome: Refused): Refused {
  const { command } = req;
  return {
    ...outcome,
    told: { detail: { command: { ...command, reason: printable(command.reason, 500) } } },
  };
}

/**
 * The answer to a copy of a keyed request that opened `earlier`: the same answer (audited as a
 * repeat), or 422 when the key came with another request.
 */
async function repeat(
  req: ManualRequest,
  group: string,
  key: string | undefined,
  earlier: Incident,
): Promise<Outcome | undefined> {
  const { command, options } = req;
  const same =
    earlier.requestHash !== undefined && options.fingerprint !== undefined
      ? earlier.requestHash === options.fingerprint
      : earlier.kind === command.kind && (command.to === undefined || earlier.to === command.to);
  if (!same)
    return refuse(req, {
      kind: "unprocessable",
      message: `the Idempotency-Key "${shortName(key!)}" was used for a different request (incident ${earlier.id}); use a new key for a new request`,
      incident: earlier.id,
    });
  return {
    kind: "accepted",
    group,
    incident: earlier.id,
    repeated: true,
    told: { detail: { command, repeated: true } },
  };
}

/**
 * The incident the command opens, or why it opens none: the levers unread, an incident already
 * running, a failover that would move no traffic, or a safety rule of the runbook.
 */
async function openIncident(
  req: ManualRequest,
  group: GroupConfig,
  view: GroupSituation,
  key: string | undefined,
  keyUses: number,
): Promise<{ readonly incident: Incident } | { readonly refused: Refused }> {
  const { rt, command } = req;
  const refused = (outcome: Refused) => ({ refused: refuse(req, outcome) });
  if (view.leversUnread !== undefined)
    return refused({
      kind: "unavailable",
      message: `${group.name}: ${view.leversUnread}`,
      retryAfterSeconds: rt.config.policy.intervalSeconds,
    });
  const open = view.situation.open;
  if (open)
    return refused({
      kind: "conflict",
      message: `${group.name} has an incident running (${open.id}, ${open.kind} at ${open.step}); wait for it to end`,
      incident: open.id,
    });

  const already = alreadyThere(group.model, view.situation.routing, command);
  if (already)
    return refused({
      kind: "conflict",
      message: `${group.name}: ${already}, so a failover there would change no routing, yet open an incident and hold automatic failback; nothing was done (add --override to run it anyway)`,
    });

  // A keyed request's incident id comes from the key: two copies of one request racing each other
  // write the same row, and the store lets only the first create it.
  const id = key !== undefined ? keyedIncidentId(group.name, key, keyUses) : newIncidentId(rt);
  const opened = openManual(runbookGroup(group), command, view.situation, id);
  if (!opened.incident)
    return refused({
      kind: "conflict",
      message: opened.refusal?.reason ?? "the runbook would not open this incident",
      ...(opened.refusal ? { rule: opened.refusal.rule } : {}),
    });
  return { incident: opened.incident };
}

/** A dry run's answer: the planner's plan for the incident, audited. */
async function dryRun(
  req: ManualRequest,
  group: GroupConfig,
  view: GroupSituation,
  incident: Incident,
): Promise<Outcome> {
  const { command } = req;
  const plan = await planIncident(req.rt, group, view.situation, incident);
  return {
    kind: "planned",
    plan,
    told: { detail: { command, outcome: plan.outcome, calls: plan.calls.map((c) => c.change) } },
  };
}

/**
 * Writes the command's incident for the lease holder, with its alerts. No change without its
 * record: the intent is audited first, or nothing is written.
 */
async function recordManual(
  req: ManualRequest,
  group: string,
  key: string | undefined,
  incident: Incident,
): Promise<Outcome> {
  const { rt, caller, command } = req;
  const intended = await sayStarted(rt, caller, {
    command: command.kind,
    group,
    reason: command.reason,
    incident: incident.id,
  });
  if (!intended)
    return { kind: "unavailable", message: "the audit log cannot be written: nothing was changed" };
  const events = incidentEvents(rt, caller.request ?? `${rt.instance}:api`, undefined, incident);
  try {
    await rt.store.writeIncident(incident, undefined, {
      alerts: incidentAlerts(
        undefined,
        incident,
        undefined,
        { observer: rt.observer, at: rt.clock.now() },
        (line) => events[line]?.id,
      )
        .filter((a) => wanted(rt.alerts, a))
        .map(boundForStorage),
    });
    rt.memory.alerts.dirty = true;
  } catch (error) {
    if (isStoreError(error) && error.kind === "conflict") {
      // A copy with the same key got there first: answer as a retry of it (or 422 if it differs).
      const existing = (await rt.store.readIncidents(group)).find(
        (s) => s.incident.id === incident.id,
      );
      const repeated = existing && (await repeat(req, group, key, existing.incident));
      if (repeated) return repeated;
    }
    return {
      kind: "unavailable",
      message: `the incident was not recorded: ${errorText(error)}`,
      told: { failed: true, incident: incident.id },
    };
  }
  for (const event of events) publish(rt, event);
  return {
    kind: "accepted",
    group,
    incident: incident.id,
    repeated: false,
    told: { detail: { command } },
  };
}

/**
 * Why a failover to its target would move no traffic (the target already primary, or already
 * enabled in an active-active group); undefined when it would, or when the override insists.
 */
function alreadyThere(
  model: string,
  routing: RoutingState | undefined,
  command: ManualCommand,
): string | undefined {
  if (command.kind !== "failover" || command.override || routing === undefined) return undefined;
  const route = routing.regions.find((r) => r.region === command.to);
  if (route?.enabled !== true) return undefined;
  if (model === "active-active")
    return `${command.to} is already enabled (in an active-active group every enabled region takes traffic)`;
  return primaryOf(routing) === command.to ? `${command.to} is already primary` : undefined;
}

/** Pauses or resumes automation for a group, or for all (`group` undefined). */
export async function setPause(
  rt: Runtime,
  caller: Caller,
  group: string | undefined,
  paused: boolean,
  reason: string,
): Promise<Outcome> {
  const outcome = await runPause(rt, caller, { group, paused, reason });
  const command = paused ? "pause" : "resume";
  await sayCommand(rt, caller, command, group, reason, outcome);
  if (outcome.kind === "done")
    emit(rt, caller.request ?? `${rt.instance}:api`, {
      type: paused ? "automation.paused" : "automation.resumed",
      ...(group === undefined ? {} : { group }),
      by: caller.name,
      reason: printable(reason, 500),
    });
  return outcome;
}

/** A pause or resume as asked: for one group, or for all (`group` undefined). */
interface PauseAsk {
  readonly group: string | undefined;
  readonly paused: boolean;
  readonly reason: string;
}

async function runPause(rt: Runtime, caller: Caller, ask: PauseAsk): Promise<Outcome> {
  const { group, paused, reason } = ask;
  if (group !== undefined && !findGroup(rt, group))
    return { kind: "not-found", field: "group", message: noSuchGroup(rt, group) };
  const intended = await sayStarted(rt, caller, {
    command: paused ? "pause" : "resume",
    ...(group === undefined ? {} : { group }),
    reason,
  });
  if (!intended)
    return { kind: "unavailable", message: "the audit log cannot be written: nothing was changed" };
  try {
    // Read, change, write only over what was read: two operators pausing at once both count.
    for (let attempt = 0; ; attempt++) {
      const { etag, ...before } = await rt.store.readPause();
      const groups = new Set(before.groups);
      const reasons: Record<string, PauseReason> = { ...before.reasons };
      const released: Record<string, number> = { ...before.released };
      const key = group ?? "*";
      let all = before.all;
      if (group === undefined) {
        all = paused;
        if (!paused) {
          groups.clear();
          for (const k of Object.keys(reasons)) delete reasons[k];
        }
      } else if (paused) groups.add(group);
      else groups.delete(group);
      if (paused)
        reasons[key] = { by: caller.name, reason: printable(reason, 500), at: rt.clock.now() };
      else {
        delete reasons[key];
        // A person resuming automation also ends a manual hold on the routing.
        released[key] = rt.clock.now();
      }
      const after: PauseState = {
        all,
        groups: [...groups].sort(),
        ...(Object.keys(reasons).length ? { reasons } : {}),
        ...(Object.keys(released).length ? { released } : {}),
      };
      try {
        await rt.store.writePause(after, { expected: etag === undefined ? {} : { etag } });
      } catch (error) {
        if (isStoreError(error) && error.kind === "conflict" && attempt < 5) continue;
        throw error;
      }
      return { kind: "done", detail: { paused: after }, told: { detail: { before, after } } };
    }
  } catch (error) {
    return {
      kind: "unavailable",
      message: `pause state not changed: ${errorText(error)}`,
      told: { failed: true },
    };
  }
}
