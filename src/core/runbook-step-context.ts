// What every step of an open incident decides with: the incident as it stands, the world, the
// policy, and the few ways a step can end (move on, stay, fail, time out). Pure.
import type { Incident, Step } from "./incident.js";
import { moveTo, noted } from "./incident.js";
import type {
  Effect,
  Refusal,
  RunbookGroup,
  RunbookPolicy,
  RunbookResult,
  Situation,
} from "./runbook.js";
import { LEVER_ALLOWANCE_MS, LEVER_CEILING } from "./runbook-retry.js";

export interface StepContext {
  readonly group: RunbookGroup;
  readonly incident: Incident;
  readonly s: Situation;
  readonly policy: RunbookPolicy;
  /** How long the step has run on the wall clock, waits on ARM included. */
  readonly sinceStep: number;
  /** Moves the incident to its next step, with a note and the effects that go with it. */
  step(next: Step, note: string, effects?: Effect[]): RunbookResult;
  /** Keeps the incident at its step, noting why (a note only when it says something new). */
  stay(note: string, effects?: Effect[], refusal?: Refusal): RunbookResult;
  /** Whether the step ran past `limit`, not counting its time on ARM (up to a ceiling). */
  timedOut(limit: number): boolean;
  /** Ends the incident as failed, saying why and how many lever changes failed on the way. */
  failed(why: string): RunbookResult;
}

/** How much of the incident's current backoff has passed by `at`. */
export const waited = (incident: Incident, at: number): number =>
  incident.retryFrom === undefined || incident.retryAt === undefined
    ? 0
    : Math.max(0, Math.min(at, incident.retryAt) - incident.retryFrom);

export function stepContext(
  group: RunbookGroup,
  incident: Incident,
  s: Situation,
  policy: RunbookPolicy,
): StepContext {
  const at = s.now;
  // A step's timeout measures its own progress: time spent waiting on ARM is not counted.
  const elapsed =
    at -
    incident.stepStartedAt -
    (incident.leverMs ?? 0) -
    (incident.retryWaitMs ?? 0) -
    waited(incident, at);
  const sinceStep = at - incident.stepStartedAt;
  const step = (next: Step, note: string, effects: Effect[] = []): RunbookResult => ({
    incident: moveTo(incident, next, at, s.epoch, note),
    opened: false,
    effects,
  });
  const stay = (note: string, effects: Effect[] = [], refusal?: Refusal): RunbookResult => {
    const updated = noted(incident, at, s.epoch, note);
    return {
      ...(updated === incident ? {} : { incident: updated }),
      opened: false,
      effects,
      ...(refusal ? { refusal } : {}),
    };
  };
  // Time on ARM is not counted, up to a ceiling: a step whose calls never end (ARM hanging, reads
  // failing slowly for ever) still ends (see LEVER_CEILING).
  const timedOut = (limit: number) =>
    elapsed > limit || sinceStep > Math.max(limit * LEVER_CEILING, limit + LEVER_ALLOWANCE_MS);
  const tries = incident.attempts ?? 0;
  const failed = (why: string) =>
    step(
      "failed",
      `${why}${tries > 0 ? ` (${tries} lever change${tries === 1 ? "" : "s"} failed)` : ""}; routing left as it was`,
    );
  return { group, incident, s, policy, sinceStep, step, stay, timedOut, failed };
}
