// Practice failovers (issue 27, ADR 32): in a scheduled window, and only when the group is ready,
// a real failover to the standby, a dwell there, and a failback. Both are incidents with the
// trigger "practice", advanced by the runbook like any other; this file decides only when one
// opens or stops. Everything it needs is in the incidents, so a new lease holder resumes a
// practice (or restores the routing) from what it reads. Pure.
import type { Incident, Shift } from "./incident.js";
import { isOpen, moveTo } from "./incident.js";
import { primaryOf, solePrimary } from "./levers.js";
import type { Refusal, RunbookGroup, RunbookPolicy, RunbookResult, Situation } from "./runbook.js";
import { NOTHING, automationRefusal, healthy, unable } from "./runbook-rules.js";

/** Who practice incidents are requested by (and audited as). */
export const PRACTICE_BY = "tandem-practice";

/** What the runbook knows of a group's practice schedule at `now`. */
export interface PracticeSituation {
  /** The practice window `now` falls in, if any (UTC milliseconds, end exclusive). */
  readonly window?: { readonly start: number; readonly end: number };
  /** Whether every readiness check of the group passed at the lease holder's last run. */
  readonly ready: boolean;
  readonly dwellMs: number;
}

/** The start of a failback's reason when the practice was cut short. */
const STOPPED = "practice stopped";

/** The latest practice failover, and the practice failback opened after it, if any. */
function lastPracticeRun(
  recent: readonly Incident[],
): { readonly failover: Incident; readonly failback?: Incident } | undefined {
  const practice = recent
    .filter((i) => i.trigger === "practice")
    .sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id));
  const failover = practice.filter((i) => i.kind === "failover").at(-1);
  if (!failover) return undefined;
  const failback = practice.find((i) => i.kind === "failback" && i.openedAt >= failover.openedAt);
  return failback ? { failover, failback } : { failover };
}

/** Why a practice on the standby must end now (the window is over, the standby fails), if so. */
function stopReason(s: Situation, failover: Incident): string | undefined {
  const window = s.practice?.window;
  if (!window || failover.openedAt < window.start) return "the practice window ended";
  // A cold standby fails its probes until it has started: it is judged once traffic may move.
  const waking =
    failover.wake?.start &&
    !["moving-data", "shifting-traffic", "verifying"].includes(failover.step);
  const seen = s.evidence[failover.to];
  if (!waking && (seen === "down" || seen === "suspect"))
    return `${failover.to} fails its probes (${seen})`;
  return undefined;
}

/** An open practice failover stopped at once (nothing moves; the failback follows next tick). */
export function practiceAbort(s: Situation, open: Incident): RunbookResult | undefined {
  if (!s.practice || open.trigger !== "practice" || open.kind !== "failover") return undefined;
  const why = stopReason(s, open);
  if (!why) return undefined;
  return {
    opened: false,
    effects: [],
    incident: moveTo(open, "aborted", s.now, s.epoch, `${STOPPED}: ${why}`),
  };
}

/**
 * With no incident open: the practice failback that restores the routing (the dwell is over, the
 * window ended, the standby fails, or the failover did not complete), the hold while the group
 * serves from the standby for the dwell, or a new practice failover when one is due.
 */
export function practiceStep(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  id: string,
): RunbookResult | undefined {
  const practice = s.practice;
  if (!practice || !s.routing || group.model === "active-active") return undefined;
  const run = lastPracticeRun(s.recent);
  const home = run?.failover.from;
  if (run && !run.failback && !isOpen(run.failover) && home && primaryOf(s.routing) !== home) {
    const failover = run.failover;
    const why =
      failover.step !== "completed"
        ? `${STOPPED}: the practice failover ${failover.step}`
        : (prefixed(stopReason(s, failover)) ??
          (s.now - (failover.closedAt ?? s.now) >= practice.dwellMs
            ? `practice: ${failover.to} served for the dwell time`
            : undefined));
    // Serving from the standby for the dwell: nothing else opens (automatic failback waits too).
    if (!why) return NOTHING;
    return failBack(group, s, policy, id, home, why);
  }
  return startPractice(group, s, policy, id);
}

const prefixed = (why: string | undefined) => (why ? `${STOPPED}: ${why}` : undefined);

function failBack(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  id: string,
  home: string,
  why: string,
): RunbookResult {
  const shift: Shift = { kind: "promote", region: home };
  const refusal: Refusal | undefined = healthy(s, home)
    ? (unable(s, shift) ?? automationRefusal(s, policy, false))
    : {
        rule: "unhealthy-target",
        reason: `the practice cannot fail back: ${home} is ${s.evidence[home] ?? "unknown"}; traffic stays on ${primaryOf(s.routing!) ?? "the standby"} until a person decides`,
      };
  if (refusal) return { ...NOTHING, refusal };
  return practiceIncident(group, s, id, {
    kind: "failback",
    ...withFrom(primaryOf(s.routing!)),
    to: home,
    shift,
    reason: why,
  });
}

function startPractice(
  group: RunbookGroup,
  s: Situation,
  policy: RunbookPolicy,
  id: string,
): RunbookResult | undefined {
  const { window, ready, dwellMs } = s.practice!;
  // One practice per window, started only while it can still dwell and fail back within it.
  if (!window || !ready || s.now + dwellMs >= window.end) return undefined;
  if (s.recent.some((i) => i.trigger === "practice" && i.openedAt >= window.start))
    return undefined;
  const primary = group.regions.find((r) => r.role === "primary")?.name;
  if (!primary || solePrimary(s.routing!) !== primary || s.kept[primary] !== "healthy")
    return undefined;
  const cold = group.model === "passive-cold";
  const target = group.regions.find(
    (r) => r.role === "secondary" && (cold ? r.cluster !== undefined : healthy(s, r.name)),
  );
  if (!target) return undefined;
  const shift: Shift = { kind: "promote", region: target.name };
  const refusal = unable(s, shift) ?? automationRefusal(s, policy, true);
  if (refusal) return { ...NOTHING, refusal };
  const wake =
    target.cluster && (cold || target.cluster.nodePools.length > 0)
      ? { region: target.name, start: cold }
      : undefined;
  return practiceIncident(group, s, id, {
    kind: "failover",
    from: primary,
    to: target.name,
    shift,
    ...(wake ? { wake } : {}),
    reason: `scheduled practice: fail over to ${target.name} and back within the window ending ${new Date(window.end).toISOString()}`,
  });
}

const withFrom = (from: string | undefined) => (from ? { from } : {});

function practiceIncident(
  group: RunbookGroup,
  s: Situation,
  id: string,
  fields: Pick<Incident, "kind" | "from" | "to" | "shift" | "wake" | "reason">,
): RunbookResult {
  const { kind, ...rest } = fields;
  const incident: Incident = {
    id,
    group: group.name,
    kind,
    trigger: "practice",
    ...rest,
    requestedBy: PRACTICE_BY,
    step: "confirmed",
    stepStartedAt: s.now,
    openedAt: s.now,
    history: [
      { step: "confirmed", at: s.now, epoch: s.epoch, note: `${PRACTICE_BY}: ${fields.reason}` },
    ],
  };
  return { incident, opened: true, effects: [] };
}

/** The last practice run of a group, as the status shows it. */
export interface PracticeRecord {
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly outcome: "running" | "completed" | "aborted" | "failed";
  readonly to: string;
  /** How long the failover took (opened to completed), and the failback. */
  readonly failoverSeconds?: number;
  readonly failbackSeconds?: number;
  /** Why it ended early, when it did. */
  readonly note?: string;
}

const seconds = (i: Incident) =>
  i.step === "completed" && i.closedAt !== undefined
    ? {
        [i.kind === "failover" ? "failoverSeconds" : "failbackSeconds"]:
          (i.closedAt - i.openedAt) / 1000,
      }
    : {};

export function practiceRecord(recent: readonly Incident[]): PracticeRecord | undefined {
  const run = lastPracticeRun(recent);
  if (!run) return undefined;
  const { failover, failback } = run;
  const base = { startedAt: failover.openedAt, to: failover.to, ...seconds(failover) };
  const last = failback ?? failover;
  if (isOpen(last) || (!failback && failover.step === "completed"))
    return { ...base, outcome: "running" };
  const stopped = [failover.history.at(-1)?.note, failback?.reason].find((n) =>
    n?.startsWith(STOPPED),
  );
  const outcome =
    last.step === "completed"
      ? stopped
        ? "aborted"
        : "completed"
      : last.step === "failed"
        ? "failed"
        : "aborted";
  return {
    ...base,
    ...(failback ? seconds(failback) : {}),
    endedAt: last.closedAt ?? last.stepStartedAt,
    outcome,
    ...(stopped ? { note: stopped } : {}),
  };
}
