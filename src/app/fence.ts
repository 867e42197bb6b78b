// The one way Tandem changes anything outside itself: a fenced step. Immediately before the step
// it checks that this process still holds the lease, by its own clock (renew deadline) and by the
// row (holder, epoch and version unchanged); the step runs under an abort signal that fires when
// the acting time runs out; and the outcome, or the refusal, is appended to the action log with
// the epoch. A step from a stale epoch never runs. Each record is derived from an `action.*` event
// (event-audit.ts), written before the event is published.
import { actingTimeLeft } from "../core/lease.js";
import type { ActionRecord } from "../ports/state-store.js";
import { settleBy } from "./bounded.js";
import { recordEvent } from "./event-audit.js";
import { leaseTiming } from "./lease-keeper.js";
import type { Runtime } from "./runtime.js";
import { holderId, telemetryOf } from "./runtime.js";
import { errorText as message } from "../core/errors.js";

export interface FencedStep {
  readonly name: string;
  readonly group?: string;
  /** The incident the step belongs to, for the incident's own record of who did what. */
  readonly incident?: string;
  /** The tick or request its events belong to. */
  readonly operation?: string;
}

export type FencedResult<T> =
  | { readonly ok: true; readonly value: T; readonly epoch: number }
  | {
      readonly ok: false;
      readonly refused: boolean;
      readonly reason: string;
      readonly epoch: number;
    };

/**
 * Runs `work` under a signal that aborts when this lease term's acting time runs out: at the renew
 * deadline of the epoch's latest renewal, on the runtime's clock (settleBy; ADR 30), so that in
 * the simulator the cut comes in virtual time, as every other wait does. Work that outlasts a tick
 * keeps running while the holder keeps renewing the same epoch (each renewal moves the deadline
 * on), and is cut at the deadline of the last renewal once renewals stop or the lease is lost:
 * never later than a contender could take over. Nothing waits once the work ends, and its signal
 * stays quiet then (a lever may hand it on to work of the epoch's that outlives the step).
 */
async function withinTerm<T>(
  rt: Runtime,
  epoch: number,
  renewedAt: number,
  deadline: number,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  const { renewDeadlineMs } = leaseTiming(rt);
  let armedFor = renewedAt;
  for (;;) {
    const settled = await settleBy(rt, running, deadline);
    if (settled.done) return settled.value;
    const held = rt.memory.lease.held;
    if (!held || held.epoch !== epoch) break;
    if (held.renewedAt > armedFor) {
      // The same epoch was renewed since the wait began: wait for the new deadline.
      armedFor = held.renewedAt;
      deadline = held.renewedAt + renewDeadlineMs;
    } else if (rt.clock.now() >= deadline) break;
    // Otherwise the clock's wait ended before the clock reached the deadline (a clock whose time
    // a test sets, waiting in real time): the acting time has not run out, wait on.
  }
  controller.abort(new Error(`the acting time of epoch ${epoch} ran out`));
  return running;
}

export function runFenced<T>(
  rt: Runtime,
  step: FencedStep,
  action: (signal: AbortSignal, epoch: number) => Promise<T>,
): Promise<FencedResult<T>> {
  // The store and ARM calls of a step for an incident carry the incident's id.
  if (step.incident === undefined) return fenced(rt, step, action);
  return telemetryOf(rt).within({ incident: step.incident }, () => fenced(rt, step, action));
}

async function fenced<T>(
  rt: Runtime,
  step: FencedStep,
  action: (signal: AbortSignal, epoch: number) => Promise<T>,
): Promise<FencedResult<T>> {
  const held = rt.memory.lease.held;
  const epoch = held?.epoch ?? 0;
  const actor = holderId(rt);
  const operation = step.operation ?? `${rt.instance}:fenced`;
  /** The step's record, derived from its event; false when the log could not be written. */
  const record = async (outcome: ActionRecord["outcome"], reason?: string) => {
    const written = await recordEvent(
      rt,
      operation,
      {
        type: `action.${outcome}`,
        name: step.name,
        actor,
        ...(step.group === undefined ? {} : { group: step.group }),
        ...(step.incident === undefined ? {} : { incident: step.incident }),
        ...(reason === undefined ? {} : { reason }),
      },
      epoch,
      { recordedOnly: outcome === "started" },
    );
    return written.problem;
  };
  const refuse = async (reason: string): Promise<FencedResult<T>> => {
    // Logged before its record is tried: the store may be what refused it.
    rt.log.warn(`refused ${step.name}${step.group ? ` for ${step.group}` : ""}: ${reason}`);
    await record("refused", reason);
    return { ok: false, refused: true, reason, epoch };
  };

  const timing = leaseTiming(rt);
  if (!held) return refuse("this process does not hold the lease");
  if (actingTimeLeft(rt.memory.lease, rt.clock.now(), timing) <= 0)
    return refuse(`the lease renew deadline of epoch ${epoch} has passed`);

  let stored;
  try {
    stored = await rt.store.readLease();
  } catch (error) {
    return refuse(`the lease could not be checked: ${message(error)}`);
  }
  if (!stored || stored.record.holder !== actor || stored.record.epoch !== epoch)
    return refuse(
      `stale epoch ${epoch}: the lease is now ${stored ? `epoch ${stored.record.epoch} held by ${stored.record.holder}` : "gone"}`,
    );
  if (stored.etag !== held.etag)
    return refuse(
      `the lease row changed since epoch ${epoch} was renewed: no step until the next renewal`,
    );
  const left = actingTimeLeft(rt.memory.lease, rt.clock.now(), timing);
  if (left <= 0) return refuse(`the lease renew deadline of epoch ${epoch} passed while checking`);

  // No step without a record: the intent is written first, and a step whose intent cannot be
  // written does not run. (Its outcome is recorded after; if that write fails, the intent stands.)
  const unwritten = await record("started");
  if (unwritten !== undefined)
    return refuse(`the action log cannot be written (${unwritten}): no step without a record`);
  // The time left is taken again now: writing the intent took time of its own.
  const remaining = actingTimeLeft(rt.memory.lease, rt.clock.now(), timing);
  if (remaining <= 0 || rt.memory.lease.held?.epoch !== epoch) {
    const reason = `the lease renew deadline of epoch ${epoch} passed while the intent was written`;
    await record("failed", reason);
    return { ok: false, refused: true, reason, epoch };
  }
  try {
    const value = await withinTerm(
      rt,
      epoch,
      held.renewedAt,
      rt.clock.now() + remaining,
      (signal) => action(signal, epoch),
    );
    await record("done");
    return { ok: true, value, epoch };
  } catch (error) {
    const reason = message(error);
    await record("failed", reason);
    return { ok: false, refused: false, reason, epoch };
  }
}
