// Which probe outcomes an observer sends to Application Insights as records of their own, and
// which it sums up (issue 31: telemetry that scales with what matters). A probe that fails, and
// every probe from the first pass after a failure until the target has passed for a whole
// window again, goes out at once: the transition and the failing stretch are never summarised.
// A target that passes is summed up per window (whole multiples of the window on the emitter's
// clock, the same for every observer): one summary per target and window, carrying how many
// probes it stands for and how many passed, so an availability percentage weighted by that count
// is the same as one over every probe. Every probe of the window, sent or summed, also feeds its
// group's aggregates (latency by phase, and whether it passed).
//
// Windows live in the process's memory only. A restarted process (a new Function App instance,
// a deployment) starts with none, so it loses at most the summaries of the windows open when it
// stopped: the probes of that part of the window are never counted. It never loses a failure or
// a transition: those are sent at once, and whether a pass still follows a failure is read from
// the event's counts, which the state store keeps across restarts.
import type { TandemEvent } from "../../core/events.js";

export type ProbeOutcomeEvent = Extract<TandemEvent, { type: "probe.outcome" }>;

export interface SummaryPolicy {
  /** The summary window, ms; 0: every probe is sent as its own record. */
  readonly windowMs: number;
  /** The probe interval, ms: how many passes make a whole window of passing. */
  readonly intervalMs: number;
}

/** A target's passing probes of one window, summed up. */
export interface TargetSummary {
  readonly observer: string;
  readonly group: string;
  readonly target: string;
  readonly windowStart: number;
  readonly windowMs: number;
  readonly probes: number;
  readonly passed: number;
  readonly durationSumMs: number;
  readonly durationMinMs: number;
  readonly durationMaxMs: number;
  /** The operations (ticks) of the first and last probe it stands for. */
  readonly firstOperation: string;
  readonly lastOperation: string;
}

export const PHASES = ["dns", "connect", "tls", "firstByte", "total"] as const;
type Phase = (typeof PHASES)[number];

/** Every probe of one group in one window: latency by phase, and whether each passed. */
export interface GroupSummary {
  readonly observer: string;
  readonly group: string;
  readonly windowStart: number;
  readonly latencyMs: Readonly<Record<Phase, readonly number[]>>;
  readonly passed: readonly boolean[];
}

/** What is due after one probe outcome. */
interface Due {
  /** Probes to send as records of their own (this one, or none). */
  readonly own: readonly ProbeOutcomeEvent[];
  /** Windows that ended before this probe. */
  readonly targets: readonly TargetSummary[];
  readonly groups: readonly GroupSummary[];
}

type OpenTarget = { -readonly [K in keyof TargetSummary]: TargetSummary[K] };

interface OpenGroup {
  readonly observer: string;
  readonly group: string;
  readonly windowStart: number;
  readonly latencyMs: Record<Phase, number[]>;
  readonly passed: boolean[];
}

/** Whether a probe is sent as its own record: it failed, or it passed while still recovering. */
export function sentAlone(event: ProbeOutcomeEvent, policy: SummaryPolicy): boolean {
  if (policy.windowMs <= 0 || !event.ok) return true;
  const passesInAWindow = Math.ceil(policy.windowMs / Math.max(1, policy.intervalMs));
  return event.failuresBefore > 0 && event.consecutiveSuccesses <= passesInAWindow;
}

export class AvailabilityWindows {
  readonly #policy: SummaryPolicy;
  readonly #targets = new Map<string, OpenTarget>();
  readonly #groups = new Map<string, OpenGroup>();

  constructor(policy: SummaryPolicy) {
    this.#policy = policy;
  }

  /** Takes one probe outcome; returns what is due now. */
  add(event: ProbeOutcomeEvent): Due {
    const windowMs = this.#policy.windowMs;
    const windowStart = windowMs > 0 ? Math.floor(event.at / windowMs) * windowMs : event.at;
    const targets: TargetSummary[] = [];
    const groups: GroupSummary[] = [];
    const targetKey = `${event.observer}\n${event.group}\n${event.target}`;
    const groupKey = `${event.observer}\n${event.group}`;

    const openTarget = this.#targets.get(targetKey);
    if (openTarget && openTarget.windowStart !== windowStart) {
      targets.push({ ...openTarget });
      this.#targets.delete(targetKey);
    }
    let group = this.#groups.get(groupKey);
    if (group && (group.windowStart !== windowStart || windowMs <= 0)) {
      groups.push(group);
      this.#groups.delete(groupKey);
      group = undefined;
    }
    if (!group) {
      group = {
        observer: event.observer,
        group: event.group,
        windowStart,
        latencyMs: { dns: [], connect: [], tls: [], firstByte: [], total: [] },
        passed: [],
      };
      this.#groups.set(groupKey, group);
    }
    addToGroup(group, event);
    // Without a window, the group's aggregates go with every probe, as the records do.
    if (windowMs <= 0) {
      groups.push(group);
      this.#groups.delete(groupKey);
    }

    if (sentAlone(event, this.#policy)) return { own: [event], targets, groups };
    const open = this.#targets.get(targetKey);
    if (open) {
      open.probes += 1;
      open.passed += event.ok ? 1 : 0;
      open.durationSumMs += event.latencyMs;
      open.durationMinMs = Math.min(open.durationMinMs, event.latencyMs);
      open.durationMaxMs = Math.max(open.durationMaxMs, event.latencyMs);
      open.lastOperation = event.operation;
    } else
      this.#targets.set(targetKey, {
        observer: event.observer,
        group: event.group,
        target: event.target,
        windowStart,
        windowMs,
        probes: 1,
        passed: event.ok ? 1 : 0,
        durationSumMs: event.latencyMs,
        durationMinMs: event.latencyMs,
        durationMaxMs: event.latencyMs,
        firstOperation: event.operation,
        lastOperation: event.operation,
      });
    return { own: [], targets, groups };
  }
}

function addToGroup(group: OpenGroup, event: ProbeOutcomeEvent): void {
  group.passed.push(event.ok);
  const phases = event.phases;
  if (!phases) {
    group.latencyMs.total.push(event.latencyMs);
    return;
  }
  group.latencyMs.dns.push(phases.dnsMs);
  group.latencyMs.connect.push(phases.connectMs);
  group.latencyMs.tls.push(phases.tlsMs);
  group.latencyMs.firstByte.push(phases.firstByteMs);
  group.latencyMs.total.push(phases.totalMs);
}
