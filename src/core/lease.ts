// The lease that elects the one observer allowed to act, and its fencing epoch. Pure rules; the
// I/O is in src/app/lease-keeper.ts. See docs/agreement.md for what this guarantees.
//
// Time here is always the deciding machine's own clock. A contender measures a holder's lease
// from the moment it first saw the row's current version (ETag), never from a time written by
// another machine. A holder counts its term from just before the write that renewed it, and stops
// acting at renewDeadline, which is shorter than the duration any contender waits: so the holder
// has stopped before anyone can take over, whatever the clocks' offsets.

export interface LeaseTiming {
  /** How long a contender waits, from first seeing a lease version, before taking it over. */
  readonly durationMs: number;
  /** How long after starting a successful write the holder may act. Less than durationMs. */
  readonly renewDeadlineMs: number;
  /** How often contenders and the holder try (the orchestrate tick). Less than renewDeadlineMs. */
  readonly retryPeriodMs: number;
}

/** The lease row as stored. `writeId` is unique per write, to recognise one's own write. */
export interface LeaseRecord {
  readonly holder: string;
  readonly epoch: number;
  readonly durationMs: number;
  readonly writeId: string;
  /** The holder's clock, for people only. */
  readonly renewedAt: number;
}

export interface StoredLease {
  readonly record: LeaseRecord;
  readonly etag: string;
}

/** The version a contender records for "there is no lease row", so an absent row is waited on too. */
export const ABSENT = "(absent)";

/** What one contender remembers between its ticks (lost on restart, which only delays it). */
export interface LeaseMemory {
  /** The lease version last seen (or ABSENT) and when it was first seen, on this machine's clock. */
  readonly observed?: { readonly etag: string; readonly since: number };
  /** Set while this contender holds the lease. */
  readonly held?: { readonly epoch: number; readonly etag: string; readonly renewedAt: number };
  /** A write that got no answer: if the row later carries its write id, it landed. */
  readonly pending?: { readonly record: LeaseRecord; readonly startedAt: number };
  /** The highest epoch ever seen, so a recreated row never reuses an epoch this contender saw. */
  readonly highestEpoch: number;
}

export const EMPTY_LEASE_MEMORY: LeaseMemory = { highestEpoch: 0 };

export type LeaseDecision =
  | { readonly kind: "create"; readonly record: LeaseRecord }
  | { readonly kind: "renew"; readonly record: LeaseRecord; readonly etag: string }
  | { readonly kind: "takeover"; readonly record: LeaseRecord; readonly etag: string }
  | {
      readonly kind: "wait";
      readonly holder: string;
      readonly epoch: number;
      readonly expiresInMs: number;
    };

export class LeaseTimingError extends Error {}

export function checkLeaseTiming(t: LeaseTiming): void {
  if (!(
    t.durationMs > t.renewDeadlineMs &&
    t.renewDeadlineMs > t.retryPeriodMs &&
    t.retryPeriodMs > 0
  ))
    throw new LeaseTimingError(
      `lease timing must satisfy duration > renew deadline > retry period > 0 (got ${t.durationMs} ms, ${t.renewDeadlineMs} ms, ${t.retryPeriodMs} ms)`,
    );
}

/** Whether this contender may act now: it holds the lease and its renew deadline has not passed. */
export function isLeader(memory: LeaseMemory, now: number, timing: LeaseTiming): boolean {
  return memory.held !== undefined && now < memory.held.renewedAt + timing.renewDeadlineMs;
}

/** Milliseconds left in which this contender may act; 0 when it may not. */
export function actingTimeLeft(memory: LeaseMemory, now: number, timing: LeaseTiming): number {
  if (!memory.held) return 0;
  return Math.max(0, memory.held.renewedAt + timing.renewDeadlineMs - now);
}

/**
 * Records what was read, and decides what to write. An absent row is treated like a version of
 * its own: a contender creates the row only after seeing it absent for the lease duration, so a
 * deleted row cannot make a second actor while the last holder may still act.
 */
export function decideLease(
  memory: LeaseMemory,
  stored: StoredLease | undefined,
  me: string,
  now: number,
  timing: LeaseTiming,
  writeId: string,
): { memory: LeaseMemory; decision: LeaseDecision } {
  const record = (epoch: number): LeaseRecord => ({
    holder: me,
    epoch,
    durationMs: timing.durationMs,
    writeId,
    renewedAt: now,
  });
  const etag = stored?.etag ?? ABSENT;
  const highestEpoch = Math.max(memory.highestEpoch, stored?.record.epoch ?? 0);
  const observed = memory.observed?.etag === etag ? memory.observed : { etag, since: now };

  // A write of ours that got no answer, found in the row: it landed, and we hold the lease.
  const landed =
    stored !== undefined &&
    memory.pending !== undefined &&
    stored.record.writeId === memory.pending.record.writeId &&
    stored.record.holder === me
      ? { epoch: stored.record.epoch, etag: stored.etag, renewedAt: memory.pending.startedAt }
      : undefined;
  const kept =
    memory.held && stored && memory.held.etag === stored.etag && stored.record.holder === me
      ? memory.held
      : undefined;
  const held = landed ?? kept;
  const next: LeaseMemory = { highestEpoch, observed, ...(held ? { held } : {}) };

  if (held && stored)
    return {
      memory: next,
      decision: { kind: "renew", record: record(held.epoch), etag: stored.etag },
    };
  const waited = now - observed.since;
  const duration = stored?.record.durationMs ?? timing.durationMs;
  if (waited >= duration) {
    const decision: LeaseDecision = stored
      ? { kind: "takeover", record: record(highestEpoch + 1), etag: stored.etag }
      : { kind: "create", record: record(highestEpoch + 1) };
    return { memory: next, decision };
  }
  return {
    memory: next,
    decision: {
      kind: "wait",
      holder: stored?.record.holder ?? "(nobody)",
      epoch: stored?.record.epoch ?? 0,
      expiresInMs: duration - waited,
    },
  };
}

/** Before a write: remember it, so that a reply lost on the way is recognised later. */
export function writing(memory: LeaseMemory, record: LeaseRecord, startedAt: number): LeaseMemory {
  return { ...memory, pending: { record, startedAt } };
}

/** After a write this contender made (or recognised as its own) succeeded. */
export function wrote(
  memory: LeaseMemory,
  record: LeaseRecord,
  etag: string,
  startedAt: number,
): LeaseMemory {
  return {
    highestEpoch: Math.max(memory.highestEpoch, record.epoch),
    observed: { etag, since: startedAt },
    held: { epoch: record.epoch, etag, renewedAt: startedAt },
  };
}

/** After losing the race: someone else's version is now current. */
export function lost(
  memory: LeaseMemory,
  stored: StoredLease | undefined,
  now: number,
): LeaseMemory {
  const highestEpoch = Math.max(memory.highestEpoch, stored?.record.epoch ?? 0);
  if (!stored) return { highestEpoch };
  const observed =
    memory.observed?.etag === stored.etag ? memory.observed : { etag: stored.etag, since: now };
  return { highestEpoch, observed };
}
