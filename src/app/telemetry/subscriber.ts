// The telemetry subscriber: turns domain events into Azure Monitor's shapes. A probe outcome is an
// availability record (the portal's Availability view and `availabilityResults`) and a latency
// metric per phase; every other event is a custom event named by its type, its fields as custom
// dimensions (numbers as measurements), under the operation that emitted it and its incident.
// Store and ARM calls are recorded where they are made (adapters); tick metrics by the ticks.
import { ENTRY_POINT } from "../../core/observation.js";
import type { NamedSubscriber, TandemEvent } from "../../ports/events.js";
import type { Telemetry } from "../../ports/telemetry.js";

/** The availability record's target name for the global entry point. */
export const ENTRY_POINT_NAME = "entry-point";

/** Event fields that are the origin (sent as dimensions of their own) or not sent at all. */
const ORIGIN = new Set(["type", "observer", "instance", "at", "operation", "epoch"]);

export function availabilityName(group: string, target: string): string {
  return `${group}/${target === ENTRY_POINT ? ENTRY_POINT_NAME : target}`;
}

/** The properties and measurements of a custom event: the event's own fields, flattened. */
export function eventFields(event: TandemEvent): {
  properties: Record<string, string>;
  measurements: Record<string, number>;
} {
  const properties: Record<string, string> = {
    observer: event.observer,
    instance: event.instance,
    ...(event.epoch === undefined ? {} : { epoch: String(event.epoch) }),
  };
  const measurements: Record<string, number> = {};
  for (const [key, value] of Object.entries(event)) {
    if (ORIGIN.has(key) || value === undefined) continue;
    if (typeof value === "number") measurements[key] = value;
    else if (typeof value === "string" || typeof value === "boolean")
      properties[key] = String(value);
    else properties[key] = JSON.stringify(value);
  }
  return { properties, measurements };
}

function probeOutcome(
  telemetry: Telemetry,
  event: Extract<TandemEvent, { type: "probe.outcome" }>,
) {
  const scope = { operation: event.operation };
  const phases = event.phases;
  telemetry.availability(
    {
      name: availabilityName(event.group, event.target),
      runLocation: event.observer,
      success: event.ok,
      durationMs: event.latencyMs,
      message: event.error ? `${event.error.kind}: ${event.error.message}` : "",
      properties: {
        observer: event.observer,
        tick: event.operation,
        group: event.group,
        target: event.target === ENTRY_POINT ? ENTRY_POINT_NAME : event.target,
        ...(event.statusCode === undefined ? {} : { statusCode: String(event.statusCode) }),
        ...(event.error ? { errorKind: event.error.kind } : {}),
        consecutiveFailures: String(event.consecutiveFailures),
        confirmations: String(event.confirmations),
      },
      ...(phases ? { measurements: { ...phases } } : {}),
    },
    scope,
  );
  // By group and phase only: each metric series costs a record per flush, and the availability
  // record already carries every probe's phases (customMeasurements) for a per-target view. The
  // observer is the record's cloud_RoleInstance.
  const dims = { group: event.group };
  if (!phases) {
    telemetry.metric("tandem.probe.latency", event.latencyMs, { ...dims, phase: "total" });
    return;
  }
  const byPhase: [string, number][] = [
    ["dns", phases.dnsMs],
    ["connect", phases.connectMs],
    ["tls", phases.tlsMs],
    ["firstByte", phases.firstByteMs],
    ["total", phases.totalMs],
  ];
  for (const [phase, ms] of byPhase)
    telemetry.metric("tandem.probe.latency", ms, { ...dims, phase });
}

export function telemetrySubscriber(telemetry: Telemetry): NamedSubscriber {
  return {
    name: "telemetry",
    fn: (event) => {
      if (event.type === "probe.outcome") return probeOutcome(telemetry, event);
      const { properties, measurements } = eventFields(event);
      const incident = "incident" in event ? event.incident : undefined;
      telemetry.event(event.type, properties, measurements, {
        operation: event.operation,
        ...(incident === undefined ? {} : { incident }),
      });
    },
  };
}
