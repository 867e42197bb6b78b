// One channel's delivery: its held alerts in order, oldest first, each tried until the channel
// takes it or its window runs out (then it is given up, and that is told). A lane never waits for
// another channel: a receiver that hangs or throttles holds up only its own alerts, in order. It
// runs while this process acts in the epoch it claimed the rows in, starts no attempt after that
// (an attempt in flight runs to its own timeout: one cut off may have reached the receiver), and
// yields to the next tick when it would wait longer than a run waits, or has tried one alert
// `attemptsPerRun` times in a row.
import type { AlertOrigin } from "../../core/alerts.js";
import { actingTimeLeft } from "../../core/lease.js";
import { leaseTiming } from "../lease-keeper.js";
import type { Runtime } from "../runtime.js";
import { telemetryOf } from "../runtime.js";
import { giveUpAt, waitAfter, windowOf } from "./budget.js";
import { countAttempt, delivering, disable, gaveUp, saveRecord } from "./channel-state.js";
import { attempt } from "./deliver.js";
import { persist, setDelivery } from "./outbox-rows.js";
import type { ConfiguredChannel, HeldRow } from "./setup.js";

/** What an attempt in flight runs under besides its own timeout: nothing cuts it short. */
const NEVER = new AbortController().signal;

/** How long this process may still act in `epoch`; 0 once it may not. */
function actingLeft(rt: Runtime, epoch: number): number {
  if (rt.memory.lease.held?.epoch !== epoch) return 0;
  return actingTimeLeft(rt.memory.lease, rt.clock.now(), leaseTiming(rt));
}

/**
 * The channel's next alert: its oldest held row with a pending delivery to it (of alerts of one
 * time, the first claimed: claims follow the outbox's order). The held rows are all of the lane's
 * epoch: a dispatch in a new epoch lets the old epoch's lanes end before it claims any row.
 */
function headOf(rt: Runtime, name: string): HeldRow | undefined {
  let head: HeldRow | undefined;
  for (const held of rt.memory.alerts.held.values())
    if (
      held.row.deliveries[name]?.state === "pending" &&
      (!head || held.row.alert.at < head.row.alert.at)
    )
      head = held;
  return head;
}

/** Starts the channel's lane unless it runs; it ends by itself (at once with nothing to do). */
export function startLane(rt: Runtime, configured: ConfiguredChannel, epoch: number): void {
  const lanes = rt.memory.alerts.lanes;
  const name = configured.channel.name;
  if (lanes.has(name)) return;
  const run = lane(rt, configured, epoch)
    .catch((error: unknown) => rt.log.error(`alerts: ${name}'s delivery failed: ${String(error)}`))
    .finally(() => lanes.delete(name));
  lanes.set(name, run);
}

async function lane(rt: Runtime, { channel }: ConfiguredChannel, epoch: number): Promise<void> {
  const { timing } = rt.alerts;
  const origin = (): AlertOrigin => ({ observer: rt.observer, epoch, at: rt.clock.now() });
  let tried: { ref: string; times: number } = { ref: "", times: 0 };
  let touched = false;
  try {
    for (;;) {
      if (actingLeft(rt, epoch) <= 0) return;
      const head = headOf(rt, channel.name);
      if (!head) return;
      const alert = head.row.alert;
      const delivery = head.row.deliveries[channel.name]!;
      if (rt.clock.now() >= giveUpAt(timing, alert)) {
        const reason = delivery.note ?? "not attempted";
        setDelivery(head, channel.name, {
          ...delivery,
          state: "failed",
          givenUp: true,
          note: `given up: not taken within its window (${reason})`,
        });
        void persist(rt, head);
        await gaveUp(rt, channel, alert, reason, windowOf(timing, alert), origin());
        continue;
      }
      if (tried.ref !== head.ref) tried = { ref: head.ref, times: 0 };
      if (tried.times >= timing.attemptsPerRun) return;
      const wait = (delivery.retryAt ?? 0) - rt.clock.now();
      if (wait > 0) {
        if (wait > timing.maxRetryAfterMs || wait >= actingLeft(rt, epoch)) return;
        await rt.alerts.sleep(wait, NEVER);
        if (actingLeft(rt, epoch) <= 0) return;
      }
      tried.times++;
      touched = true;
      const result = await attempt(channel, alert, {
        links: rt.alerts.links,
        timeoutMs: timing.attemptTimeoutMs,
        signal: NEVER,
      });
      const at = rt.clock.now();
      const attempts = delivery.attempts + 1;
      const status = "status" in result ? result.status : undefined;
      countAttempt(rt, channel.name, alert, result);
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
          ...(status === undefined ? {} : { status: String(status) }),
        },
        { attempts: 1 },
        alert.incident === undefined ? {} : { incident: alert.incident },
      );
      const common = { attempts, at, ...(status === undefined ? {} : { status }) };
      switch (result.outcome) {
        case "accepted":
          setDelivery(head, channel.name, { state: "sent", ...common });
          void persist(rt, head);
          await delivering(rt, channel, origin());
          continue;
        case "skipped":
          setDelivery(head, channel.name, { state: "skipped", ...common, note: result.reason });
          void persist(rt, head);
          continue;
        case "retry": {
          const retryAt = at + waitAfter(timing, alert, attempts, result.retryAfterMs);
          if (delivery.attempts === 0)
            rt.log.warn(
              `alerts: ${channel.name} (${channel.kind}, ${channel.target}) did not take ${alert.type} [${alert.key}]: ${result.reason} (tried again until it is taken, for ${Math.round(windowOf(timing, alert) / 60_000)} min)`,
            );
          // Kept in memory until it ends: a new holder would try again at once, which is right.
          setDelivery(head, channel.name, { ...delivery, ...common, note: result.reason, retryAt });
          continue;
        }
        case "rejected":
          setDelivery(head, channel.name, { state: "failed", ...common, note: result.reason });
          void persist(rt, head);
          rt.log.warn(
            `alerts: ${channel.name} (${channel.kind}, ${channel.target}) refused ${alert.type} [${alert.key}]: ${result.reason}`,
          );
          continue;
        case "gone":
          setDelivery(head, channel.name, { state: "failed", ...common, note: result.reason });
          void persist(rt, head);
          dropPending(rt, channel.name);
          await disable(rt, channel, result.reason, epoch);
          touched = false;
          return;
      }
    }
  } finally {
    if (touched) await saveRecord(rt, channel.name);
  }
}

/** A disabled channel's pending deliveries end: nothing more is sent to it. */
function dropPending(rt: Runtime, name: string): void {
  for (const held of rt.memory.alerts.held.values()) {
    const d = held.row.deliveries[name];
    if (d?.state !== "pending") continue;
    setDelivery(held, name, { ...d, state: "failed", note: "the channel is disabled" });
    void persist(rt, held);
  }
}
