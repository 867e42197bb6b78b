// Takes, renews or waits for the lease, once per orchestrate tick. The rules are in
// src/core/lease.ts; this does the reads and writes, and tells an ambiguous write (the reply was
// lost) from a lost race by re-reading the row and looking for its own write id.
import { randomUUID } from "node:crypto";
import type { LeaseDecision, LeaseTiming } from "../core/lease.js";
import { actingTimeLeft, decideLease, lost, writing, wrote } from "../core/lease.js";
import { effectivePolicy } from "../config/policy.js";
import type { StoreCallOptions } from "../ports/state-store.js";
import { isStoreError } from "../ports/state-store.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";
import { errorText as message } from "../core/errors.js";

export interface LeaseStatus {
  /** This process may act now. */
  readonly leader: boolean;
  /** The holder and epoch as last read, if the row could be read. */
  readonly holder?: string;
  readonly epoch?: number;
  /** What happened this tick, for the log. */
  readonly outcome:
    | "acquired"
    | "renewed"
    | "took-over"
    | "waiting"
    | "lost-race"
    | "store-unavailable"
    /** Not renewed now: held since the last renewal, with acting time left (see heldLease). */
    | "held";
  readonly problem?: string;
}

export function leaseTiming(rt: Runtime): LeaseTiming {
  const policy = effectivePolicy(rt.config);
  return {
    durationMs: policy.leaseSeconds * 1000,
    renewDeadlineMs: policy.leaseRenewDeadlineSeconds * 1000,
    retryPeriodMs: policy.intervalSeconds * 1000,
  };
}

type WriteDecision = Exclude<LeaseDecision, { kind: "wait" }>;

async function write(
  rt: Runtime,
  decision: WriteDecision,
  call: StoreCallOptions,
): Promise<string> {
  if (decision.kind === "create") return rt.store.createLease(decision.record, call);
  return rt.store.replaceLease(decision.record, decision.etag, call);
}

export async function tickLease(rt: Runtime, call: StoreCallOptions = {}): Promise<LeaseStatus> {
  const timing = leaseTiming(rt);
  const me = holderId(rt);
  // Whatever it held, a process that cannot reach the store does not act: fenced steps re-read
  // the lease and would refuse anyway; the status says so plainly.
  const storeDown = (error: unknown): LeaseStatus => ({
    leader: false,
    outcome: "store-unavailable",
    problem: `lease: ${message(error)}`,
  });

  let stored;
  try {
    stored = await rt.store.readLease(call);
  } catch (error) {
    return storeDown(error);
  }
  const now = rt.clock.now();
  const { memory, decision: decided } = decideLease(
    rt.memory.lease,
    stored,
    me,
    now,
    timing,
    randomUUID(),
  );
  rt.memory.lease = memory;
  if (decided.kind === "wait")
    return { leader: false, holder: decided.holder, epoch: decided.epoch, outcome: "waiting" };

  let decision: WriteDecision = decided;
  if (decision.kind === "create") {
    // A recreated row continues above every epoch ever granted, not just those this process saw.
    try {
      const floor = await rt.store.readEpochFloor(call);
      if (floor >= decision.record.epoch)
        decision = { ...decision, record: { ...decision.record, epoch: floor + 1 } };
    } catch (error) {
      return storeDown(error);
    }
  }

  const startedAt = rt.clock.now();
  rt.memory.lease = writing(rt.memory.lease, decision.record, startedAt);
  const outcome =
    decision.kind === "create" ? "acquired" : decision.kind === "renew" ? "renewed" : "took-over";
  try {
    let etag: string;
    try {
      etag = await write(rt, decision, call);
    } catch (error) {
      // No answer: the write may or may not have happened. Send the same write once more; if it
      // did happen, this one meets a changed version and the re-read below recognises our write.
      if (!isStoreError(error) || error.kind !== "unavailable") throw error;
      etag = await write(rt, decision, call);
    }
    rt.memory.lease = wrote(rt.memory.lease, decision.record, etag, startedAt);
    return { leader: true, holder: me, epoch: decision.record.epoch, outcome };
  } catch (error) {
    // Still no answer: the write stays pending, and the next tick's read settles it.
    if (!isStoreError(error) || error.kind !== "conflict") return storeDown(error);
    let current;
    try {
      current = await rt.store.readLease(call);
    } catch (readError) {
      return storeDown(readError);
    }
    if (current && current.record.writeId === decision.record.writeId) {
      rt.memory.lease = wrote(rt.memory.lease, decision.record, current.etag, startedAt);
      return { leader: true, holder: me, epoch: decision.record.epoch, outcome };
    }
    rt.memory.lease = lost(rt.memory.lease, current, rt.clock.now());
    return {
      leader: false,
      ...(current ? { holder: current.record.holder, epoch: current.record.epoch } : {}),
      outcome: "lost-race",
    };
  }
}

/**
 * The lease as this process holds it now, without touching the store: for a decision between
 * ticks (a peer's request to probe). Leader only while the last renewal leaves acting time; every
 * fenced step still checks the lease row before it writes.
 */
export function heldLease(rt: Runtime): LeaseStatus {
  const held = rt.memory.lease.held;
  if (!held || actingTimeLeft(rt.memory.lease, rt.clock.now(), leaseTiming(rt)) <= 0)
    return { leader: false, outcome: "waiting" };
  return { leader: true, holder: holderId(rt), epoch: held.epoch, outcome: "held" };
}
