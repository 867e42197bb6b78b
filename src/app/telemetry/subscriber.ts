// The telemetry subscriber: turns domain events into Azure Monitor's shapes. Probe outcomes become
// availability records (the portal's Availability view and `availabilityResults`): each failure and
// recovery on its own, passing targets summed up per window (availability-windows.ts), and per
// group latency and pass metrics at the same pace; every other event is a custom event named by its type, its fields as custom
// dimensions (numbers as measurements), under the operation that emitted it and its incident.
// Store and ARM calls are recorded where they are made (adapters); tick metrics by the ticks.
import { ENTRY_POINT } from "../../core/observation.js";
import type { NamedSubscriber, TandemEvent } from "../../ports/events.js";
import type { Telemetry } from "../../ports/telemetry.js";
import type {
  GroupSummary,
  ProbeOutcomeEvent,
  SummaryPolicy,
  TargetSummary,
} from "./availability-windows.js";
import { AvailabilityWindows, PHASES } from "./availability-windows.js";

/** The availability record's target name for the global entry point. */
export const ENTRY_POINT_NAME = "entry-point";

/** Event fields that are the origin (sent as dimensions of their own) or not sent at all. */
const ORIGIN = new Set(["id", "type", "observer", "instance", "at", "operation", "epoch"]);
/** Where an operator's request came from: personal data, and spoofable; the audit keeps it (ADR 26). */
const PRIVATE = new Set(["client"]);

export function availabilityName(group: string, target: string): string {
  return `${group}/${target === ENTRY_POINT ? ENTRY_POINT_NAME : target}`;
}

/** The properties and measurements of a custom event: the event's own fields, flattened. */
export function eventFields(event: TandemEvent): {
  properties: Record<string, string>;
  measurements: Record<string, number>;
} {
  const properties: Record<string, string> = {
    event: event.id,
    observer: event.observer,
    instance: event.instance,
    ...(event.epoch === undefined ? {} : { epoch: String(event.epoch) }),
  };
  const measurements: Record<string, number> = {};
  for (const [key, value] of Object.entries(event)) {
    if (ORIGIN.has(key) || PRIVATE.has(key) || value === undefined) continue;
    if (typeof value === "number") measurements[key] = value;
    else if (typeof value === "string" || typeof value === "boolean")
      properties[key] = String(value);
    else properties[key] = JSON.stringify(value);
  }
  return { properties, measurements };
}

/** A probe's own availability record: every failure, and every pass while recovering. */
function probeRecord(telemetry: Telemetry, event: ProbeOutcomeEvent): void {
  const phases = event.phases;
  telemetry.availability(
    {
      name: availabilityName(event.group, event.target),
      runLocation: event.observer,
      success: event.ok,
      durationMs: event.latencyMs,
      message: event.error ? `${event.error.kind}: ${event.error.message}` : "",
      properties: {
        event: event.id,
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
    { operation: event.operation },
  );
}

/**
 * A target's passing probes of one window as one availability record. `duration` is their mean;
 * `probes` and `passed` say how many it stands for, which an availability percentage weighs it by.
 */
function summaryRecord(telemetry: Telemetry, s: TargetSummary): void {
  telemetry.availability(
    {
      name: availabilityName(s.group, s.target),
      runLocation: s.observer,
      success: s.passed === s.probes,
      durationMs: s.durationSumMs / s.probes,
      message: "",
      properties: {
        observer: s.observer,
        group: s.group,
        target: s.target === ENTRY_POINT ? ENTRY_POINT_NAME : s.target,
        summary: "true",
        windowStart: new Date(s.windowStart).toISOString(),
        windowMinutes: String(s.windowMs / 60_000),
        firstTick: s.firstOperation,
        lastTick: s.lastOperation,
      },
      measurements: {
        probes: s.probes,
        passed: s.passed,
        durationMinMs: s.durationMinMs,
        durationMaxMs: s.durationMaxMs,
      },
    },
    {},
  );
}

/**
 * A group's aggregates for one window: every probe's latency by phase, and whether it passed (1
 * or 0: the mean is the group's availability). The metrics are histograms that the SDK sums per
 * flush: recorded together at the window's end, each series is one record per window, with its
 * count, sum, minimum and maximum. By group only: each series costs a record per flush, and the
 * availability records carry each probe's phases for a per-target view. The observer is the
 * record's cloud_RoleInstance.
 */
function groupMetrics(telemetry: Telemetry, g: GroupSummary): void {
  for (const phase of PHASES)
    for (const ms of g.latencyMs[phase])
      telemetry.metric("tandem.probe.latency", ms, { group: g.group, phase });
  for (const passed of g.passed)
    telemetry.metric("tandem.probe.passed", passed ? 1 : 0, { group: g.group });
}

export function telemetrySubscriber(telemetry: Telemetry, policy: SummaryPolicy): NamedSubscriber {
  const windows = new AvailabilityWindows(policy);
  return {
    name: "telemetry",
    fn: (event) => {
      if (event.type === "probe.outcome") {
        const due = windows.add(event);
        for (const s of due.targets) summaryRecord(telemetry, s);
        for (const g of due.groups) groupMetrics(telemetry, g);
        for (const e of due.own) probeRecord(telemetry, e);
        return;
      }
      const { properties, measurements } = eventFields(event);
      const incident = "incident" in event ? event.incident : undefined;
      telemetry.event(event.type, properties, measurements, {
        operation: event.operation,
        ...(incident === undefined ? {} : { incident }),
      });
    },
  };
}
