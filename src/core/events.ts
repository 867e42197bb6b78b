// What happened, as typed data: the use cases emit these through the Events port, and the console
// log, the sandbox's output, alerts and telemetry subscribe. Each event carries the ids that tie
// it to the rest (observer, group, region, incident, epoch, and the tick or request it came
// from), so one query or one alert can follow a failover from the first failed probe to the end.
import type { IncidentKind, Step, Trigger } from "./incident.js";
import type { ProbeError, ProbePhases } from "./observation.js";
import type { SafetyRule } from "./runbook.js";
import type { Verdict } from "./verdict.js";

/** Where an event came from: which observer process, and in which tick or request. */
export interface EventOrigin {
  /**
   * This occurrence's id, unique across processes (`instance/seq`): the alert, the audit row and
   * the telemetry record derived from it carry it, so each traces back to this one event.
   */
  readonly id: string;
  /** The observer region of the process that emitted it. */
  readonly observer: string;
  /** The process's instance id (several processes may run as one observer). */
  readonly instance: string;
  /** When, on the emitter's clock. */
  readonly at: number;
  /** `instance:seq` of the probe or orchestrate tick, or the request id of an API call. */
  readonly operation: string;
  /** The lease epoch in force when it was emitted by the lease holder (or read by a command). */
  readonly epoch?: number;
}

/**
 * Where an operator's request came from, for its audit row alone (ADR 26): the address is personal
 * data, and the caller's own say unless the platform's front end set `client-ip`
 * (app/api/client-address.ts). Telemetry, alerts and the log leave it out.
 */
export interface RequestClient {
  /** How the caller was authenticated. */
  readonly via: string;
  /** The client address as the platform states it. */
  readonly address?: string;
  /** The whole X-Forwarded-For chain, when it says more than the address. */
  readonly forwarded?: string;
}

export type EventBody =
  | {
      readonly type: "probe.outcome";
      readonly group: string;
      /** A region name, or ENTRY_POINT for the global entry point. */
      readonly target: string;
      readonly ok: boolean;
      readonly latencyMs: number;
      readonly statusCode?: number;
      readonly error?: ProbeError;
      readonly phases?: ProbePhases;
      readonly consecutiveFailures: number;
      /** Passes in a row, this one included (0 on a failure); kept in the store across restarts. */
      readonly consecutiveSuccesses: number;
      /** Length of the failure run the current success run follows (0 when it follows none). */
      readonly failuresBefore: number;
      /** Quick re-probes that confirmed the outcome. */
      readonly confirmations: number;
    }
  | {
      readonly type: "verdict.changed";
      readonly group: string;
      readonly region: string;
      /** Undefined the first time a verdict is kept for the region. */
      readonly from?: Verdict;
      readonly to: Verdict;
      readonly reason: string;
    }
  | {
      /** The observers disagree about a region: Tandem does not act on it. */
      readonly type: "split-view";
      readonly group: string;
      readonly region: string;
      readonly reason: string;
    }
  | {
      readonly type: "incident.opened" | "incident.step" | "incident.closed";
      readonly group: string;
      readonly incident: string;
      readonly kind: IncidentKind;
      readonly trigger: Trigger;
      readonly from?: string;
      readonly to: string;
      readonly step: Step;
      /** The step before this history line (absent when the incident opened). */
      readonly previous?: Step;
      readonly note: string;
      /** From opening to this line. */
      readonly elapsedMs: number;
      readonly requestedBy?: string;
    }
  | {
      /**
       * Only the observer inside a region sees it failing and no outside observer can confirm it
       * (a down verdict is blocked), or an outside observer sees it again. `since` is when it
       * became unconfirmed, kept across lease holders.
       */
      readonly type: "region.unconfirmed" | "region.confirmable";
      readonly group: string;
      readonly region: string;
      readonly verdict: Verdict;
      readonly reason: string;
      readonly since: number;
    }
  | {
      /**
       * A fenced step of the lease holder: its intent (`started`, written before it runs: no step
       * without a record), and how it ended. `refused`: it never ran (no lease, stale epoch).
       */
      readonly type: "action.started" | "action.done" | "action.failed" | "action.refused";
      /** The step, e.g. `record-verdicts`, `incident shifting-traffic`, `promote northeurope`. */
      readonly name: string;
      readonly group?: string;
      readonly incident?: string;
      /** Why it was refused or failed. */
      readonly reason?: string;
      /** The lease holder id (observer and process) that attempted it. */
      readonly actor: string;
    }
  | {
      /** A lever was asked to change: a traffic shift or a cluster operation. */
      readonly type: "lever.changed";
      readonly group: string;
      readonly region: string;
      readonly lever: "traffic" | "cluster" | "data";
      /** What was asked, e.g. `promote northeurope`, `start-cluster northeurope`. */
      readonly change: string;
      readonly incident?: string;
      readonly outcome: "done" | "failed" | "refused";
      readonly error?: string;
    }
  | {
      /**
       * The runbook asked a data store to make a region its primary: once per store per incident
       * (the incident records the ask, so a later holder waits for it rather than asking again),
       * and again only after Azure refused the ask for sure.
       */
      readonly type: "data.failover-asked";
      readonly group: string;
      readonly incident: string;
      readonly store: string;
      readonly region: string;
      /** `planned` (no data loss) or `forced` (the store allows data loss; its primary is lost). */
      readonly mode: "planned" | "forced";
      /** When the ask was recorded: each ask of a store in an incident is an alert of its own. */
      readonly askedAt?: number;
    }
  | {
      /**
       * `data.refused`: the data step did not move a store: why, and what a person can run by
       * hand. `data.stranded`: an incident ended (failed or aborted) after it asked a store to
       * move: the store's primary may be in `region` while the failover did not complete; says
       * what to run to move it back.
       */
      readonly type: "data.refused" | "data.stranded";
      readonly group: string;
      readonly incident: string;
      readonly store: string;
      readonly region: string;
      readonly reason: string;
    }
  | {
      /** A safety rule held an automatic action back. */
      readonly type: "automation.refused";
      readonly group: string;
      readonly rule: SafetyRule;
      readonly reason: string;
      /**
       * What the refusal stands on, the same for every holder that sees it (for the failover cap:
       * the latest failover it counts), so that a standing refusal is alerted once.
       */
      readonly anchor?: string;
    }
  | {
      /**
       * An operator's command about to write its change (its intent: on record first, or it
       * does not happen), or one whose change could not be written after it started.
       */
      readonly type: "command.started" | "command.failed";
      readonly command: string;
      readonly group?: string;
      readonly by: string;
      /** Started: the reason given. Failed: why it failed. */
      readonly reason: string;
      readonly incident?: string;
      readonly client?: RequestClient;
    }
  | {
      readonly type: "command.accepted";
      readonly command: string;
      readonly group?: string;
      readonly by: string;
      readonly reason: string;
      readonly incident?: string;
      readonly dryRun: boolean;
      readonly client?: RequestClient;
      /** What it came to, for its audit row (a plan's outcome, the pause before and after). */
      readonly detail?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: "command.refused";
      readonly command: string;
      readonly group?: string;
      readonly by: string;
      /** Why, in one sentence. */
      readonly reason: string;
      /** The safety rule, when one refused it. */
      readonly rule?: SafetyRule;
      /** The HTTP status the caller got. */
      readonly status: number;
      readonly dryRun?: boolean;
      readonly client?: RequestClient;
      /** The command as asked, for its audit row. */
      readonly detail?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: "automation.paused" | "automation.resumed";
      /** Undefined: every group. */
      readonly group?: string;
      readonly by: string;
      readonly reason: string;
    }
  | {
      readonly type: "lease.acquired";
      readonly holder: string;
      readonly epoch: number;
      /** The holder before, when this process took over from another. */
      readonly previous?: string;
    }
  | {
      readonly type: "lease.lost";
      readonly holder: string;
      readonly epoch: number;
      readonly reason: string;
    }
  | {
      readonly type: "observer.stale" | "observer.live";
      readonly peer: string;
      /** The tick (`instance:seq`) of the heartbeat that stopped changing: the same for every observer. */
      readonly heartbeat?: string;
    }
  | {
      /**
       * An alert channel's receiver answered 404 or 410 and Tandem stopped sending to it, or it
       * was enabled again (`why`: its URL changed, or its test passed).
       */
      readonly type: "channel.disabled" | "channel.enabled";
      readonly channel: string;
      readonly kind: string;
      /** scheme://host of its receiver. */
      readonly target: string;
      /** Disabled: the receiver's answer. Enabled: why. */
      readonly reason: string;
      /** Enabled: when it had been disabled (the pair's anchor). */
      readonly disabledAt?: number;
    }
  | {
      /**
       * A channel did not take an alert within the alert's delivery window: it is given up there.
       * `since`: the first give-up of the streak, which lasts until the channel delivers again.
       */
      readonly type: "channel.undelivered";
      readonly channel: string;
      readonly kind: string;
      readonly target: string;
      /** The type and key of the alert given up. */
      readonly alert: string;
      readonly key: string;
      readonly reason: string;
      readonly windowMs: number;
      readonly since: number;
    }
  | {
      /** A channel that gave alerts up since `since` took one again. */
      readonly type: "channel.delivering";
      readonly channel: string;
      readonly kind: string;
      readonly target: string;
      readonly since: number;
      /** Alerts given up on it in all. */
      readonly givenUp: number;
    }
  | { readonly type: "store.unreachable"; readonly message: string }
  | { readonly type: "store.reachable" }
  | {
      readonly type: "certificate.expiring";
      readonly group: string;
      readonly target: string;
      readonly daysLeft: number;
      readonly message: string;
    }
  | {
      /** A group's standby could no longer take the traffic, or can again (docs/readiness.md). */
      readonly type: "readiness.lost" | "readiness.regained";
      readonly group: string;
      /** The checks that are not ready (none when regained). */
      readonly checks: readonly string[];
      /** The readiness line for people: "ready", or what is not. */
      readonly summary: string;
      /** When the run that saw it ran (the holder's clock). */
      readonly since: number;
    };

export type TandemEvent = EventOrigin & EventBody;
/** An event of one type. */
export type EventOf<T extends EventType> = TandemEvent & { readonly type: T };
export type EventType = TandemEvent["type"];

/** Every event type, for documentation and for subscribers that filter by type. */
export const EVENT_TYPES: readonly EventType[] = [
  "probe.outcome",
  "verdict.changed",
  "split-view",
  "region.unconfirmed",
  "region.confirmable",
  "incident.opened",
  "incident.step",
  "incident.closed",
  "action.started",
  "action.done",
  "action.failed",
  "action.refused",
  "lever.changed",
  "data.failover-asked",
  "data.refused",
  "data.stranded",
  "automation.refused",
  "command.started",
  "command.accepted",
  "command.refused",
  "command.failed",
  "automation.paused",
  "automation.resumed",
  "lease.acquired",
  "lease.lost",
  "observer.stale",
  "observer.live",
  "channel.disabled",
  "channel.enabled",
  "channel.undelivered",
  "channel.delivering",
  "store.unreachable",
  "store.reachable",
  "certificate.expiring",
  "readiness.lost",
  "readiness.regained",
];
