// Emits a domain event with its origin filled in: this process, its clock, the tick or request,
// and an id of its own. A use case whose event has a durable record (an outbox row written with
// the state it reports, an audit row written before a step) stamps the event first, derives and
// writes those records from it, and publishes it after (ADR 26); the rest emit at once.
import type { EventBody, TandemEvent } from "../core/events.js";
import type { Incident } from "../core/incident.js";
import { TERMINAL } from "../core/incident.js";
import type { Runtime } from "./runtime.js";
import { dataEvents } from "../core/runbook-data-steps.js";
import { runbookGroup } from "./situation.js";

/** Events stamped by this process so far: with the instance id, each event's id is unique. */
let stamped = 0;

/** The event with its origin and id, not yet published. */
export function stamp<B extends EventBody>(
  rt: Runtime,
  operation: string,
  body: B,
  epoch?: number,
): B & TandemEvent {
  // The body's type decides the event's: spread, it is one member of the union.
  return {
    ...body,
    id: `${rt.instance}/${++stamped}`,
    observer: rt.observer,
    instance: rt.instance,
    at: rt.clock.now(),
    operation,
    ...(epoch === undefined ? {} : { epoch }),
  } as B & TandemEvent;
}

/** Hands a stamped event to the subscribers (log, telemetry, alerts, the sandbox's timeline). */
export function publish(rt: Runtime, event: TandemEvent): void {
  rt.events.emit(event);
}

export function emit(rt: Runtime, operation: string, body: EventBody, epoch?: number): TandemEvent {
  const event = stamp(rt, operation, body, epoch);
  publish(rt, event);
  return event;
}

/**
 * Operations (ticks, peers' requests) in a row that must fail to reach the store before it is said
 * unreachable: as a region is down only after failures in a row, one transient error (a reset
 * connection) is not an outage. One success ends the count.
 */
export const STORE_CONFIRMATIONS = 3;

/**
 * Says once that the store became unreachable, once STORE_CONFIRMATIONS operations in a row could
 * not reach it (the calls of one operation count once), and that it is reachable again after that.
 */
export function storeReach(rt: Runtime, operation: string, problem: string | undefined): void {
  const said = rt.memory.said;
  if (problem === undefined) {
    said.storeFailures = undefined;
    if (!said.storeDown) return;
    said.storeDown = false;
    emit(rt, operation, { type: "store.reachable" });
    return;
  }
  const failures = said.storeFailures;
  const count = failures?.operation === operation ? failures.count : (failures?.count ?? 0) + 1;
  said.storeFailures = { count, operation };
  if (said.storeDown || count < STORE_CONFIRMATIONS) return;
  said.storeDown = true;
  emit(rt, operation, {
    type: "store.unreachable",
    message: `${problem} (${count} ticks in a row could not reach it)`,
  });
}

/**
 * The events of each history line an incident gained between two versions of it: opened (its
 * first line), a step or a note, closed (a terminal step); stamped, in order, not yet published.
 */
export function incidentEvents(
  rt: Runtime,
  operation: string,
  before: Incident | undefined,
  after: Incident,
  epoch?: number,
): TandemEvent[] {
  const from = before?.history.length ?? 0;
  const lines = after.history.slice(from).map((line, k) => {
    const i = from + k;
    const previous = i > 0 ? after.history[i - 1]!.step : undefined;
    return stamp(
      rt,
      operation,
      {
        type:
          i === 0
            ? "incident.opened"
            : TERMINAL.has(line.step)
              ? "incident.closed"
              : "incident.step",
        group: after.group,
        incident: after.id,
        kind: after.kind,
        trigger: after.trigger,
        ...(after.from === undefined ? {} : { from: after.from }),
        to: after.to,
        step: line.step,
        ...(previous === undefined ? {} : { previous }),
        note: line.note,
        elapsedMs: line.at - after.openedAt,
        ...(after.requestedBy === undefined ? {} : { requestedBy: after.requestedBy }),
      },
      epoch,
    );
  });
  const group = rt.config.groups.find((g) => g.name === after.group);
  const stores = group ? (runbookGroup(group, rt.levers.dataByHand).data ?? []) : [];
  return [
    ...lines,
    ...dataEvents(before, after, stores).map((body) => stamp(rt, operation, body, epoch)),
  ];
}
