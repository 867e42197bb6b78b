// Alerts as data: what Tandem tells people, derived from its state changes and its events. Each
// alert has a key that is the same wherever and however often it is derived (the outbox row's id,
// the webhook-id), and a subject shared with the alert that resolves it (PagerDuty's dedup_key).
// Pure: the app writes alerts to the outbox, the alert adapters render and send them.
import type { EventType } from "./events.js";
import type { Incident, IncidentKind } from "./incident.js";
import { TERMINAL } from "./incident.js";
import type { RegionEvidence, RegionState, Verdict } from "./verdict.js";

export const SEVERITIES = ["info", "warning", "error", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const severityRank = (s: Severity) => SEVERITIES.indexOf(s);

type Phase =
  "prewarming" | "detected" | "started" | "step" | "retrying" | "completed" | "failed" | "aborted";
type IncidentType = `${IncidentKind}.${Exclude<Phase, "prewarming">}` | "failover.prewarming";

export type AlertType =
  | "region.suspect"
  | "region.down"
  | "region.split-view"
  | "region.recovered"
  | "region.cleared"
  | "region.unconfirmed"
  | "region.confirmable"
  | IncidentType
  | "failover.cap-reached"
  | "data.failover-asked"
  | "data.refused"
  | "data.stranded"
  | "automation.paused"
  | "automation.resumed"
  | "command.accepted"
  | "command.refused"
  | "observer.stale"
  | "observer.live"
  | "store.unreachable"
  | "store.reachable"
  | "lease.acquired"
  | "certificate.expiring"
  | "readiness.lost"
  | "readiness.regained"
  | "channel.disabled"
  | "channel.enabled"
  | "channel.undelivered"
  | "channel.delivering"
  | "reminder"
  | "alert.test";

export interface AlertTypeInfo {
  readonly type: AlertType;
  /**
   * The fact it tells of: the event type it is derived from, whose id each alert carries (ADR 26).
   * An alert type is that name, or that name made narrower where people filter on it (a verdict
   * changed to down: `region.down`). None: a reminder (time passing), a channel test.
   */
  readonly event?: EventType;
  readonly severity: Severity;
  /** When it is sent, for the documentation. */
  readonly when: string;
  /** The types it resolves (a "resolved" message refers to the first of these it follows). */
  readonly resolves?: readonly AlertType[];
  /**
   * The name it had before it took its event's name (ADR 26): still matched by channel filters,
   * and sent beside the type in a webhook's `data.formerType`, for one release.
   */
  readonly formerly?: string;
}

const incidentTypes = (kind: IncidentKind, severity: Severity): AlertTypeInfo[] => [
  {
    type: `${kind}.detected`,
    event: "incident.opened",
    severity,
    when: `a ${kind} incident opened (automatic, or a person's command)`,
  },
  {
    type: `${kind}.started`,
    event: "incident.step",
    severity,
    when: `the ${kind} was confirmed: Tandem acts now`,
  },
  {
    type: `${kind}.step`,
    event: "incident.step",
    severity: "info",
    when: `the ${kind} moved to its next step`,
  },
  {
    type: `${kind}.retrying`,
    event: "incident.step",
    severity: kind === "failover" ? "error" : "warning",
    when: `a lever change of the ${kind} failed and is being tried again with backoff (sent once per incident; the ${kind}'s completed or failed alert follows)`,
  },
  {
    type: `${kind}.completed`,
    event: "incident.closed",
    severity: "info",
    when: `the ${kind} ended with traffic on the new routing`,
    resolves: [`${kind}.detected`, `${kind}.started`],
  },
  {
    type: `${kind}.failed`,
    event: "incident.closed",
    severity: "critical",
    when: `the ${kind} ended without moving traffic: a person should look`,
  },
  {
    type: `${kind}.aborted`,
    event: "incident.closed",
    severity: "warning",
    when: `the ${kind} was called off (the region recovered, or it was superseded)`,
    resolves: [
      `${kind}.detected`,
      `${kind}.started`,
      ...(kind === "failover" ? (["failover.prewarming"] as const) : []),
    ],
  },
];

/** Every alert type, its default severity and when it is sent. */
export const ALERT_TYPES: readonly AlertTypeInfo[] = [
  {
    type: "region.suspect",
    event: "verdict.changed",
    severity: "warning",
    when: "a region's probes fail but not (yet) for every outside observer; opt-in per channel",
  },
  {
    type: "region.down",
    event: "verdict.changed",
    severity: "critical",
    when: "the lease holder kept a region down",
  },
  {
    type: "region.split-view",
    event: "verdict.changed",
    severity: "error",
    when: "the observers disagree about a region: Tandem does not act on it",
  },
  {
    type: "region.recovered",
    event: "verdict.changed",
    severity: "info",
    when: "a region that was down is healthy again (after the dwell time)",
    resolves: ["region.down"],
  },
  {
    type: "region.cleared",
    event: "verdict.changed",
    severity: "info",
    when: "a suspect or split-view region is healthy again",
    resolves: ["region.split-view", "region.suspect", "region.unconfirmed"],
  },
  {
    type: "region.unconfirmed",
    event: "region.unconfirmed",
    severity: "error",
    when: "only the observer inside a region sees it failing and no outside observer can confirm (stale, impaired or none): a down verdict is blocked, a person should look; said once while it stands, and reminded of",
  },
  {
    type: "region.confirmable",
    event: "region.confirmable",
    severity: "info",
    when: "an outside observer sees an unconfirmed region again, and it is neither down nor healthy (those have their own alerts)",
    resolves: ["region.unconfirmed"],
  },
  {
    type: "failover.prewarming",
    event: "incident.opened",
    severity: "warning",
    when: "a passive-cold group's primary is suspect: its standby's cluster is started ahead of a failover that is not confirmed (PagerDuty is not told: the page comes when the failover starts)",
  },
  ...incidentTypes("failover", "critical"),
  ...incidentTypes("failback", "warning"),
  {
    type: "failover.cap-reached",
    event: "automation.refused",
    severity: "error",
    when: "a region is down but the automatic failover cap is reached: a person must decide",
  },
  {
    type: "data.failover-asked",
    event: "data.failover-asked",
    severity: "warning",
    when: "the runbook asked a data store to make the new region its primary (critical when forced: data may be lost)",
  },
  {
    type: "data.refused",
    event: "data.refused",
    severity: "critical",
    when: "the runbook did not move a data store (unsafe, or not done within policy.dataTimeoutSeconds): a person decides, with the command to run by hand",
  },
  {
    type: "data.stranded",
    event: "data.stranded",
    severity: "critical",
    when: "an incident failed or was aborted after it asked a data store to move: the data may be where traffic is not; a person decides, with the command to move it back",
  },
  {
    type: "automation.paused",
    event: "automation.paused",
    severity: "warning",
    when: "a person paused automatic failover",
  },
  {
    type: "automation.resumed",
    event: "automation.resumed",
    severity: "info",
    when: "a person resumed automatic failover",
    resolves: ["automation.paused"],
  },
  {
    type: "command.accepted",
    event: "command.accepted",
    severity: "info",
    when: "a person's failover or failback was accepted",
  },
  {
    type: "command.refused",
    event: "command.refused",
    severity: "warning",
    when: "a person's command was refused by a safety rule",
  },
  {
    type: "observer.stale",
    event: "observer.stale",
    severity: "error",
    when: "an observer's heartbeat stopped (the monitor of the monitor)",
  },
  {
    type: "observer.live",
    event: "observer.live",
    severity: "info",
    when: "a stale observer's heartbeat moves again",
    resolves: ["observer.stale"],
  },
  {
    type: "store.unreachable",
    event: "store.unreachable",
    severity: "critical",
    when: "an observer could not reach the state store in three ticks in a row (one failed call is not an outage); sent by that observer through its own channels, not through the outbox",
  },
  {
    type: "store.reachable",
    event: "store.reachable",
    severity: "info",
    when: "the state store answers that observer again",
    resolves: ["store.unreachable"],
  },
  {
    type: "lease.acquired",
    event: "lease.acquired",
    severity: "info",
    when: "another process holds the lease and acts (named `lease.changed` up to 0.3)",
    formerly: "lease.changed",
  },
  {
    type: "certificate.expiring",
    event: "certificate.expiring",
    severity: "warning",
    when: "a served certificate expires within `certificateWarningDays` (again at 7, 3, 1 and 0 days; error from 3 days, critical from 1)",
  },
  {
    type: "readiness.lost",
    event: "readiness.lost",
    severity: "warning",
    when: "a readiness check of a group turned not ready: its standby could not take the traffic now (docs/readiness.md)",
  },
  {
    type: "readiness.regained",
    event: "readiness.regained",
    severity: "info",
    when: "every readiness check of a group that was not ready passes again",
    resolves: ["readiness.lost"],
  },
  {
    type: "channel.disabled",
    event: "channel.disabled",
    severity: "error",
    when: "a channel's receiver answered 404 or 410: Tandem stops sending to it (told on the other channels)",
  },
  {
    type: "channel.enabled",
    event: "channel.enabled",
    severity: "info",
    when: "a disabled channel's URL changed, or its test passed: Tandem sends to it again (told on every channel, itself too)",
    resolves: ["channel.disabled"],
  },
  {
    type: "channel.undelivered",
    event: "channel.undelivered",
    severity: "warning",
    when: "a channel did not take an alert within the alert's delivery window: it is given up there, and told on the other channels with what it said, at its severity (a warning at least); once until the channel delivers again, and again for a more severe one",
  },
  {
    type: "channel.delivering",
    event: "channel.delivering",
    severity: "info",
    when: "a channel that gave alerts up takes one again",
    resolves: ["channel.undelivered"],
  },
  {
    type: "reminder",
    severity: "warning",
    when: "an incident, a down region or an unconfirmed one is still open after `alerts.reminderMinutes` (and every interval after); carries the severity of what it reminds of",
  },
  {
    type: "alert.test",
    severity: "info",
    when: "`tandem alerts test CHANNEL` (or POST /api/alerts/{channel}/test)",
  },
];

export const infoOf = (type: AlertType): AlertTypeInfo => ALERT_TYPES.find((t) => t.type === type)!;

/** A region as an alert shows it: its verdict and the evidence behind it. */
export interface AlertRegion {
  readonly name: string;
  readonly verdict: Verdict;
  readonly reason: string;
  /** Each outside observer's view, and the inside one's. */
  readonly observers?: readonly { readonly observer: string; readonly view: string }[];
  readonly witness?: string;
}

export interface AlertStep {
  readonly step: string;
  readonly at: number;
  readonly note: string;
}

export interface Alert {
  /** The same for every derivation of one occurrence: the outbox row, the webhook-id. */
  readonly key: string;
  /**
   * The id of the event it was derived from (ADR 26); absent on a reminder (derived from time
   * passing over an open matter) and a channel test.
   */
  readonly event?: string;
  readonly type: AlertType;
  readonly severity: Severity;
  /** When it happened, on the clock of the process that saw it. */
  readonly at: number;
  readonly observer: string;
  readonly epoch?: number;
  /** What it is about, shared with the alert that resolves it (PagerDuty's dedup_key). */
  readonly subject: string;
  readonly group?: string;
  readonly region?: string;
  readonly incident?: string;
  /** One line. */
  readonly title: string;
  /** What happened, in a sentence or two. */
  readonly summary: string;
  /** What Tandem did or will do. */
  readonly action?: string;
  readonly regions?: readonly AlertRegion[];
  /** The incident's steps so far, oldest first. */
  readonly steps?: readonly AlertStep[];
  /** Steps left out of `steps` (kept short for storage), between the first and the rest. */
  readonly stepsOmitted?: number;
  /** This message ends what an earlier one opened. */
  readonly resolves?: {
    readonly type: AlertType;
    readonly title: string;
    readonly severity: Severity;
    readonly at?: number;
  };
  /** A reminder: what of, how many so far, open for how long. */
  readonly reminder?: {
    readonly of: AlertType;
    readonly count: number;
    readonly openForMs: number;
  };
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** Who is telling: the observer and, from the lease holder, the epoch. */
export interface AlertOrigin {
  readonly observer: string;
  readonly epoch?: number;
  readonly at: number;
}

const origin = (o: AlertOrigin) => ({
  observer: o.observer,
  at: o.at,
  ...(o.epoch === undefined ? {} : { epoch: o.epoch }),
});

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

// --- regions -------------------------------------------------------------------------------

/** The regions of a group as alerts show them: kept verdicts where there are, else the evidence. */
export function alertRegions(
  evidence: readonly RegionEvidence[],
  kept: Readonly<Record<string, RegionState>>,
): AlertRegion[] {
  return evidence.map((e) => {
    const state = kept[e.region];
    const observers = [
      ...e.outside.map((v) => ({ observer: v.observer, view: v.view })),
      ...e.blocking.map((observer) => ({ observer, view: "no current view" })),
      ...(e.inside
        ? [
            {
              observer: `${e.inside.observer} (inside)`,
              view: e.inside.silent ? "silent" : e.inside.view,
            },
          ]
        : []),
    ];
    return {
      name: e.region,
      verdict: state?.verdict ?? e.verdict,
      reason: state?.reason ?? e.reason,
      ...(observers.length > 0 ? { observers } : {}),
      witness: e.witness,
    };
  });
}

const regionSubject = (group: string, region: string) => `region:${group}/${region}`;

/** What every alert about a region carries. */
const regionBase = (
  group: string,
  region: string,
  regions: readonly AlertRegion[],
  from: AlertOrigin,
  details: Readonly<Record<string, string>>,
) => ({ ...origin(from), subject: regionSubject(group, region), group, region, regions, details });

/** The alerts of the kept verdicts that changed between two versions of a group's row. */
export function verdictAlerts(
  group: string,
  previous: Readonly<Record<string, RegionState>>,
  next: Readonly<Record<string, RegionState>>,
  regions: readonly AlertRegion[],
  from: AlertOrigin,
): Alert[] {
  const out: Alert[] = [];
  for (const [region, state] of Object.entries(next)) {
    const before = previous[region]?.verdict;
    const to = state.verdict;
    // Said after the verdict's own alert (a region suspect, then unconfirmed).
    const blind = unconfirmedAlert(group, region, previous[region], state, regions, from);
    if (before === to) {
      if (blind) out.push(blind);
      continue;
    }
    const wasBlind = previous[region]?.unconfirmedSince !== undefined;
    const base = regionBase(group, region, regions, from, {
      verdict: to,
      ...(before ? { previous: before } : {}),
    });
    const key = (what: string) => `${regionSubject(group, region)}|${what}|${state.since}`;
    if (to === "down")
      out.push({
        ...base,
        key: key("down"),
        type: "region.down",
        severity: "critical",
        title: `${group}: ${region} is down`,
        summary: state.reason,
        action: `Tandem keeps ${region} down and runs ${group}'s failover runbook if the group has a traffic lever and a healthy region to move to.`,
      });
    else if (to === "suspect")
      out.push({
        ...base,
        key: key("suspect"),
        type: "region.suspect",
        severity: "warning",
        title: `${group}: ${region} is suspect`,
        summary: state.reason,
        action: "Tandem watches; it acts only once every outside observer agrees it is down.",
      });
    else if (to === "split-view")
      out.push({
        ...base,
        key: key("split-view"),
        type: "region.split-view",
        severity: "error",
        title: `${group}: observers disagree about ${region}`,
        summary: state.reason,
        action: "Tandem does not act on a split view: check the observers and the region.",
      });
    else if (to === "healthy" && (before === "down" || before === "recovering"))
      out.push({
        ...base,
        key: key("recovered"),
        type: "region.recovered",
        severity: "info",
        title: `${group}: ${region} has recovered`,
        summary: state.reason,
        resolves: {
          type: "region.down",
          title: `${group}: ${region} is down`,
          severity: "critical",
        },
      });
    else if (to === "healthy" && (before === "split-view" || before === "suspect"))
      out.push({
        ...base,
        key: key("cleared"),
        type: "region.cleared",
        severity: "info",
        title: `${group}: ${region} is healthy again`,
        summary: state.reason,
        resolves:
          before === "split-view"
            ? {
                type: "region.split-view",
                title: `${group}: observers disagree about ${region}`,
                severity: "error",
              }
            : wasBlind
              ? {
                  type: "region.unconfirmed",
                  title: unconfirmedTitle(group, region),
                  severity: "error",
                }
              : {
                  type: "region.suspect",
                  title: `${group}: ${region} is suspect`,
                  severity: "warning",
                },
      });
    if (blind) out.push(blind);
  }
  return out;
}

const unconfirmedTitle = (group: string, region: string) =>
  `${group}: ${region} may be down, and no outside observer can confirm it`;

/**
 * A down verdict blocked because no outside observer can confirm it (said once while it stands),
 * or its end while the region is still neither down nor healthy (a down region or a healthy one
 * is told by its own alert, which ends it).
 */
function unconfirmedAlert(
  group: string,
  region: string,
  before: RegionState | undefined,
  after: RegionState,
  regions: readonly AlertRegion[],
  from: AlertOrigin,
): Alert | undefined {
  const was = before?.unconfirmedSince;
  const is = after.unconfirmedSince;
  if (was === is) return undefined;
  const base = regionBase(group, region, regions, from, { verdict: after.verdict });
  if (is !== undefined) {
    const inside = regions
      .find((r) => r.name === region)
      ?.observers?.find((o) => o.observer.endsWith("(inside)"));
    return {
      ...base,
      key: `${regionSubject(group, region)}|unconfirmed|${is}`,
      type: "region.unconfirmed",
      severity: "error",
      title: unconfirmedTitle(group, region),
      summary: after.reason,
      action: `Tandem does not fail over on the word of the observer inside ${region} alone (it may be the one cut off): down needs an outside observer, and none has a view (each is stale, impaired, or not configured). A person should look: check ${region}${inside ? ` and what ${inside.observer.replace(" (inside)", "")} sees` : ""}, bring an outside observer back, or fail over by hand (\`tandem failover\`).`,
    };
  }
  const toldElsewhere =
    after.verdict === "down" ||
    after.verdict === "split-view" ||
    (after.verdict === "healthy" && before?.verdict === "suspect");
  if (toldElsewhere) return undefined;
  return {
    ...base,
    key: `${regionSubject(group, region)}|confirmable|${was}`,
    type: "region.confirmable",
    severity: "info",
    title: `${group}: an outside observer sees ${region} again`,
    summary: after.reason,
    action: "Tandem decides on the outside observers' word again.",
    resolves: {
      type: "region.unconfirmed",
      title: unconfirmedTitle(group, region),
      severity: "error",
    },
  };
}

// --- incidents -----------------------------------------------------------------------------

function phaseOf(incident: Incident, i: number): Phase | undefined {
  const line = incident.history[i]!;
  // An incident opened to pre-warm a standby on suspicion only: no failover is known yet.
  if (i === 0) return line.step === "prewarming" ? "prewarming" : "detected";
  if (TERMINAL.has(line.step)) return line.step as "completed" | "failed" | "aborted";
  // The first failed lever change of the incident, and only the first: people hear once that it
  // is retrying, then how it ended.
  if (line.attempt !== undefined)
    return incident.history.slice(0, i).some((h) => h.attempt !== undefined)
      ? undefined
      : "retrying";
  const previous = incident.history[i - 1]!.step;
  if (line.step === previous) return undefined; // a note within a step
  return line.step === "confirmed" ? "started" : "step";
}

const incidentSubject = (i: Incident) => `incident:${i.group}/${i.id}`;

function incidentTitle(i: Incident, phase: Phase, line: Incident["history"][number]): string {
  // A practice says so in every title: people must know at a glance that it is not an outage.
  const practice = i.trigger === "practice" ? "practice (not an outage) " : "";
  const what = `${practice}${i.kind}${i.from ? ` from ${i.from}` : ""} to ${i.to}`;
  switch (phase) {
    case "prewarming":
      return `${i.group}: ${i.from} is suspect: pre-warming ${i.to} (no failover yet)`;
    case "detected":
      return i.trigger !== "automatic"
        ? `${i.group}: ${what} requested${i.requestedBy ? ` by ${i.requestedBy}` : ""}`
        : `${i.group}: ${what} detected`;
    case "started":
      return `${i.group}: ${what} started`;
    case "step":
      return `${i.group}: ${what}: ${line.step}`;
    case "retrying":
      return `${i.group}: ${what} is failing at ${line.step}: retrying`;
    case "completed":
      return `${i.group}: ${what} completed in ${duration(line.at - i.openedAt)}`;
    case "failed":
      return `${i.group}: ${what} FAILED`;
    case "aborted":
      return `${i.group}: ${what} aborted`;
  }
}

function plan(i: Incident): string {
  const shift =
    i.shift.kind === "promote"
      ? `make ${i.shift.region} the first choice`
      : `${i.shift.kind === "disable" ? "take" : "put"} ${i.shift.region} ${i.shift.kind === "disable" ? "out of" : "back in"} rotation`;
  const wake = i.wake
    ? `${i.wake.start ? `start ${i.wake.region}'s cluster, ` : ""}scale ${i.wake.region}'s node pools, wait until it serves, then `
    : "";
  return `${wake}${shift} on the traffic lever, and verify through the global entry point`;
}

function incidentAction(i: Incident, phase: Phase): string {
  switch (phase) {
    case "prewarming":
      return `Tandem starts ${i.to}'s cluster now, so that a failover is quicker if ${i.from} is confirmed down; it fails over only once every outside observer agrees. The cluster is stopped again if the suspicion clears.`;
    case "detected":
    case "started":
    case "step":
      return `Tandem will ${plan(i)}.`;
    case "retrying":
      return "Tandem tries the change again with backoff (honouring Retry-After) until the step's timeout, which does not count the time Azure Resource Manager takes to answer. The next alert says whether the incident completed or was given up.";
    case "completed":
      return i.kind === "failover"
        ? `Traffic goes to ${i.to} now. ${i.from ?? "The lost region"} gets it back after it has been healthy for the dwell time (automatic failback), or when a person fails back.`
        : `Traffic is back on ${i.to}.`;
    case "failed":
      return "Routing was left as it was. A person should look at the incident and the lever.";
    case "aborted":
      return "Nothing more is done for this incident.";
  }
}

const typeOf = (i: Incident, phase: Phase): AlertType =>
  phase === "prewarming" ? "failover.prewarming" : `${i.kind}.${phase}`;

/** A practice is told at most as a warning (it is not an outage), unless it fails: that needs a person. */
const phaseSeverity = (i: Incident, phase: Phase): Severity => {
  const severity = infoOf(typeOf(i, phase)).severity;
  const calm = i.trigger === "practice" && phase !== "failed" && severity === "critical";
  return calm ? "warning" : severity;
};

/**
 * What an incident's end resolves: the alert that opened it, or, for a pre-warm that became a
 * failover, the start of the failover (the alert that paged).
 */
function opening(i: Incident): { phase: Phase; line: Incident["history"][number] } | undefined {
  const first = i.history[0];
  if (!first) return undefined;
  if (first.step !== "prewarming") return { phase: "detected", line: first };
  const confirmed = i.history.find((h) => h.step === "confirmed");
  return confirmed ? { phase: "started", line: confirmed } : { phase: "prewarming", line: first };
}

/**
 * The alerts of the history lines an incident gained between two versions of it; `eventOf` names
 * the event of a history line (by its index), which the alert carries.
 */
export function incidentAlerts(
  before: Incident | undefined,
  after: Incident,
  regions: readonly AlertRegion[] | undefined,
  from: AlertOrigin,
  eventOf: (line: number) => string | undefined = () => undefined,
): Alert[] {
  const out: Alert[] = [];
  const steps = after.history.map((h) => ({ step: h.step, at: h.at, note: h.note }));
  const opened = opening(after);
  for (let i = before?.history.length ?? 0; i < after.history.length; i++) {
    const phase = phaseOf(after, i);
    if (!phase) continue;
    const line = after.history[i]!;
    const type = typeOf(after, phase);
    const resolves =
      (phase === "completed" || phase === "aborted") && opened
        ? {
            type: typeOf(after, opened.phase),
            title: incidentTitle(after, opened.phase, opened.line),
            severity: phaseSeverity(after, opened.phase),
            at: opened.line.at,
          }
        : undefined;
    const event = eventOf(i);
    out.push({
      ...origin({ ...from, at: line.at }),
      key: `${incidentSubject(after)}|${phase}|${i}`,
      ...(event === undefined ? {} : { event }),
      type,
      severity: phaseSeverity(after, phase),
      subject: incidentSubject(after),
      group: after.group,
      ...(after.from ? { region: after.from } : {}),
      incident: after.id,
      title: incidentTitle(after, phase, line),
      summary: `${line.note}${phase === "detected" || phase === "prewarming" ? ` (${after.reason})` : ""}`,
      action: incidentAction(after, phase),
      ...(regions ? { regions } : {}),
      steps: steps.slice(0, i + 1),
      ...(resolves ? { resolves } : {}),
      details: {
        kind: after.kind,
        trigger: after.trigger,
        step: line.step,
        to: after.to,
        ...(after.from ? { from: after.from } : {}),
        ...(after.requestedBy ? { requestedBy: after.requestedBy } : {}),
        elapsed: duration(line.at - after.openedAt),
      },
    });
  }
  return out;
}

// --- reminders -----------------------------------------------------------------------------

/**
 * What is still open and may need a reminder: a down region, a region whose down verdict no
 * outside observer can confirm, or an open incident.
 */
export interface OpenMatter {
  readonly subject: string;
  readonly of: AlertType;
  readonly severity: Severity;
  /** When it opened, on the clock of whoever recorded it (a reminder tolerates skew). */
  readonly since: number;
  readonly group: string;
  readonly region?: string;
  readonly incident?: string;
  readonly title: string;
  readonly summary: string;
  readonly regions?: readonly AlertRegion[];
  readonly steps?: readonly AlertStep[];
}

export function downRegions(
  group: string,
  kept: Readonly<Record<string, RegionState>>,
  regions: readonly AlertRegion[],
): OpenMatter[] {
  // Counted from when it first went down, whichever holder recorded it: a takeover does not
  // restart the count (and the reminders' keys stay the same, so none is written twice).
  return Object.entries(kept)
    .filter(([, s]) => s.verdict === "down" && !s.quiet)
    .map(([region, s]) => ({
      subject: `${regionSubject(group, region)}|${s.firstSince ?? s.since}`,
      of: "region.down",
      severity: "critical",
      since: s.firstSince ?? s.since,
      group,
      region,
      title: `${group}: ${region} is still down`,
      summary: s.reason,
      regions,
    }));
}

/**
 * The regions that only the observer inside sees failing with no outside observer to confirm it:
 * a person should look, and is reminded as of a down region. Counted from `unconfirmedSince`,
 * which is kept across lease holders like a down region's `firstSince`.
 */
export function unconfirmedRegions(
  group: string,
  kept: Readonly<Record<string, RegionState>>,
  regions: readonly AlertRegion[],
): OpenMatter[] {
  return Object.entries(kept).flatMap(([region, s]) =>
    s.unconfirmedSince === undefined || s.quiet
      ? []
      : [
          {
            subject: `${regionSubject(group, region)}|unconfirmed|${s.unconfirmedSince}`,
            of: "region.unconfirmed" as const,
            severity: infoOf("region.unconfirmed").severity,
            since: s.unconfirmedSince,
            group,
            region,
            title: `${group}: ${region} may still be down, and no outside observer can confirm it`,
            summary: s.reason,
            regions,
          },
        ],
  );
}

export function openIncident(
  incident: Incident,
  regions: readonly AlertRegion[] | undefined,
): OpenMatter {
  const last = incident.history.at(-1);
  // Still pre-warming on suspicion: reminded of as what it is, not as a failover.
  const of: AlertType =
    incident.step === "prewarming" ? "failover.prewarming" : `${incident.kind}.detected`;
  return {
    subject: incidentSubject(incident),
    of,
    severity: infoOf(of).severity,
    since: incident.openedAt,
    group: incident.group,
    incident: incident.id,
    title: `${incident.group}: ${incident.kind} to ${incident.to} still open, at ${incident.step}`,
    summary: last?.note ?? incident.reason,
    ...(regions ? { regions } : {}),
    steps: incident.history.map((h) => ({ step: h.step, at: h.at, note: h.note })),
  };
}

/** The reminder due for an open matter now, if any: the n-th after n intervals. */
export function reminderDue(
  matter: OpenMatter,
  now: number,
  intervalMs: number,
  from: AlertOrigin,
): Alert | undefined {
  if (intervalMs <= 0) return undefined;
  const count = Math.floor((now - matter.since) / intervalMs);
  if (count < 1) return undefined;
  const openForMs = now - matter.since;
  return {
    ...origin(from),
    key: `${matter.subject}|reminder|${count}`,
    type: "reminder",
    severity: matter.severity,
    subject: matter.subject.split("|")[0]!,
    group: matter.group,
    ...(matter.region ? { region: matter.region } : {}),
    ...(matter.incident ? { incident: matter.incident } : {}),
    title: `Reminder: ${matter.title} (open ${duration(openForMs)})`,
    summary: matter.summary,
    ...(matter.regions ? { regions: matter.regions } : {}),
    ...(matter.steps ? { steps: matter.steps } : {}),
    reminder: { of: matter.of, count, openForMs },
  };
}

// --- storage -------------------------------------------------------------------------------

/** Table Storage holds 64 KiB per string property: 32K UTF-16 characters. Some room is kept. */
const STORED_CHARS = 30_000;
const STORAGE_LEVELS = [
  { text: 2000, steps: 40, note: 300, regions: 12, reason: 400 },
  { text: 1000, steps: 20, note: 200, regions: 8, reason: 200 },
  { text: 300, steps: 6, note: 100, regions: 4, reason: 100 },
] as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function bounded(alert: Alert, level: (typeof STORAGE_LEVELS)[number]): Alert {
  const steps = alert.steps ?? [];
  const keep = steps.length > level.steps ? [steps[0]!, ...steps.slice(-(level.steps - 1))] : steps;
  const omitted = steps.length - keep.length + (alert.stepsOmitted ?? 0);
  return {
    ...alert,
    title: cut(alert.title, 300),
    summary: cut(alert.summary, level.text),
    ...(alert.action === undefined ? {} : { action: cut(alert.action, level.text) }),
    ...(alert.regions
      ? {
          regions: alert.regions.slice(0, level.regions).map((r) => ({
            ...r,
            reason: cut(r.reason, level.reason),
            ...(r.observers ? { observers: r.observers.slice(0, 10) } : {}),
          })),
        }
      : {}),
    ...(alert.steps ? { steps: keep.map((s) => ({ ...s, note: cut(s.note, level.note) })) } : {}),
    ...(omitted > 0 ? { stepsOmitted: omitted } : {}),
  };
}

/**
 * An alert small enough for one outbox row: long texts cut, and of a long history the first step
 * and the latest ones kept, saying how many were left out. The renderers fit what they get to
 * their own limits.
 */
export function boundForStorage(alert: Alert): Alert {
  let out = alert;
  for (const level of STORAGE_LEVELS) {
    out = bounded(alert, level);
    if (JSON.stringify(out).length <= STORED_CHARS) return out;
  }
  const { regions: _regions, steps: _steps, details: _details, ...bare } = out;
  return { ...bare, stepsOmitted: (alert.steps?.length ?? 0) + (alert.stepsOmitted ?? 0) };
}

// --- filters -------------------------------------------------------------------------------

export interface ChannelFilter {
  readonly minSeverity: Severity;
  /** Alert types, or `prefix.*`; undefined: every type but `region.suspect`. */
  readonly events?: readonly string[];
  /** Group names; undefined: every group (alerts about no group always pass). */
  readonly groups?: readonly string[];
}

/** A former name (`formerly`) of an alert type stands for the type, for one release. */
const current = (pattern: string) =>
  ALERT_TYPES.find((t) => t.formerly === pattern)?.type ?? pattern;

const typeMatches = (patterns: readonly string[], type: string) =>
  patterns
    .map(current)
    .some((p) => p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))));

/**
 * Whether a channel wants an alert. A resolving message follows what it resolves (a channel that
 * got "down" gets "recovered", whatever its minimum severity); a reminder follows what it
 * reminds of, and `reminder` must be among the channel's types.
 */
export function passes(filter: ChannelFilter, alert: Alert): boolean {
  if (alert.type === "alert.test") return true;
  if (alert.group !== undefined && filter.groups && !filter.groups.includes(alert.group))
    return false;
  const wanted = (type: AlertType) =>
    filter.events ? typeMatches(filter.events, type) : type !== "region.suspect";
  if (alert.reminder && !wanted("reminder")) return false;
  const typeOk = alert.resolves
    ? wanted(alert.resolves.type) || wanted(alert.type)
    : wanted(alert.reminder?.of ?? alert.type);
  const severity = alert.resolves?.severity ?? alert.severity;
  return typeOk && severityRank(severity) >= severityRank(filter.minSeverity);
}

/** Whether an alert pattern (`type` or `prefix.*`) names at least one alert type. */
export const isAlertPattern = (pattern: string) =>
  ALERT_TYPES.some((t) => typeMatches([pattern], t.type));
