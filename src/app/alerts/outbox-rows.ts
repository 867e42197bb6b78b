// The outbox rows a holder delivers. Each is claimed by a conditional write before anything is
// sent, held in memory with the version last written, and written again (marked) as soon as one
// channel's delivery of it ends, one write at a time per row. Two holders never both send a row;
// a holder that crashed before sending leaves it to the next one; a mark the store refused is
// remembered and written later, without sending again.
import { errorText } from "../../core/errors.js";
import type { Delivery, OutboxRow, StoredOutboxRow } from "../../ports/state-store.js";
import { isStoreError } from "../../ports/state-store.js";
import { leaseTiming } from "../lease-keeper.js";
import type { Runtime } from "../runtime.js";
import type { ConfiguredChannel, HeldRow } from "./setup.js";
import { isFor } from "./setup.js";

/** Marks and records get this long each, whatever else is going on. */
export const MARK_TIMEOUT_MS = 5000;

export const finished = (d: Delivery) => d.state !== "pending";

/**
 * Claims a row for this holder in `epoch`: decides the channels it is for (the first time), and
 * writes the claim over the version read. Undefined when another holder has it, or won the write;
 * a row with nothing left to send is marked done by the claim (and comes back done).
 */
export async function claim(
  rt: Runtime,
  stored: StoredOutboxRow,
  channels: readonly ConfiguredChannel[],
  epoch: number,
  me: string,
  call: { abortSignal: AbortSignal },
): Promise<HeldRow | undefined> {
  const { row } = stored;
  const memory = rt.memory.alerts;
  if (row.claim && row.claim.holder !== me) {
    // A claim of this epoch or later is a live holder's (only its own is ours to continue).
    if (row.claim.epoch >= epoch) return undefined;
    // An older epoch's: its holder lost the lease, but may still be marking what it sent. It is
    // taken over once this process has seen it unchanged for a lease duration and an attempt's
    // timeout, on its own clock (an attempt in flight at its deadline runs to its timeout).
    const first = memory.claimsSeen.get(stored.ref);
    const now = rt.clock.now();
    if (!first || first.etag !== stored.etag) {
      memory.claimsSeen.set(stored.ref, { etag: stored.etag, at: now });
      return undefined;
    }
    const wait = leaseTiming(rt).durationMs + rt.alerts.timing.attemptTimeoutMs;
    if (now - first.at < wait) return undefined;
  }
  memory.claimsSeen.delete(stored.ref);
  const deliveries: Record<string, Delivery> = { ...row.deliveries };
  for (const c of channels)
    if (deliveries[c.channel.name] === undefined && isFor(c, row.alert))
      deliveries[c.channel.name] = { state: "pending", attempts: 0 };
  for (const [name, d] of Object.entries(deliveries))
    if (d.state === "pending" && !channels.some((c) => c.channel.name === name))
      deliveries[name] = { ...d, state: "failed", note: "the channel is disabled or removed" };
  // Delivered by this process already, but not marked: mark it, never send again.
  const unmarked = memory.unmarked.get(stored.ref);
  for (const [name, d] of Object.entries(unmarked?.deliveries ?? {}))
    if (finished(d)) deliveries[name] = d;
  // A row with nothing left to send (no channel wants it, or what was sent is merged back in)
  // is marked done with its claim: no channel's delivery will write it again.
  const done = Object.values(deliveries).every(finished);
  const next: OutboxRow = {
    ...row,
    deliveries,
    claim: { holder: me, epoch },
    done,
    ...(done ? { doneAt: rt.clock.now() } : {}),
  };
  try {
    const etag = await rt.store.updateOutbox(stored.ref, next, stored.etag, call);
    if (unmarked) memory.unmarked.delete(stored.ref);
    return { ref: stored.ref, epoch, row: next, etag, writing: Promise.resolve() };
  } catch (error) {
    rt.log.warn(`alerts: could not claim ${row.alert.key}: ${errorText(error)}`);
    return undefined;
  }
}

/** Sets a channel's delivery of a held row (in memory; `persist` writes it). */
export function setDelivery(held: HeldRow, channel: string, delivery: Delivery): void {
  held.row = { ...held.row, deliveries: { ...held.row.deliveries, [channel]: delivery } };
}

/**
 * Writes the held row as this process knows it, after the writes before it, over the version it
 * last wrote. Never throws: a refused write is remembered (see `unmarked`), and a conflict means
 * another holder took the row over, whose marks stand. A row done is no longer held.
 */
export function persist(rt: Runtime, held: HeldRow): Promise<void> {
  const memory = rt.memory.alerts;
  const write = held.writing.then(() => writeRow(rt, held));
  held.writing = write;
  memory.writes.add(write);
  void write.then(() => memory.writes.delete(write));
  return write;
}

async function writeRow(rt: Runtime, held: HeldRow): Promise<void> {
  const memory = rt.memory.alerts;
  const stillHeld = () => memory.held.get(held.ref) === held;
  const done = Object.values(held.row.deliveries).every(finished);
  const next: OutboxRow = { ...held.row, done, ...(done ? { doneAt: rt.clock.now() } : {}) };
  try {
    held.etag = await rt.store.updateOutbox(held.ref, next, held.etag, {
      abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS),
    });
    memory.unmarked.delete(held.ref);
    if (done && stillHeld()) memory.held.delete(held.ref);
  } catch (error) {
    // Remembered, so that this process marks it later instead of sending it again.
    memory.dirty = true;
    memory.unmarked.set(held.ref, { row: next, etag: held.etag, deliveries: next.deliveries });
    // A conflict: another holder took it over, or an earlier write of ours that the store
    // reported failed had landed after all. It is read again; if it is still ours, what was
    // sent is merged back in when it is claimed again.
    if (isStoreError(error) && error.kind === "conflict") {
      if (stillHeld()) memory.held.delete(held.ref);
    } else rt.log.warn(`alerts: could not mark ${held.row.alert.key}: ${errorText(error)}`);
  }
}

/**
 * Writes the marks this process could not write when it sent (a store error), by the version it
 * claimed, which no one else has changed unless they took the row over. Holder or not: the
 * sooner a sent alert is marked, the smaller the chance that a new holder sends it again.
 */
export function startMarkFlush(rt: Runtime): void {
  const memory = rt.memory.alerts;
  if (memory.unmarked.size === 0 || memory.running) return;
  memory.running = flushMarks(rt).finally(() => {
    memory.running = undefined;
  });
}

async function flushMarks(rt: Runtime): Promise<void> {
  const memory = rt.memory.alerts;
  for (const [ref, pending] of [...memory.unmarked]) {
    const done = Object.values(pending.deliveries).every(finished);
    const next: OutboxRow = {
      ...pending.row,
      deliveries: pending.deliveries,
      done,
      ...(done ? { doneAt: rt.clock.now() } : {}),
    };
    try {
      await rt.store.updateOutbox(ref, next, pending.etag, {
        abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS),
      });
      memory.unmarked.delete(ref);
    } catch (error) {
      // Another holder took the row over: its mark, not this one, stands.
      if (isStoreError(error) && error.kind === "conflict") memory.unmarked.delete(ref);
      else rt.log.warn(`alerts: could not mark ${pending.row.alert.key}: ${errorText(error)}`);
    }
  }
}
