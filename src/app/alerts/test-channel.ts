// `tandem alerts test CHANNEL` and POST /api/alerts/{channel}/test: one sample alert, sent at once
// (not through the outbox), and the receiver's answer reported as it came (secrets taken out).
// A channel that takes it is enabled again if a 404 or 410 had disabled it, and says so on every
// channel. Audited from the command's event.
import type { Alert } from "../../core/alerts.js";
import type { SendResult } from "../../ports/alerts.js";
import type { ChannelRecord } from "../../ports/state-store.js";
import { errorText } from "../../core/errors.js";
import type { Caller } from "../audit.js";
import { sayCommand } from "../outcome.js";
import type { Runtime } from "../runtime.js";
import { enable } from "./channel-state.js";

export interface ChannelTestAnswer {
  readonly channel: string;
  readonly kind: string;
  readonly target: string;
  readonly delivered: boolean;
  readonly outcome: SendResult["outcome"];
  readonly status?: number;
  /** What the receiver answered (accepted), or why it did not take the alert. */
  readonly answer?: string;
  readonly ms: number;
}

export async function testChannel(
  rt: Runtime,
  caller: Caller,
  name: string,
): Promise<ChannelTestAnswer | undefined> {
  const configured = rt.alerts.channels.find((c) => c.channel.name === name);
  if (!configured) return undefined;
  const { channel } = configured;
  const at = rt.clock.now();
  const alert: Alert = {
    key: `test:${name}|${caller.request ?? at}`,
    type: "alert.test",
    severity: "info",
    at,
    observer: rt.observer,
    subject: `test:${name}`,
    title: `Test alert from Tandem for channel ${name}`,
    summary: `${caller.name} asked Tandem (observer ${rt.observer}) to test this channel. If you read this, alerts reach you here.`,
    details: { channel: name, by: caller.name },
  };
  const started = performance.now();
  // One attempt, as long as one attempt of a delivery may take: the answer is the receiver's.
  const timeoutMs = rt.alerts.timing.attemptTimeoutMs;
  const result = await channel.send(alert, {
    links: rt.alerts.links,
    abortSignal: AbortSignal.timeout(timeoutMs),
    timeoutMs,
  });
  const ms = Math.round(performance.now() - started);
  const delivered = result.outcome === "accepted";
  const said = result.outcome === "accepted" ? result.answer : result.reason;
  const status = "status" in result ? result.status : undefined;
  try {
    const before: ChannelRecord = (await rt.store.readAlertChannels())[name] ?? {
      delivered: 0,
      failed: 0,
      failing: 0,
    };
    const { disabled, ...rest } = before;
    const record: ChannelRecord = delivered
      ? {
          ...rest,
          lastDelivery: { at, type: alert.type, ...(status ? { status } : {}) },
          failing: 0,
        }
      : {
          ...before,
          lastFailure: { at, type: alert.type, reason: said ?? result.outcome },
          failing: before.failing + 1,
        };
    // Enabled again, and said on every channel (resolving "disabled"); recorded either way.
    if (delivered && disabled)
      await enable(rt, channel, { ...record, disabled }, `${caller.name}'s test of ${name} passed`);
    else await rt.store.writeAlertChannel(name, record);
  } catch (error) {
    rt.log.warn(`alerts: could not record the test of ${name}: ${errorText(error)}`);
  }
  const line = `${name} (${channel.kind}, ${channel.target}): ${result.outcome}${status ? ` ${status}` : ""}`;
  const told = { detail: { channel: name } };
  await sayCommand(
    rt,
    caller,
    "alerts test",
    undefined,
    line,
    delivered
      ? { kind: "done", detail: {}, told }
      : { kind: "unavailable", message: line, told: { ...told, failed: true } },
  );
  return {
    channel: name,
    kind: channel.kind,
    target: channel.target,
    delivered,
    outcome: result.outcome,
    ...(status === undefined ? {} : { status }),
    ...(said ? { answer: said } : {}),
    ms,
  };
}
