// An incident: one failover, failback or pre-warm, persisted as one row and advanced one
// idempotent step at a time by whichever process holds the lease. Pure data and transitions.

export type IncidentKind = "failover" | "failback";
/** Who opened it: the verdicts, a person, or the practice schedule (a real failover, not an outage). */
export type Trigger = "automatic" | "manual" | "practice";

export type Step =
  | "detected"
  | "prewarming"
  | "confirmed"
  | "waking"
  | "waiting-ready"
  | "moving-data"
  | "shifting-traffic"
  | "verifying"
  | "completed"
  | "failed"
  | "aborted";

export const TERMINAL: ReadonlySet<Step> = new Set(["completed", "failed", "aborted"]);

/** What the incident does to the traffic lever when it shifts traffic. */
export type Shift =
  | { readonly kind: "promote"; readonly region: string }
  | { readonly kind: "disable"; readonly region: string }
  | { readonly kind: "enable"; readonly region: string };

export interface HistoryEntry {
  readonly step: Step;
  readonly at: number;
  readonly epoch: number;
  readonly note: string;
  /** Set on the line that says a lever change failed and will be tried again: its number. */
  readonly attempt?: number;
  /**
   * Set on such a line when the store (or the lever's check of it) refused a data failover, not
   * something that may pass on its own: the step counts these per store (DATA_ASKS_MAX).
   */
  readonly refused?: true;
}

export interface Incident {
  readonly id: string;
  readonly group: string;
  readonly kind: IncidentKind;
  readonly trigger: Trigger;
  /** The region traffic leaves (failover) or the one restored (failback), for people. */
  readonly from?: string;
  /** The region traffic goes to, or is re-enabled. */
  readonly to: string;
  readonly shift: Shift;
  /** Wake this region's cluster first (passive-cold), and scale it (passive-cold, active-passive). */
  readonly wake?: { readonly region: string; readonly start: boolean };
  readonly step: Step;
  readonly stepStartedAt: number;
  readonly openedAt: number;
  readonly closedAt?: number;
  /** Who asked (manual) and why. */
  readonly requestedBy?: string;
  /** The idempotency key of the request that opened it (manual), so a retried request finds it. */
  readonly requestKey?: string;
  /** What that request asked (a hash of command, group and body): the key's other uses must match. */
  readonly requestHash?: string;
  readonly reason: string;
  /** Break-glass: manual only; skips the target-health rule, audited. */
  readonly override?: boolean;
  /** This incident started the cluster (so an abort may stop it again). */
  readonly startedCluster?: boolean;
  /** When the cluster this incident woke was stopped again (passive-cold, after the dwell time). */
  readonly returnedToColdAt?: number;
  readonly history: readonly HistoryEntry[];
  /**
   * The current step's lever changes that failed (Azure Resource Manager refused or did not
   * answer): the step tries again, with backoff, until its timeout.
   */
  readonly attempts?: number;
  /** No lever change of this step before this time (the backoff after a failed one). */
  readonly retryAt?: number;
  /**
   * How long the current step has waited on Azure Resource Manager (reads and changes in flight),
   * as counted by the lease holders so far: a step's timeout measures its own progress, so this
   * time is not counted against it.
   */
  readonly leverMs?: number;
  /**
   * The backoffs the current step's failed lever changes asked for (each from its failure to its
   * `retryAt`): time Azure Resource Manager called for, so not counted against the step's timeout
   * either. `retryWaitMs` holds the ended ones; the current one runs from `retryFrom`.
   */
  readonly retryWaitMs?: number;
  readonly retryFrom?: number;
  /**
   * The data stores this incident asked to change primary (store name to the ask), once each: a
   * later holder finds the ask here and waits for Azure, never asks again (docs/data.md).
   */
  readonly dataAsked?: Readonly<Record<string, DataAsk>>;
  /**
   * Set when the stored record of asks could not be read back (malformed): every store without a
   * readable ask counts as asked, so the step waits (its timeout pages) rather than ask again.
   */
  readonly dataAskedUnreadable?: true;
  /**
   * Stores whose latest ask is known not to have started (the lever refused it before sending,
   * or Azure answered a 4xx), and when: asked again after the backoff. Cleared by the next ask.
   */
  readonly dataFailed?: Readonly<Record<string, number>>;
  /** Stores the data step did not move, and why, with what a person can run by hand. */
  readonly dataRefused?: Readonly<Record<string, string>>;
}

/** A data store asked to make `region` its primary: planned (no data loss) or forced. */
export interface DataAsk {
  readonly region: string;
  readonly mode: "planned" | "forced";
  readonly at: number;
  readonly epoch: number;
}

export function isOpen(incident: Incident): boolean {
  return !TERMINAL.has(incident.step);
}

/** The incident moved to another step, with a line of history. */
export function moveTo(
  incident: Incident,
  step: Step,
  at: number,
  epoch: number,
  note: string,
): Incident {
  // What was counted for the step just left does not carry over to the next.
  const {
    attempts: _a,
    retryAt: _r,
    leverMs: _l,
    retryWaitMs: _w,
    retryFrom: _f,
    ...rest
  } = incident;
  return {
    ...rest,
    step,
    stepStartedAt: at,
    ...(TERMINAL.has(step) ? { closedAt: at } : {}),
    history: [...incident.history, { step, at, epoch, note }],
  };
}

/** The incident stayed in its step; a note says why (kept short: only when the note changes). */
export function noted(incident: Incident, at: number, epoch: number, note: string): Incident {
  const last = incident.history.at(-1);
  if (last?.step === incident.step && last.note === note) return incident;
  return { ...incident, history: [...incident.history, { step: incident.step, at, epoch, note }] };
}
