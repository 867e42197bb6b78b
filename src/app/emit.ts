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

/** Says once that the store became unreachable, or reachable again. */
export function storeReach(rt: Runtime, operation: string, problem: string | undefined): void {
  const down = problem !== undefined;
  if (down === rt.memory.said.storeDown) return;
  rt.memory.said.storeDown = down;
  emit(
    rt,
    operation,
    down ? { type: "store.unreachable", message: problem } : { type: "store.reachable" },
  );
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
