// Advancing an open incident by one step: a failed lever change is counted and retried after a
// backoff, and the step the incident is at decides the rest (one function per step, in
// runbook-wake-steps.ts and runbook-traffic-steps.ts). Pure.
import type { Incident, Step } from "./incident.js";
import type { Refusal, RunbookGroup, RunbookPolicy, RunbookResult, Situation } from "./runbook.js";
import { retryDelayMs } from "./runbook-retry.js";
import { NOTHING } from "./runbook-rules.js";
import type { StepContext } from "./runbook-step-context.js";
import { stepContext, waited } from "./runbook-step-context.js";
import { movingData, towardsTraffic } from "./runbook-data-steps.js";
import { shiftingTraffic, verifying } from "./runbook-traffic-steps.js";
import { prewarming, waitingReady, waking } from "./runbook-wake-steps.js";

/**
 * Advances an open incident, with what its lever changes have done so far: a failed change is
 * counted and tried again after a backoff (honouring Retry-After) within the same incident, until
 * the step's timeout, which counts only the time the step did not spend waiting on Azure
 * Resource Manager. The time waited is kept on the incident, so a takeover continues the count.
 */
export function advance(
  group: RunbookGroup,
  incident: Incident,
  s: Situation,
  policy: RunbookPolicy,
): RunbookResult {
  const leverMs = Math.max(s.leverMs ?? 0, incident.leverMs ?? 0);
  const counted = leverMs > 0 ? { ...incident, leverMs } : incident;
  const failure = s.failure;
  if (failure?.mayHaveStarted) {
    // Not an attempt: no backoff, no count, nothing asked again. The history says what happened,
    // so the incident tells why it waits (the event and the audit log say it too).
    const said: Incident = {
      ...counted,
      history: [
        ...incident.history,
        {
          step: incident.step,
          at: s.now,
          epoch: s.epoch,
          note: `${failure.change} failed: ${failure.error}; it may have reached Azure, so it is not asked again: waiting for ${failure.store ?? "the store"} to change (the data timeout pages a person if it does not)`,
        },
      ],
    };
    return withLine(group, said, incident, s, policy);
  }
  if (failure) {
    const attempts = (incident.attempts ?? 0) + 1;
    const retryAt = failure.at + retryDelayMs(attempts, failure.retryAfterMs);
    const line = {
      step: incident.step,
      at: s.now,
      epoch: s.epoch,
      note: `${failure.change} failed (attempt ${attempts}): ${failure.error}; ${retryAt > s.now ? `trying again in ${Math.ceil((retryAt - s.now) / 1000)} s` : "trying again now"}`,
      attempt: attempts,
      ...(failure.storeRefused ? { refused: true as const } : {}),
    };
    const retrying: Incident = {
      ...counted,
      attempts,
      retryAt,
      // The backoff before this failure ended (or was cut short by it); this one starts now.
      retryWaitMs: (incident.retryWaitMs ?? 0) + waited(incident, failure.at),
      retryFrom: failure.at,
      ...(failure.store === undefined
        ? {}
        : { dataFailed: { ...incident.dataFailed, [failure.store]: failure.at } }),
      history: [...incident.history, line],
    };
    return withLine(group, retrying, incident, s, policy);
  }
  const next = decide(stepContext(group, counted, s, policy));
  const same = next.incident === undefined || next.incident.step === incident.step;
  // A lever change waits out the backoff of the last failed one.
  // (The failed attempt's line already says when; nothing is written while waiting.)
  if (same && next.effects.length > 0 && incident.retryAt !== undefined && s.now < incident.retryAt)
    return { opened: false, effects: [] };
  // (The time waited on ARM rides along on any write of the incident in the same step: `counted`
  // carries it, and a step that moves on starts its own count.)
  return next;
}

/**
 * Decided on the incident as it now stands, a line of what failed added (`recorded`): a timeout
 * here ends it with that line on record. A step that ends or moves on now does so with the line;
 * one that stays keeps just the line (its own note would say it is acting, and it waits instead).
 */
function withLine(
  group: RunbookGroup,
  recorded: Incident,
  before: Incident,
  s: Situation,
  policy: RunbookPolicy,
): RunbookResult {
  const next = decide(stepContext(group, recorded, s, policy));
  if (next.incident !== undefined && next.incident.step !== before.step) return next;
  // A store the step refused on this tick is recorded with it (its page goes with the refusal).
  const refused = next.incident?.dataRefused;
  return {
    opened: false,
    effects: [],
    incident: refused === undefined ? recorded : { ...recorded, dataRefused: refused },
    ...(next.refusal ? { refusal: next.refusal } : {}),
  };
}

/** Each step an open incident can be at, and the function that decides it. */
const STEPS: Partial<Record<Step, (c: StepContext) => RunbookResult>> = {
  detected,
  prewarming,
  confirmed,
  waking,
  "waiting-ready": waitingReady,
  "moving-data": movingData,
  "shifting-traffic": shiftingTraffic,
  verifying,
};

/** The step the incident is at decides; a paused automatic or practice incident only waits or times out. */
function decide(c: StepContext): RunbookResult {
  // A practice waits on a pause as an automatic incident does; only a person's command goes on.
  if (c.s.paused && c.incident.trigger !== "manual") return paused(c);
  const decideStep = Object.hasOwn(STEPS, c.incident.step) ? STEPS[c.incident.step] : undefined;
  return decideStep ? decideStep(c) : NOTHING;
}

/**
 * Paused: an automatic incident takes no further step and sends no effect; it can still time
 * out, so it ends (a pre-warm is aborted without stopping anything, a person decides).
 */
function paused({
  incident,
  policy,
  sinceStep,
  step,
  stay,
  timedOut,
  failed,
}: StepContext): RunbookResult {
  const waits = ["prewarming", "waking", "waiting-ready"].includes(incident.step);
  // The data step has its own, longer bound (a store may take minutes to change its primary).
  const data = incident.step === "moving-data";
  const limit = waits
    ? policy.wakeTimeoutMs
    : data
      ? (policy.dataTimeoutMs ?? policy.stepTimeoutMs)
      : policy.stepTimeoutMs;
  // The data step's bound is on the wall clock, paused or not (docs/data.md).
  if (data ? sinceStep > limit : timedOut(limit))
    return incident.step === "prewarming"
      ? step("aborted", "automation is paused: pre-warming given up")
      : failed(
          `automation is paused and the step did not finish within ${Math.round(limit / 1000)} s`,
        );
  const refusal: Refusal = {
    rule: "automation-paused",
    reason: "automation is paused for this group: the incident waits",
  };
  return stay(refusal.reason, [], refusal);
}

/** An automatic failover is confirmed while its source is still down, and ends if it is not. */
function detected({ incident, s, step }: StepContext): RunbookResult {
  if (incident.from !== undefined && s.kept[incident.from] !== "down")
    return step(
      "aborted",
      `${incident.from} is ${s.kept[incident.from] ?? "unknown"} again: no failover`,
    );
  return step("confirmed", `${incident.from} confirmed down`);
}

/**
 * A confirmed incident wakes its standby first, if it has one to wake, else shifts traffic (its
 * data first, when the group's data goes before traffic).
 */
function confirmed(c: StepContext): RunbookResult {
  const { incident, step } = c;
  return incident.wake
    ? step("waking", `waking ${incident.wake.region}`)
    : towardsTraffic(c, `shifting traffic: ${incident.shift.kind} ${incident.shift.region}`);
}
