// Emits a domain event with its origin filled in: this process, its clock, the tick or request.
import type { EventBody } from "../core/events.js";
import type { Incident } from "../core/incident.js";
import { TERMINAL } from "../core/incident.js";
import type { Runtime } from "./runtime.js";

export function emit(rt: Runtime, operation: string, body: EventBody, epoch?: number): void {
  rt.events.emit({
    ...body,
    observer: rt.observer,
    instance: rt.instance,
    at: rt.clock.now(),
    operation,
    ...(epoch === undefined ? {} : { epoch }),
  });
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
 * Says each history line an incident gained between two versions of it: opened (its first line),
 * a step or a note, closed (a terminal step).
 */
export function sayIncident(
  rt: Runtime,
  operation: string,
  before: Incident | undefined,
  after: Incident,
  epoch?: number,
): void {
  const from = before?.history.length ?? 0;
  after.history.slice(from).forEach((line, k) => {
    const i = from + k;
    const previous = i > 0 ? after.history[i - 1]!.step : undefined;
    emit(
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
}
