// The lease holder's delivery of the outbox, beside the runbook: started at the end of a decision
// and never awaited by it. A dispatch writes the reminders due, reads the outbox when something
// new may be in it, claims its new rows (a conditional write each, before anything is sent), and
// starts each channel's lane (lane.ts): channels deliver independently, each in order, each alert
// for a time budget by its severity (budget.ts). A failure is logged, counted in the channel's
// record and shown in GET /api/status, never thrown into a tick; a give-up is told on the other
// channels.
import type { Alert } from "../../core/alerts.js";
import {
  boundForStorage,
  downRegions,
  openIncident,
  reminderDue,
  unconfirmedRegions,
} from "../../core/alerts.js";
import { isOpen } from "../../core/incident.js";
import { actingTimeLeft } from "../../core/lease.js";
import { errorText } from "../../core/errors.js";
import { leaseTiming } from "../lease-keeper.js";
import type { Runtime } from "../runtime.js";
import { holderId } from "../runtime.js";
import { enable } from "./channel-state.js";
import { startLane } from "./lane.js";
import { MARK_TIMEOUT_MS, claim, persist } from "./outbox-rows.js";
import type { ConfiguredChannel, GroupMatters } from "./setup.js";
import { wanted } from "./setup.js";

export type { AlertMemory, GroupMatters } from "./setup.js";
export { freshAlertMemory } from "./setup.js";
export { startMarkFlush } from "./outbox-rows.js";

const PRUNE_EVERY_MS = 3_600_000;
const KEEP_DONE_MS = 24 * 3_600_000;
/** The longest one dispatch's store calls may take together. */
const DISPATCH_TIMEOUT_MS = 20_000;

/** Starts a dispatch if the holder has channels and time to act; one at a time, the latest again. */
export function startAlertSender(
  rt: Runtime,
  epoch: number,
  matters: readonly GroupMatters[],
): void {
  const memory = rt.memory.alerts;
  if (rt.alerts.channels.length === 0) return;
  if (memory.running) {
    memory.again = { epoch, matters };
    return;
  }
  if (actingTimeLeft(rt.memory.lease, rt.clock.now(), leaseTiming(rt)) <= 0) return;
  memory.running = (async () => {
    let next: typeof memory.again = { epoch, matters };
    while (next) {
      memory.again = undefined;
      await dispatch(rt, next.epoch, next.matters).catch((error: unknown) =>
        rt.log.error(`alerts: delivery failed: ${errorText(error)}`),
      );
      next = memory.again;
    }
  })().finally(() => {
    memory.running = undefined;
  });
}

/**
 * Waits until this process delivers nothing more for now: the dispatch, every lane and every
 * mark (hosts, the simulator and tests).
 */
export async function alertsSettled(rt: Runtime): Promise<void> {
  const memory = rt.memory.alerts;
  for (;;) {
    const busy = [memory.running, ...memory.lanes.values(), ...memory.writes].filter(
      (p) => p !== undefined,
    );
    if (busy.length === 0) return;
    await Promise.all(busy);
  }
}

async function dispatch(
  rt: Runtime,
  epoch: number,
  matters: readonly GroupMatters[],
): Promise<void> {
  const call = { abortSignal: AbortSignal.timeout(DISPATCH_TIMEOUT_MS) };
  const memory = rt.memory.alerts;
  const groups = rt.config.groups.map((g) => g.name);
  // Rows held in an older epoch are not this epoch's to deliver: they are claimed again, once
  // that epoch's lanes have ended (an attempt in flight, its timeout) and their marks are written.
  if ([...memory.held.values()].some((h) => h.epoch !== epoch)) {
    await Promise.all([...memory.lanes.values(), ...memory.writes]);
    memory.held.clear();
  }

  await enqueueReminders(rt, epoch, matters, call);

  // The outbox is read when this process wrote alerts or left some unsent, in a new epoch, and
  // every few intervals for what other processes wrote (stale peers, commands, certificates).
  const now = rt.clock.now();
  const pollMs = 3 * rt.config.policy.intervalSeconds * 1000;
  if (memory.dirty || memory.polledEpoch !== epoch || now - memory.polledAt >= pollMs) {
    memory.dirty = false;
    memory.polledAt = now;
    memory.polledEpoch = epoch;
    const channels = await enabledChannels(rt, epoch, call);
    const all = await rt.store.readOutbox(groups, call);
    const room = rt.alerts.timing.batch - memory.held.size;
    const fresh = all.filter((s) => !memory.held.has(s.ref));
    for (const stored of fresh.slice(0, Math.max(0, room))) {
      if (call.abortSignal.aborted) break;
      const held = await claim(rt, stored, channels, epoch, holderId(rt), call);
      if (held && !held.row.done) memory.held.set(held.ref, held);
    }
    // Anything not claimed (another holder's, beyond the batch) is looked at again next time.
    if (all.some((s) => !memory.held.has(s.ref))) memory.dirty = true;
    await prune(rt, groups);
  }
  // Marks the store refused are written again (a lane is done with those rows).
  for (const held of memory.held.values())
    if (memory.unmarked.has(held.ref)) void persist(rt, held);
  for (const configured of rt.alerts.channels)
    if (!memory.records[configured.channel.name]?.disabled) startLane(rt, configured, epoch);
}

/**
 * The channels to deliver to, from their records in the store (a lane's own record stays as it
 * keeps it). A disabled channel whose URL has changed since is enabled again, and says so.
 */
async function enabledChannels(
  rt: Runtime,
  epoch: number,
  call: { abortSignal: AbortSignal },
): Promise<ConfiguredChannel[]> {
  const memory = rt.memory.alerts;
  const stored = await rt.store.readAlertChannels(call);
  for (const { channel } of rt.alerts.channels) {
    if (memory.lanes.has(channel.name)) continue;
    const record = stored[channel.name];
    if (record) memory.records[channel.name] = record;
    const disabled = record?.disabled;
    if (disabled && disabled.fingerprint !== channel.fingerprint)
      try {
        await enable(rt, channel, { ...record, disabled }, "its receiver's URL changed", epoch);
      } catch (error) {
        rt.log.warn(`alerts: could not enable ${channel.name} again: ${errorText(error)}`);
      }
  }
  return rt.alerts.channels.filter((c) => !memory.records[c.channel.name]?.disabled);
}

async function enqueueReminders(
  rt: Runtime,
  epoch: number,
  matters: readonly GroupMatters[],
  call: { abortSignal: AbortSignal },
): Promise<void> {
  if (rt.alerts.reminderMs <= 0) return;
  const now = rt.clock.now();
  const due: Alert[] = [];
  for (const m of matters) {
    const open = [
      ...(m.states ? downRegions(m.group, m.states, m.regions ?? []) : []),
      ...(m.states ? unconfirmedRegions(m.group, m.states, m.regions ?? []) : []),
      ...(m.incident && isOpen(m.incident) ? [openIncident(m.incident, m.regions)] : []),
    ];
    for (const matter of open) {
      const reminder = reminderDue(matter, now, rt.alerts.reminderMs, {
        observer: rt.observer,
        epoch,
        at: now,
      });
      if (!reminder || rt.memory.alerts.reminded.get(matter.subject) === reminder.reminder!.count)
        continue;
      if (wanted(rt.alerts, reminder)) due.push(boundForStorage(reminder));
      rt.memory.alerts.reminded.set(matter.subject, reminder.reminder!.count);
    }
  }
  if (due.length > 0) {
    await rt.store.enqueueAlerts(due, call);
    rt.memory.alerts.dirty = true;
  }
}

async function prune(rt: Runtime, groups: readonly string[]): Promise<void> {
  const now = rt.clock.now();
  if (now - rt.memory.alerts.prunedAt < PRUNE_EVERY_MS) return;
  rt.memory.alerts.prunedAt = now;
  try {
    await rt.store.pruneOutbox(groups, now - KEEP_DONE_MS, {
      abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS * 4),
    });
  } catch (error) {
    rt.log.warn(`alerts: could not prune the outbox: ${errorText(error)}`);
  }
}
