// The lease holder's delivery of the outbox, beside the runbook: started at the end of an
// orchestrate tick and never awaited by it, one run at a time, ending with the lease's acting
// time. Each row is claimed by a conditional write before it is sent and marked, by the claimed
// version, after: two holders never both send a row, and a holder that crashed before sending
// leaves it to the next one. A channel that hangs holds up only itself; a failure is logged,
// counted in the channel's record and shown in GET /api/status, never thrown into a tick.
import type { Alert, AlertRegion } from "../../core/alerts.js";
import {
  boundForStorage,
  downRegions,
  openIncident,
  passes,
  reminderDue,
} from "../../core/alerts.js";
import type { Incident } from "../../core/incident.js";
import { isOpen } from "../../core/incident.js";
import { actingTimeLeft } from "../../core/lease.js";
import type { RegionState } from "../../core/verdict.js";
import { errorText } from "../../core/errors.js";
import { isStoreError } from "../../ports/state-store.js";
import type {
  ChannelRecord,
  Delivery,
  OutboxRow,
  StoredOutboxRow,
} from "../../ports/state-store.js";
import { leaseTiming } from "../lease-keeper.js";
import type { Runtime } from "../runtime.js";
import { holderId, telemetryOf } from "../runtime.js";
import type { AlertChannel } from "../../ports/alerts.js";
import type { Delivered } from "./deliver.js";
import { deliver } from "./deliver.js";
import type { ConfiguredChannel } from "./setup.js";
import { wanted } from "./setup.js";

export type { AlertMemory } from "./setup.js";
export { freshAlertMemory } from "./setup.js";

/** What the holder knows of a group after its tick, for reminders. */
export interface GroupMatters {
  readonly group: string;
  readonly states?: Readonly<Record<string, RegionState>>;
  readonly incident?: Incident;
  readonly regions?: readonly AlertRegion[];
}

const PRUNE_EVERY_MS = 3_600_000;
const KEEP_DONE_MS = 24 * 3_600_000;
/** Writes after the run's signal has fired (marks) get this long of their own. */
const MARK_TIMEOUT_MS = 5000;

/**
 * Writes the marks this process could not write when it sent (a store error): by the version it
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
  for (const [ref, pending] of [...rt.memory.alerts.unmarked])
    await mark(rt, { ref, row: pending.row, etag: pending.etag, deliveries: pending.deliveries });
}

/** Starts a delivery run if the holder has channels, time to act, and none is running. */
export function startAlertSender(
  rt: Runtime,
  epoch: number,
  matters: readonly GroupMatters[],
): void {
  const memory = rt.memory.alerts;
  if (rt.alerts.channels.length === 0 || memory.running) return;
  const left = actingTimeLeft(rt.memory.lease, rt.clock.now(), leaseTiming(rt));
  if (left <= 0) return;
  const budget = Math.max(1, Math.floor(Math.min(left, rt.alerts.timing.runBudgetMs)));
  const run = deliverOutbox(rt, epoch, matters, budget)
    .catch((error: unknown) => rt.log.error(`alerts: delivery run failed: ${errorText(error)}`))
    .finally(() => {
      memory.running = undefined;
    });
  memory.running = run;
}

/** Waits for the delivery run in progress, if any (hosts, the simulator and tests). */
export async function alertsSettled(rt: Runtime): Promise<void> {
  await rt.memory.alerts.running;
}

function channelEnabled(record: ChannelRecord | undefined, channel: ConfiguredChannel): boolean {
  return !record?.disabled || record.disabled.fingerprint !== channel.channel.fingerprint;
}

const finished = (d: Delivery) => d.state !== "pending";
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** An attempt in flight is not cut off (see DeliverContext.attemptSignal); its timeout ends it. */
const NEVER = new AbortController().signal;

async function deliverOutbox(
  rt: Runtime,
  epoch: number,
  matters: readonly GroupMatters[],
  budgetMs: number,
): Promise<void> {
  const me = holderId(rt);
  const signal = AbortSignal.timeout(budgetMs);
  const deadline = performance.now() + budgetMs;
  const call = { abortSignal: signal };
  const groups = rt.config.groups.map((g) => g.name);

  await enqueueReminders(rt, epoch, matters, call);

  // The outbox is read when this process wrote alerts or left some unsent, in a new epoch, and
  // every few intervals for what other processes wrote (stale peers, commands, certificates).
  const memory = rt.memory.alerts;
  const startedAt = rt.clock.now();
  const pollMs = 3 * rt.config.policy.intervalSeconds * 1000;
  if (!memory.dirty && memory.polledEpoch === epoch && startedAt - memory.polledAt < pollMs) return;
  memory.dirty = false;
  memory.polledAt = startedAt;
  memory.polledEpoch = epoch;
  const all = await rt.store.readOutbox(groups, call);
  if (all.length === 0) return prune(rt, groups);
  const rows = all.slice(0, rt.alerts.timing.batch);
  const records = await rt.store.readAlertChannels(call);
  const channels = rt.alerts.channels.filter((c) => channelEnabled(records[c.channel.name], c));
  const counts = new Map<
    string,
    { delivered: number; failed: number; last?: Delivered; alert?: Alert }
  >();

  // Claim every row first (one conditional write each), then deliver channel by channel.
  const claimed: { ref: string; row: OutboxRow; etag: string }[] = [];
  for (const stored of rows) {
    if (signal.aborted) break;
    const next = await claim(rt, stored, channels, epoch, me, call);
    if (next) claimed.push(next);
  }

  const broken = new Set<string>();
  const now = () => rt.clock.now();
  const perRow = claimed.map((c) => ({
    ...c,
    deliveries: { ...c.row.deliveries },
    // One per channel, settled when that channel is past this row.
    past: channels.map(() => deferred()),
  }));

  const deliverRow = async (channel: AlertChannel, row: (typeof perRow)[number]) => {
    const delivery = row.deliveries[channel.name];
    if (!delivery || finished(delivery) || broken.has(channel.name)) return;
    if (delivery.retryAt !== undefined && delivery.retryAt > now()) return;
    if (now() - row.row.alert.at > rt.alerts.timing.maxAgeMs) {
      row.deliveries[channel.name] = { ...delivery, state: "failed", note: "given up: too old" };
      return;
    }
    const left = rt.alerts.timing.maxAttempts - delivery.attempts;
    const done = await deliver(channel, row.row.alert, {
      links: rt.alerts.links,
      timing: rt.alerts.timing,
      sleep: rt.alerts.sleep,
      signal,
      deadline,
      attemptSignal: NEVER,
      attempts: Math.min(rt.alerts.timing.attemptsPerRun, left),
    });
    const result = done.result;
    const attempts = delivery.attempts + done.attempts;
    const alert = row.row.alert;
    telemetryOf(rt).event(
      "alert.delivery",
      {
        channel: channel.name,
        channelKind: channel.kind,
        alert: alert.type,
        key: alert.key,
        outcome: result.outcome,
        observer: rt.observer,
        ...(alert.group === undefined ? {} : { group: alert.group }),
        ...("status" in result && result.status !== undefined
          ? { status: String(result.status) }
          : {}),
      },
      { attempts: done.attempts },
      alert.incident === undefined ? {} : { incident: alert.incident },
    );
    const count = counts.get(channel.name) ?? { delivered: 0, failed: 0 };
    count.last = done;
    count.alert = row.row.alert;
    counts.set(channel.name, count);
    const at = now();
    if (result.outcome === "accepted") {
      count.delivered++;
      row.deliveries[channel.name] = { state: "sent", attempts, at, status: result.status };
      return;
    }
    if (result.outcome === "skipped") {
      row.deliveries[channel.name] = { state: "skipped", attempts, at, note: result.reason };
      return;
    }
    if (done.attempts > 0) count.failed++;
    const final = result.outcome !== "retry" || attempts >= rt.alerts.timing.maxAttempts;
    row.deliveries[channel.name] = {
      state: final ? "failed" : "pending",
      attempts,
      at,
      ...("status" in result && result.status !== undefined ? { status: result.status } : {}),
      note: result.reason,
      ...(!final && done.retryInMs !== undefined ? { retryAt: at + done.retryInMs } : {}),
    };
    rt.log.warn(
      `alerts: ${channel.name} (${channel.kind}, ${channel.target}) did not take ${row.row.alert.type} [${row.row.alert.key}]: ${result.reason}${final ? "" : " (will retry)"}`,
    );
    // The rest of this run's alerts for this channel wait for the next run.
    broken.add(channel.name);
    if (result.outcome === "gone") await disable(rt, channel.name, records, result.reason, epoch);
  };

  // Channels in parallel, each through the rows in order. Each row is marked as soon as every
  // channel is past it, not at the end of the run: the sooner a sent alert is marked, the smaller
  // the window in which another holder could send it again.
  const channelRuns = channels.map(async ({ channel }, c) => {
    for (const row of perRow)
      try {
        await deliverRow(channel, row);
      } finally {
        row.past[c]!.resolve();
      }
  });
  const marks = perRow.map(async (row) => {
    await Promise.all(row.past.map((p) => p.promise));
    await mark(rt, row);
  });
  await Promise.all([...channelRuns, ...marks]);

  // Anything left (not claimed, not delivered, beyond the batch) is looked at again next run.
  if (all.length > rows.length || perRow.length < rows.length) memory.dirty = true;
  if (perRow.some((r) => !Object.values(r.deliveries).every(finished))) memory.dirty = true;
  await recordChannels(rt, records, counts);
  await prune(rt, groups);
}

/**
 * Claims a row for this holder: decides the channels it is for (the first time), and writes the
 * claim over the version read. Undefined when another holder has it, or won the write.
 */
async function claim(
  rt: Runtime,
  stored: StoredOutboxRow,
  channels: readonly ConfiguredChannel[],
  epoch: number,
  me: string,
  call: { abortSignal: AbortSignal },
): Promise<{ ref: string; row: OutboxRow; etag: string } | undefined> {
  const { row } = stored;
  const seen = rt.memory.alerts.claimsSeen;
  if (row.claim && row.claim.holder !== me) {
    // A claim of this epoch or later is a live holder's (only its own is ours to continue).
    if (row.claim.epoch >= epoch) return undefined;
    // An older epoch's: its holder lost the lease, but may still be marking what it sent. It is
    // taken over once this process has seen it unchanged for a lease duration and an attempt's
    // timeout, on its own clock.
    const first = seen.get(stored.ref);
    const now = rt.clock.now();
    if (!first || first.etag !== stored.etag) {
      seen.set(stored.ref, { etag: stored.etag, at: now });
      return undefined;
    }
    // (An attempt it had in flight at its deadline runs to its own timeout: that long more.)
    const wait = leaseTiming(rt).durationMs + rt.alerts.timing.attemptTimeoutMs;
    if (now - first.at < wait) return undefined;
  }
  seen.delete(stored.ref);
  const deliveries: Record<string, Delivery> = { ...row.deliveries };
  for (const c of channels)
    if (deliveries[c.channel.name] === undefined && passes(c.filter, row.alert))
      deliveries[c.channel.name] = { state: "pending", attempts: 0 };
  for (const [name, d] of Object.entries(deliveries))
    if (d.state === "pending" && !channels.some((c) => c.channel.name === name))
      deliveries[name] = { ...d, state: "failed", note: "the channel is disabled or removed" };
  // Delivered by this process already, but not marked: mark it, never send again.
  const unmarked = rt.memory.alerts.unmarked.get(stored.ref);
  if (unmarked) Object.assign(deliveries, unmarked.deliveries);
  const next: OutboxRow = { ...row, deliveries, claim: { holder: me, epoch } };
  try {
    const etag = await rt.store.updateOutbox(stored.ref, next, stored.etag, call);
    if (unmarked) rt.memory.alerts.unmarked.delete(stored.ref);
    return { ref: stored.ref, row: next, etag };
  } catch (error) {
    rt.log.warn(`alerts: could not claim ${row.alert.key}: ${errorText(error)}`);
    return undefined;
  }
}

/** Writes a row's deliveries over the version this holder claimed. */
async function mark(
  rt: Runtime,
  row: { ref: string; row: OutboxRow; etag: string; deliveries: Record<string, Delivery> },
): Promise<void> {
  const done = Object.values(row.deliveries).every(finished);
  const next: OutboxRow = {
    ...row.row,
    deliveries: row.deliveries,
    done,
    ...(done ? { doneAt: rt.clock.now() } : {}),
  };
  try {
    await rt.store.updateOutbox(row.ref, next, row.etag, {
      abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS),
    });
    rt.memory.alerts.unmarked.delete(row.ref);
  } catch (error) {
    if (isStoreError(error) && error.kind === "conflict") {
      // Another holder took the row over: its mark, not this one, stands.
      rt.memory.alerts.unmarked.delete(row.ref);
      return;
    }
    // Remembered, so that this process marks it next tick instead of sending it again.
    rt.memory.alerts.dirty = true;
    rt.memory.alerts.unmarked.set(row.ref, {
      row: row.row,
      etag: row.etag,
      deliveries: row.deliveries,
    });
    rt.log.warn(`alerts: could not mark ${row.row.alert.key}: ${errorText(error)}`);
  }
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

/** A receiver that answered 404 or 410: the channel is disabled, audited, and said elsewhere. */
async function disable(
  rt: Runtime,
  name: string,
  records: Record<string, ChannelRecord>,
  reason: string,
  epoch: number,
): Promise<void> {
  const channel = rt.alerts.channels.find((c) => c.channel.name === name)!.channel;
  const at = rt.clock.now();
  const record: ChannelRecord = {
    ...(records[name] ?? { delivered: 0, failed: 0, failing: 0 }),
    disabled: { at, reason, fingerprint: channel.fingerprint },
  };
  records[name] = record;
  const said = `${channel.kind} receiver at ${channel.target} answered ${reason}: Tandem stops sending to ${name} until its URL changes or \`tandem alerts test ${name}\` passes`;
  rt.log.error(`alerts: ${said}`);
  const call = { abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS) };
  try {
    await rt.store.writeAlertChannel(name, record, call);
    await rt.store.appendAction(
      {
        at,
        actor: holderId(rt),
        epoch,
        name: `alerts: disable channel ${name}`,
        outcome: "done",
        reason: said,
      },
      call,
    );
    const alert: Alert = {
      key: `channel:${name}|disabled|${at}`,
      type: "channel.disabled",
      severity: "error",
      at,
      observer: rt.observer,
      epoch,
      subject: `channel:${name}`,
      title: `Alert channel ${name} is disabled`,
      summary: said,
      action: `Fix the ${channel.kind} receiver's URL in its app setting (the channel is enabled again when it changes), or run \`tandem alerts test ${name}\`.`,
      details: { channel: name, kind: channel.kind, target: channel.target },
    };
    if (wanted(rt.alerts, alert)) {
      await rt.store.enqueueAlerts([alert], call);
      rt.memory.alerts.dirty = true;
    }
  } catch (error) {
    rt.log.error(`alerts: could not record that ${name} is disabled: ${errorText(error)}`);
  }
}

async function recordChannels(
  rt: Runtime,
  records: Record<string, ChannelRecord>,
  counts: Map<string, { delivered: number; failed: number; last?: Delivered; alert?: Alert }>,
): Promise<void> {
  const at = rt.clock.now();
  await Promise.all(
    [...counts].map(async ([name, count]) => {
      const before = records[name] ?? { delivered: 0, failed: 0, failing: 0 };
      const last = count.last?.result;
      const type = count.alert?.type ?? "";
      const record: ChannelRecord = {
        ...before,
        delivered: before.delivered + count.delivered,
        failed: before.failed + count.failed,
        failing:
          count.failed > 0
            ? before.failing + count.failed
            : count.delivered > 0
              ? 0
              : before.failing,
        ...(count.delivered > 0 && last?.outcome === "accepted"
          ? { lastDelivery: { at, type, status: last.status } }
          : {}),
        ...(last && last.outcome !== "accepted" && last.outcome !== "skipped"
          ? { lastFailure: { at, type, reason: last.reason } }
          : {}),
      };
      try {
        await rt.store.writeAlertChannel(name, record, {
          abortSignal: AbortSignal.timeout(MARK_TIMEOUT_MS),
        });
      } catch (error) {
        rt.log.warn(`alerts: could not record ${name}'s deliveries: ${errorText(error)}`);
      }
    }),
  );
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
