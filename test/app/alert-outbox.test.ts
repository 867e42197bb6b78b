// The holder's outbox work around the channels' lanes, on a virtual clock with fake channels:
// what each attempt records (telemetry, log, the channel's counts, the row's delivery), when a
// lane waits within a run and when across ticks, where a window ends exactly, how give-ups are
// told and a streak ends, what a disabled channel's alerts become; and the outbox itself: claims,
// a takeover by a new holder, a holder's new epoch, refused claims and marks, marks written by a
// process that lost the lease, when the outbox is read, the batch, a dispatch asked for while one
// runs, reminders, pruning; and the direct delivery used while the store is out of reach.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoff } from "../../src/app/alerts/budget.js";
import { deliver } from "../../src/app/alerts/deliver.js";
import { alertsSettled, startAlertSender } from "../../src/app/alerts/sender.js";
import type { AlertTiming } from "../../src/app/alerts/setup.js";
import { DEFAULT_ALERT_TIMING } from "../../src/app/alerts/setup.js";
import { readAlertStatus } from "../../src/app/alerts/status.js";
import { testChannel } from "../../src/app/alerts/test-channel.js";
import { holderId } from "../../src/app/runtime.js";
import type { SendResult } from "../../src/ports/alerts.js";
import type { OutboxRow } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import type { HarnessOptions } from "../helpers/alert-harness.js";
import {
  AlertHarness,
  FAILING,
  FakeChannel,
  MINUTE,
  TICK,
  testAlert,
} from "../helpers/alert-harness.js";
import { ManualClock } from "../helpers/runtime.js";

/** One process holding the lease. */
async function one(options: HarnessOptions = {}): Promise<AlertHarness> {
  const h = new AlertHarness(options);
  await h.start();
  await h.lease();
  return h;
}

/** Two observers; a retry waits for the next tick (the clock moves only with the ticks). */
const TWO: HarnessOptions = {
  observers: ["westeurope", "northeurope"],
  timing: { maxRetryAfterMs: 0 },
};

/** Two processes, one holding the lease: the holder, and the other. */
async function two(options: HarnessOptions = TWO) {
  const h = new AlertHarness(options);
  await h.start("westeurope");
  await h.start("northeurope");
  const holder = await h.lease();
  const other = h.processes.get(holder.observer === "westeurope" ? "northeurope" : "westeurope")!;
  return { h, holder, other };
}

const statusOf = async (h: AlertHarness, name: string) =>
  (await readAlertStatus(h.rt)).find((c) => c.name === name)!;

/** The test alerts a channel took (not the lease's or the stale observers'). */
const ours = (c: FakeChannel) => c.keys().filter((k) => k.startsWith("test:"));

const failThen =
  (times: number, result: SendResult = FAILING): (() => SendResult) =>
  () =>
    times-- > 0 ? result : { outcome: "accepted", status: 202 };

describe("what each attempt records", () => {
  it("one alert.delivery event per attempt: the channel, the alert, the outcome, the status when there is one, the group, and the incident as its scope", async () => {
    const h = await one();
    h.a.answer = failThen(1);
    h.b.answer = () => ({ outcome: "skipped", reason: "not told of this" });
    const inGroup = testAlert(h, "error", { group: "shop", incident: "inc-1" });
    await h.raise(inGroup);
    await h.tick();
    await h.tick();
    const a = h.events.filter(
      (e) => e.name === "alert.delivery" && e.properties["channel"] === "a",
    );
    assert.deepEqual(
      a.map((e) => e.properties),
      ["retry", "accepted"].map((outcome, i) => ({
        channel: "a",
        channelKind: "webhook",
        alert: "automation.paused",
        key: inGroup.key,
        outcome,
        observer: "westeurope",
        group: "shop",
        status: i === 0 ? "503" : "202",
      })),
    );
    assert.deepEqual(a[0]!.measurements, { attempts: 1 });
    assert.equal(h.a.contexts[0]!.timeoutMs, 1000, "each attempt under its own timeout");
    assert.equal(h.a.contexts[0]!.links, h.rt.alerts.links);
    assert.equal(h.a.contexts[0]!.abortSignal.aborted, false);
    assert.deepEqual(a[0]!.scope, { incident: "inc-1" });
    const b = h.events.find((e) => e.properties["channel"] === "b")!;
    assert.equal(b.properties["outcome"], "skipped");
    assert.equal(b.properties["status"], undefined, "no status without one");
    // An alert of no group and no incident carries neither.
    h.events.length = 0;
    await h.raise(testAlert(h));
    await h.tick();
    const plain = h.events.find((e) => e.properties["channel"] === "a")!;
    assert.equal("group" in plain.properties, false);
    assert.deepEqual(plain.scope, {});
  });

  it("the first failure of an alert is logged once, with how long it is tried; a refusal is logged; nothing is logged as an error", async () => {
    const h = await one();
    h.a.answer = failThen(5);
    h.b.answer = () => ({ outcome: "rejected", status: 400, reason: "400 Bad Request: no" });
    const x = testAlert(h, "warning");
    await h.raise(x);
    await h.until(() => h.a.got.length === 1, 5);
    const did = h.lines.filter((l) => l.includes("did not take"));
    assert.deepEqual(did, [
      `westeurope warn alerts: a (webhook, https://fake.test) did not take automation.paused [${x.key}]: 503 Service Unavailable (tried again until it is taken, for 15 min)`,
    ]);
    assert.deepEqual(
      h.lines.filter((l) => l.includes("refused")),
      [
        `westeurope warn alerts: b (webhook, https://fake.test) refused automation.paused [${x.key}]: 400 Bad Request: no`,
      ],
    );
    assert.deepEqual(
      h.lines.filter((l) => l.includes(" error ")),
      [],
    );
  });

  it("the channel's record: each attempt counted, failing since the last delivery, the latest of each; a skipped alert counts nothing", async () => {
    const h = await one({ timing: { attemptsPerRun: 1 } });
    const base = (await statusOf(h, "a")).delivered; // the lease's alert
    h.a.answer = failThen(2);
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    let a = await statusOf(h, "a");
    assert.deepEqual([a.delivered - base, a.failed, a.failing], [0, 1, 1]);
    assert.deepEqual(a.lastFailure, {
      at: new Date(h.a.attempts[0]!.at).toISOString(),
      type: "automation.paused",
      reason: "503 Service Unavailable",
    });
    await h.until(() => h.a.got.length === 1, 5);
    a = await statusOf(h, "a");
    assert.deepEqual([a.delivered - base, a.failed, a.failing], [1, 2, 0]);
    assert.deepEqual(a.lastDelivery, {
      at: new Date(h.a.attempts.at(-1)!.at).toISOString(),
      type: "automation.paused",
      status: 202,
    });
    h.a.answer = () => ({ outcome: "skipped", reason: "not told of this" });
    await h.raise(testAlert(h));
    await h.tick();
    const after = await statusOf(h, "a");
    assert.deepEqual([after.delivered - base, after.failed, after.failing], [1, 2, 0]);
    assert.equal(after.pending, 0);
  });

  it("each outcome ends the delivery as it should: sent, skipped, refused (the channel goes on with its next alert)", async () => {
    const h = await one();
    const [sent, skipped, refused, next] = [testAlert(h), testAlert(h), testAlert(h), testAlert(h)];
    h.a.answer = (alert) =>
      alert.key === skipped.key
        ? { outcome: "skipped", reason: "not told of this" }
        : alert.key === refused.key
          ? { outcome: "rejected", status: 400, reason: "400 Bad Request" }
          : { outcome: "accepted", status: 202 };
    await h.raise(sent, skipped, refused, next);
    await h.tick();
    const of = (key: string) => h.lastWrite(key)!.deliveries["a"];
    assert.deepEqual(of(sent.key), { state: "sent", attempts: 1, at: h.clock.now(), status: 202 });
    assert.deepEqual(of(skipped.key), {
      state: "skipped",
      attempts: 1,
      at: h.clock.now(),
      note: "not told of this",
    });
    assert.deepEqual(of(refused.key), {
      state: "failed",
      attempts: 1,
      at: h.clock.now(),
      status: 400,
      note: "400 Bad Request",
    });
    assert.deepEqual(h.a.keys(), [sent.key, next.key]);
    assert.ok(
      [sent, skipped, refused, next].every((x) => h.lastWrite(x.key)!.done),
      "every row done",
    );
    assert.equal(h.lastWrite(sent.key)!.doneAt, h.clock.now(), "when, for pruning");
  });
});

describe("when a lane waits, and when it gives up", () => {
  it("at most attemptsPerRun attempts at one alert in a tick (waits pass, within the run)", async () => {
    const h = await one({ timing: { backoffMs: 10, maxBackoffMs: 100 } });
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h, "critical"));
    await h.tick();
    assert.equal(h.a.attempts.length, DEFAULT_ALERT_TIMING.attemptsPerRun);
    await h.tick();
    assert.equal(h.a.attempts.length, 2 * DEFAULT_ALERT_TIMING.attemptsPerRun);
  });

  // When the attempt after a 429 comes. The lease is renewed at each tick: 20 s of acting time
  // are left when the first attempt fails; a run may wait 5 s here, or the default 30 s.
  const waits: [string, number, number | undefined, number, number][] = [
    // name, Retry-After, maxRetryAfterMs, the next attempt after the first, ticks taken
    ["longer than a run may wait: with the next tick", 8000, 5000, TICK, 1],
    ["exactly what a run may wait: slept, then at once", 5000, 5000, 5000, 0],
    [
      "longer than the acting time left: not slept then, slept from the next tick",
      25_000,
      undefined,
      25_000,
      1,
    ],
    [
      "the whole acting time left: not slept, then slept from the next tick",
      20_000,
      undefined,
      20_000,
      1,
    ],
  ];
  for (const [name, retryAfterMs, maxRetryAfterMs, next, ticks] of waits)
    it(`a Retry-After ${name}`, async () => {
      const h = await one(maxRetryAfterMs === undefined ? {} : { timing: { maxRetryAfterMs } });
      h.a.answer = failThen(1, { outcome: "retry", status: 429, reason: "429", retryAfterMs });
      await h.raise(testAlert(h));
      await h.tick();
      const first = h.a.attempts[0]!.at;
      const taken = await h.until(() => h.a.got.length === 1, 5);
      assert.deepEqual(
        h.a.attempts.map((t) => t.at - first),
        [0, next],
      );
      assert.equal(taken, ticks);
    });

  it("no attempt starts once the acting time has ended during a slow one", async () => {
    const h = await one();
    h.a.answer = () => {
      h.clock.advance(MINUTE); // a receiver that took a minute to answer
      return { outcome: "accepted", status: 202 };
    };
    await h.raise(testAlert(h), testAlert(h));
    await h.tick();
    assert.equal(h.a.attempts.length, 1, "the second waits for a renewed lease");
    await h.until(() => h.a.got.length === 2, 10);
  });

  it("a window ends exactly at the alert's time plus the window: given up then, the delivery saying why", async () => {
    const h = await one({
      timing: {
        maxRetryAfterMs: 0,
        windowMs: { ...DEFAULT_ALERT_TIMING.windowMs, warning: MINUTE },
      },
    });
    h.a.answer = () => ({ ...FAILING, retryAfterMs: 1 });
    const x = testAlert(h, "warning");
    await h.raise(x);
    await h.until(async () => (await statusOf(h, "a")).givenUp === 1, 10);
    assert.deepEqual(
      h.a.attempts.map((t) => t.at - x.at),
      [TICK, 2 * TICK, 3 * TICK, 4 * TICK, 5 * TICK],
    );
    const a = await statusOf(h, "a");
    assert.equal(a.lastGiveUp?.at, new Date(x.at + MINUTE).toISOString());
    const { at: _at, retryAt: _retryAt, ...delivery } = h.lastWrite(x.key)!.deliveries["a"]!;
    assert.deepEqual(delivery, {
      state: "failed",
      attempts: 5,
      status: 503,
      givenUp: true,
      note: "given up: not taken within its window (503 Service Unavailable)",
    });
    assert.deepEqual(
      h.lines.filter((l) => l.includes(" error ")),
      [
        `westeurope error alerts: gave automation.paused [${x.key}] up on a (webhook, https://fake.test): not taken within 1 min (503 Service Unavailable)`,
      ],
    );
  });

  it("a give-up is told with who, when and in which epoch, once per streak and severity; the streak's start is kept; delivering again ends it, once, with the count", async () => {
    const windowMs = { info: MINUTE, warning: MINUTE, error: MINUTE, critical: MINUTE };
    const h = await one({ timing: { windowMs } });
    const epoch = h.rt.memory.lease.held!.epoch;
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h, "info"));
    await h.until(() => h.b.ofType("channel.undelivered").length === 1, 20);
    const first = h.b.ofType("channel.undelivered")[0]!;
    const since = Date.parse((await statusOf(h, "a")).lastGiveUp!.at);
    assert.deepEqual(
      [first.observer, first.epoch, first.at, first.severity, first.key],
      ["westeurope", epoch, since, "warning", `undelivered:a|${since}|warning`],
    );
    await h.raise(testAlert(h, "error"));
    await h.until(() => h.b.ofType("channel.undelivered").length === 2, 20);
    assert.equal(h.b.ofType("channel.undelivered")[1]!.key, `undelivered:a|${since}|error`);
    await h.raise(testAlert(h, "info"));
    await h.until(async () => (await statusOf(h, "a")).givenUp === 3, 20);
    await h.tick();
    assert.equal(h.b.ofType("channel.undelivered").length, 2, "not told again: less severe");
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.raise(testAlert(h));
    await h.until(() => h.b.ofType("channel.delivering").length === 1, 5);
    await h.raise(testAlert(h));
    await h.tick();
    await h.tick();
    assert.equal(h.b.ofType("channel.delivering").length, 1, "once");
    const back = h.b.ofType("channel.delivering")[0]!;
    assert.equal(back.key, `undelivered:a|${since}|delivering`);
    assert.match(back.summary, /3 alert\(s\) given up on it in all/);
    assert.equal(back.resolves?.severity, "error");
    // A new streak is told again.
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h, "info"));
    await h.until(() => h.b.ofType("channel.undelivered").length === 3, 20);
  });

  it("a channel that delivers again while its news cannot be written says it at its next delivery", async () => {
    const h = await one({
      timing: { windowMs: { ...DEFAULT_ALERT_TIMING.windowMs, warning: MINUTE } },
    });
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h));
    await h.until(() => h.b.ofType("channel.undelivered").length === 1, 20);
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    let refuse = 1;
    h.fault = (method, args) =>
      method === "enqueueAlerts" &&
      (args[0] as { type: string }[])[0]?.type === "channel.delivering" &&
      refuse-- > 0
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    await h.raise(testAlert(h));
    await h.tick();
    assert.equal(refuse, 0);
    assert.equal(h.b.ofType("channel.delivering").length, 0);
    await h.raise(testAlert(h));
    await h.until(() => h.b.ofType("channel.delivering").length === 1, 5);
  });

  it("a gone receiver: the channel's other alerts end there (not on other channels, not those it took), the disabling is recorded once, audited, logged and told at the next tick", async () => {
    const h = await one();
    h.b.answer = () => FAILING;
    const [x, y, z] = [testAlert(h), testAlert(h), testAlert(h)];
    h.a.answer = (alert) =>
      alert.key === x.key
        ? { outcome: "accepted", status: 202 }
        : { outcome: "gone", status: 410, reason: "410 Gone" };
    await h.raise(x, y, z);
    await h.tick();
    const goneAt = h.a.attempts[1]!.at;
    assert.equal(h.lastWrite(x.key)!.deliveries["a"]!.state, "sent", "what it took stays sent");
    assert.deepEqual(h.lastWrite(y.key)!.deliveries["a"], {
      state: "failed",
      attempts: 1,
      at: goneAt,
      status: 410,
      note: "410 Gone",
    });
    assert.deepEqual(h.lastWrite(z.key)!.deliveries["a"], {
      state: "failed",
      attempts: 0,
      note: "the channel is disabled",
    });
    for (const k of [x.key, y.key, z.key])
      assert.equal(h.lastWrite(k)!.deliveries["b"]!.state, "pending");
    assert.equal(h.a.attempts.length, 2);
    assert.equal(h.calls.get("writeAlertChannel"), 2, "b's record, and a's once: disabled");
    const record = (await h.store.readAlertChannels())["a"]!;
    assert.deepEqual(record.disabled, { at: goneAt, reason: "410 Gone", fingerprint: "url-1" });
    const [entry] = (await h.store.readActions()).filter(
      (e) => e.name === "alerts: disable channel a",
    );
    const epoch = h.rt.memory.lease.held!.epoch;
    assert.deepEqual([entry?.actor, entry?.epoch, entry?.outcome], [holderId(h.rt), epoch, "done"]);
    assert.match(entry?.reason ?? "", /answered 410 Gone: Tandem stops sending to a/);
    assert.ok(h.lines.some((l) => l.startsWith("westeurope error alerts: webhook receiver at")));
    // Told on the other channel at the next tick.
    h.b.answer = () => ({ outcome: "accepted", status: 202 });
    await h.tick();
    const [told] = h.b.ofType("channel.disabled");
    assert.deepEqual(
      [told?.key, told?.observer, told?.epoch, told?.at],
      [`channel:a|disabled|${goneAt}`, "westeurope", epoch, goneAt],
    );
    // The status says disabled while the record's fingerprint is the channel's, not after.
    assert.equal((await statusOf(h, "a")).state, "disabled");
    assert.deepEqual((await statusOf(h, "a")).disabled?.reason, "410 Gone");
    h.a.fingerprint = "url-2";
    assert.equal((await statusOf(h, "a")).state, "enabled");
  });
});

describe("the outbox across processes and epochs", () => {
  it("a new holder takes a dead holder's rows over only after a lease duration and an attempt's timeout, and sends each once", async () => {
    const { h, holder } = await two();
    const other = holder.observer === "westeurope" ? "northeurope" : "westeurope";
    h.a.answer = () => FAILING;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.match(h.lastWrite(x.key)!.claim!.holder, new RegExp(`^${holder.observer}`));
    // The holder dies; the other takes the lease, sees the claim, and waits before taking it.
    h.processes.delete(holder.observer);
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    const before = h.writes.length;
    await h.until(() => h.processes.get(other)!.memory.lease.held !== undefined, 20);
    const tookLeaseAt = h.clock.now();
    await h.until(() => h.a.keys().includes(x.key), 20);
    const claims = h.writes
      .slice(before)
      .filter((w) => w.row.claim?.holder.startsWith(other) && w.row.alert.key === x.key);
    const claimedAt = h.a.attempts.find((t) => t.key === x.key && t.at >= tookLeaseAt)!.at;
    assert.ok(claims.length >= 1);
    // Lease 30 s, attempt timeout 1 s, from when it first saw the claim (its first dispatch).
    assert.ok(claimedAt - tookLeaseAt >= 31_000, `${claimedAt - tookLeaseAt} ms`);
    assert.ok(claimedAt - tookLeaseAt < 31_000 + 2 * TICK);
    await h.tick();
    assert.deepEqual(ours(h.a), [x.key]);
    assert.deepEqual(ours(h.b), [x.key]);
  });

  it("a claim changed meanwhile is watched again from its new version", async () => {
    const { h, holder, other } = await two();
    h.a.answer = () => FAILING;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    h.processes.delete(holder.observer);
    await h.until(() => other.memory.lease.held !== undefined, 20);
    await h.tick();
    // The dead holder's late mark lands (its version changes) after the new one first saw it.
    const stored = (await h.store.readOutbox(["shop"])).find((r) => r.row.alert.key === x.key);
    await h.store.updateOutbox(stored!.ref, stored!.row, stored!.etag);
    const changedAt = h.clock.now();
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => h.a.keys().includes(x.key), 20);
    const sentAt = h.a.attempts.find((t) => t.key === x.key && t.at >= changedAt)!.at;
    assert.ok(sentAt - changedAt >= 31_000, `${sentAt - changedAt} ms`);
  });

  it("a holder in a new epoch delivers its old epoch's rows after claiming them again, each once", async () => {
    const { h, holder: first, other: second } = await two();
    h.a.answer = () => FAILING;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    const epoch1 = first.memory.lease.held!.epoch;
    // The first holder stops ticking; the second takes the lease, then stops; the first returns.
    await h.until(() => second.memory.lease.held !== undefined, 20, { only: [second.observer] });
    await h.tick({ only: [second.observer] });
    await h.until(() => (first.memory.lease.held?.epoch ?? 0) > epoch1 + 0, 30, {
      only: [first.observer],
    });
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => h.a.keys().includes(x.key), 20, { only: [first.observer] });
    await h.tick({ only: [first.observer] });
    assert.deepEqual(ours(h.a), [x.key]);
    assert.deepEqual(ours(h.b), [x.key]);
    assert.ok(first.memory.lease.held!.epoch > epoch1);
    assert.equal(
      h.writes.find((w) => w.row.alert.key === x.key && w.row.deliveries["a"]?.state === "sent")
        ?.row.claim?.epoch,
      first.memory.lease.held!.epoch,
      "claimed again in the new epoch before it was sent",
    );
    assert.deepEqual(
      [...first.memory.alerts.held.values()].filter((r) => r.epoch === epoch1),
      [],
      "no row of the old epoch is held",
    );
  });

  it("a process that lost the lease writes the marks the store refused on its next tick, and the new holder sends nothing again", async () => {
    const { h, holder: first, other: second } = await two();
    let refuse = true;
    h.fault = (method, args) => {
      const row = args[1] as { deliveries?: Record<string, { state: string }> } | undefined;
      const sent = Object.values(row?.deliveries ?? {}).some((d) => d.state === "sent");
      return method === "updateOutbox" && sent && refuse
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    };
    const x = testAlert(h);
    await h.raise(x);
    await h.tick({ only: [first.observer] });
    assert.deepEqual(ours(h.a), [x.key]);
    const open = async () =>
      (await h.store.readOutbox(["shop"])).some((r) => r.row.alert.key === x.key);
    assert.equal(await open(), true, "not marked");
    refuse = false;
    // The first stops deciding as holder; the second takes over; the first ticks as a follower.
    await h.until(() => second.memory.lease.held !== undefined, 20, { only: [second.observer] });
    await h.tick();
    assert.equal(await open(), false, "marked by the process that sent it");
    await h.tick();
    await h.tick();
    await h.tick();
    await h.tick();
    assert.deepEqual(ours(h.a), [x.key]);
    assert.deepEqual(ours(h.b), [x.key]);
  });

  it("a claim the store refuses is not delivered by this process; the next dispatch claims it", async () => {
    const h = await one();
    let refuse = 1;
    // The claim: every delivery pending and never attempted.
    h.fault = (method, args) => {
      const row = args[1] as { deliveries?: Record<string, { attempts: number }> } | undefined;
      const claim = Object.values(row?.deliveries ?? { x: { attempts: 1 } }).every(
        (d) => d.attempts === 0,
      );
      return method === "updateOutbox" && claim && refuse-- > 0
        ? new StoreError("conflict", "state store: updating outbox row failed: 412", {
            status: 412,
          })
        : undefined;
    };
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.equal(refuse, 0);
    assert.deepEqual(h.a.keys(), []);
    assert.ok(h.lines.some((l) => l.includes(`warn alerts: could not claim ${x.key}`)));
    await h.tick();
    assert.deepEqual(h.a.keys(), [x.key]);
  });

  it("a mark refused as a conflict (a write that landed after all): the row is read and claimed again, and what was sent is not sent again", async () => {
    const h = await one();
    h.b.answer = () => FAILING;
    let refuse = 1;
    h.fault = (method, args) => {
      const row = args[1] as { deliveries?: Record<string, { state: string }> } | undefined;
      return method === "updateOutbox" && row?.deliveries?.["a"]?.state === "sent" && refuse-- > 0
        ? new StoreError("conflict", "state store: 412", { status: 412 })
        : undefined;
    };
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.equal(refuse, 0);
    h.b.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => h.b.got.length === 1, 5);
    await h.tick();
    assert.deepEqual(h.a.keys(), [x.key], "a took it once");
    assert.deepEqual(await h.store.readOutbox(["shop"]), []);
  });
});

describe("when the holder reads the outbox and starts delivering", () => {
  it("rows written by other processes are read within three intervals, not at every tick", async () => {
    const h = await one();
    h.rt.memory.alerts.dirty = true;
    await h.tick(); // read now
    const x = testAlert(h);
    await h.store.enqueueAlerts([x]); // not this process's: it is not told
    await h.tick();
    await h.tick();
    assert.deepEqual(h.a.keys(), [], "not read 20 s after its last read");
    await h.tick();
    assert.deepEqual(h.a.keys(), [x.key], "read 30 s after");
  });

  it("a batch at a time; what is left is read at the next dispatch", async () => {
    const h = await one({ timing: { batch: 2 } });
    const alerts = [testAlert(h), testAlert(h), testAlert(h)];
    await h.raise(...alerts);
    await h.tick();
    assert.equal(h.a.got.length, 2);
    await h.tick();
    assert.deepEqual(
      h.a.keys(),
      alerts.map((x) => x.key),
    );
  });

  it("an older alert claimed later goes first on a channel still trying a newer one", async () => {
    const h = await one({ timing: { attemptsPerRun: 1 } });
    h.a.answer = () => FAILING;
    const newer = testAlert(h);
    await h.raise(newer);
    await h.tick();
    const older = testAlert(h, "warning", { at: newer.at - 5000 });
    await h.raise(older);
    await h.tick();
    assert.equal(h.a.attempts.at(-1)!.key, older.key);
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.tick();
    assert.deepEqual(h.a.keys(), [older.key, newer.key]);
  });

  it("a dispatch asked for while one runs runs after it: what was written meanwhile goes out without another tick", async () => {
    const h = await one();
    const epoch = h.rt.memory.lease.held!.epoch;
    const x = testAlert(h);
    await h.raise(x);
    startAlertSender(h.rt, epoch, []);
    const y = testAlert(h);
    await h.raise(y);
    startAlertSender(h.rt, epoch, []);
    await alertsSettled(h.rt);
    assert.deepEqual(h.a.keys(), [x.key, y.key]);
  });

  it("no dispatch without acting time, or without channels", async () => {
    const h = await one();
    const epoch = h.rt.memory.lease.held!.epoch;
    await h.raise(testAlert(h));
    const none = { ...h.rt, alerts: { ...h.rt.alerts, channels: [] } };
    startAlertSender(none, epoch, []);
    assert.equal(none.memory.alerts.running, undefined);
    h.clock.advance(MINUTE);
    startAlertSender(h.rt, epoch, []);
    await alertsSettled(h.rt);
    assert.deepEqual(h.a.keys(), []);
    assert.equal(h.calls.get("readOutbox") ?? 0, 0, "nothing read");
  });

  it("a retry in progress costs no store write; an ending one is written at once", async () => {
    const h = await one();
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h));
    await h.tick();
    const writes = h.writes.length;
    await h.tick();
    await h.tick();
    assert.equal(h.writes.length, writes);
  });

  /** A harness whose probes of `failing` fail until `first` is sent, and then for 13 ticks more. */
  async function remindedOf(failing: string, first: string): Promise<AlertHarness> {
    const h = new AlertHarness({ reminderMinutes: 1 });
    await h.start();
    await h.lease();
    h.failing.add(failing);
    await h.until(() => h.a.ofType(first).length === 1, 10, { probe: true });
    for (let i = 0; i < 13; i++) await h.tick({ probe: true });
    return h;
  }

  const remindedCases: [string, string, string, RegExp][] = [
    [
      "a down region",
      "westeurope>northeurope",
      "region.down",
      /northeurope is still down \(open 1m0\ds\)/,
    ],
    [
      // The one observer is inside westeurope: no outside observer can confirm it down.
      "a region only its inside observer sees failing",
      "westeurope>westeurope",
      "region.unconfirmed",
      /westeurope may still be down, and no outside observer can confirm it \(open 1m0\ds\)/,
    ],
  ];
  for (const [name, failing, first, title] of remindedCases)
    it(`reminds of ${name} every interval from when it began, once each, at its severity, until it clears`, async () => {
      const h = await remindedOf(failing, first);
      const reminders = h.a.ofType("reminder");
      assert.deepEqual(
        reminders.map((r) => [r.reminder?.of, r.reminder?.count, r.severity]),
        [
          [first, 1, h.a.ofType(first)[0]!.severity],
          [first, 2, h.a.ofType(first)[0]!.severity],
        ],
      );
      assert.match(reminders[0]!.title, title);
      h.failing.clear();
      // Ended by what resolves it (a down region after the dwell time).
      await h.until(() => h.a.got.some((g) => g.resolves?.type === first), 100, { probe: true });
      for (let i = 0; i < 13; i++) await h.tick({ probe: true });
      assert.equal(h.a.ofType("reminder").length, 2, "none once it has cleared");
    });

  it("prunes done rows a day old, once an hour", async () => {
    const h = new AlertHarness();
    await h.start();
    await h.lease();
    assert.equal(h.prunes.length, 1, "at the first look at the outbox");
    assert.ok(Math.abs(h.prunes[0]! - (h.clock.now() - 24 * 60 * MINUTE)) <= 3 * TICK);
    for (let i = 0; i < 4 * 59; i++) await h.tick({ ms: 15_000 });
    assert.equal(h.prunes.length, 1);
    for (let i = 0; i < 8; i++) await h.tick({ ms: 15_000 });
    assert.equal(h.prunes.length, 2);
  });
});

describe("the direct delivery (the store out of reach) and the backoff", () => {
  const timing: AlertTiming = { ...DEFAULT_ALERT_TIMING, attemptsPerRun: 3 };
  const context = (over: Partial<Parameters<typeof deliver>[2]> = {}) => {
    const sleeps: number[] = [];
    return {
      sleeps,
      ctx: {
        links: {},
        timing,
        sleep: async (ms: number) => void sleeps.push(ms),
        signal: new AbortController().signal,
        deadline: performance.now() + MINUTE,
        ...over,
      },
    };
  };
  const clock = new ManualClock();
  const alert = testAlert({ clock } as AlertHarness);

  it("tries up to attemptsPerRun times with the backoff between, and stops at the first answer that is not a retry", async () => {
    const c = new FakeChannel("c", clock);
    c.answer = () => FAILING;
    const { sleeps, ctx } = context();
    assert.deepEqual(await deliver(c, alert, ctx), FAILING);
    assert.equal(c.attempts.length, 3);
    assert.equal(c.contexts[0]!.timeoutMs, timing.attemptTimeoutMs);
    assert.deepEqual(sleeps, [backoff(timing, alert.key, 1), backoff(timing, alert.key, 2)]);
    c.answer = failThen(1);
    c.attempts.length = 0;
    assert.equal((await deliver(c, alert, context().ctx)).outcome, "accepted");
    assert.equal(c.attempts.length, 2);
  });

  it("a wait longer than it may wait, or past the deadline, ends it; a channel that throws is a retry", async () => {
    const c = new FakeChannel("c", clock);
    c.answer = () => ({ ...FAILING, retryAfterMs: 31_000 });
    await deliver(c, alert, context().ctx);
    assert.equal(c.attempts.length, 1);
    c.attempts.length = 0;
    c.answer = () => ({ ...FAILING, retryAfterMs: 5000 });
    await deliver(c, alert, context({ deadline: performance.now() + 2000 }).ctx);
    assert.equal(c.attempts.length, 1);
    c.attempts.length = 0;
    c.answer = () => ({ ...FAILING, retryAfterMs: 30_000 });
    const { sleeps, ctx } = context();
    await deliver(c, alert, ctx);
    assert.deepEqual(sleeps, [30_000, 30_000], "a Retry-After up to the most is waited");
    const thrower = new FakeChannel("t", clock);
    thrower.answer = () => {
      throw new Error("boom");
    };
    thrower.redact = (t) => t.replace("boom", "[secret]");
    assert.deepEqual(
      await deliver(thrower, alert, { ...context().ctx, timing: { ...timing, attemptsPerRun: 1 } }),
      {
        outcome: "retry",
        reason: "Error: [secret]",
      },
    );
  });

  it("nothing is attempted once the signal is aborted or the deadline has passed", async () => {
    const c = new FakeChannel("c", clock);
    const aborted = new AbortController();
    aborted.abort();
    const late = await deliver(c, alert, context({ deadline: performance.now() - 1 }).ctx);
    const stopped = await deliver(c, alert, context({ signal: aborted.signal }).ctx);
    assert.equal(c.attempts.length, 0);
    for (const r of [late, stopped])
      assert.deepEqual(r, { outcome: "retry", reason: "not attempted: out of time" });
  });

  it("the backoff doubles from 1 s up to 30 s, with a jitter of ±50 % that is the same on every replay", () => {
    const bounds = [1, 2, 4, 8, 16, 30, 30].map((s) => s * 1000);
    bounds.forEach((base, i) => {
      const ms = backoff(DEFAULT_ALERT_TIMING, "k", i + 1);
      assert.ok(ms >= base * 0.5 && ms <= base * 1.5, `attempt ${i + 1}: ${ms}`);
      assert.equal(ms, backoff(DEFAULT_ALERT_TIMING, "k", i + 1));
    });
    const spread = new Set(
      ["a", "b", "c", "d", "e"].map((k) => backoff(DEFAULT_ALERT_TIMING, k, 3)),
    );
    assert.ok(spread.size > 1, "alerts spread out");
  });
});

describe("a lane's boundaries", () => {
  it("a lane whose process holds another epoch after a wait stops: that epoch is not its own", async () => {
    const box: { h?: AlertHarness } = {};
    const h = await one({
      sleep: (clock, ms) => {
        clock.advance(ms);
        const rt = box.h!.rt;
        const lease = rt.memory.lease;
        rt.memory.lease = { ...lease, held: { ...lease.held!, epoch: lease.held!.epoch + 1 } };
      },
    });
    box.h = h;
    h.a.answer = () => ({ ...FAILING, retryAfterMs: 1000 });
    await h.raise(testAlert(h));
    await h.tick({ settle: false });
    await alertsSettled(h.rt);
    assert.equal(h.a.attempts.length, 1, "no attempt after the wait");
  });
});

describe("claims, marks and takeovers at their edges", () => {
  it("a takeover waits exactly a lease duration and an attempt's timeout from first seeing the claim", async () => {
    const { h, holder, other } = await two({
      ...TWO,
      timing: { maxRetryAfterMs: 0, attemptTimeoutMs: 10_000 },
    });
    h.a.answer = () => FAILING;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    h.processes.delete(holder.observer);
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => other.memory.lease.held !== undefined, 20);
    const firstSeen = h.clock.now();
    await h.until(() => h.a.keys().includes(x.key), 10);
    const sentAt = h.a.attempts.find((t) => t.key === x.key && t.at >= firstSeen)!.at;
    assert.equal(sentAt - firstSeen, 40_000, "30 s of lease and 10 s of attempt timeout");
  });

  it("a channel disabled meanwhile: the dead holder's pending deliveries to it end when the row is taken over", async () => {
    const { h, holder } = await two();
    h.a.answer = () => FAILING;
    h.b.answer = () => FAILING;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    h.processes.delete(holder.observer);
    await h.store.writeAlertChannel("a", {
      delivered: 0,
      failed: 0,
      failing: 0,
      disabled: { at: h.clock.now(), reason: "410 Gone", fingerprint: "url-1" },
    });
    h.b.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => h.b.keys().includes(x.key), 20);
    assert.deepEqual(h.lastWrite(x.key)!.deliveries["a"], {
      state: "failed",
      attempts: 0,
      note: "the channel is disabled or removed",
    });
  });

  it("a mark reported failed that had landed: the next write conflicts, the row is claimed again at the next tick, and nothing is sent twice", async () => {
    const h = await one();
    h.b.answer = () => FAILING;
    let landedThenFailed = 1;
    const x = testAlert(h);
    h.fault = (method, args) => {
      const row = args[1] as OutboxRow | undefined;
      if (method !== "updateOutbox" || row?.alert.key !== x.key) return undefined;
      if (row.deliveries["a"]?.state !== "sent") return undefined;
      if (landedThenFailed-- <= 0) return undefined;
      // The write lands, and its answer is lost.
      void h.store.updateOutbox(args[0] as string, args[1] as never, args[2] as string);
      return new StoreError("unavailable", "state store: timed out");
    };
    await h.raise(x);
    await h.tick();
    assert.ok(h.lines.some((l) => l.includes(`warn alerts: could not mark ${x.key}`)));
    h.b.answer = () => ({ outcome: "accepted", status: 202 });
    await h.tick(); // the marks conflict: the row is dropped, to be read again at once
    await h.tick(); // claimed again with a's and b's deliveries: done
    assert.deepEqual(h.a.keys(), [x.key], "a took it once");
    assert.deepEqual(h.b.keys(), [x.key]);
    const done = h.lastWrite(x.key)!;
    assert.equal(done.done, true);
    assert.equal(typeof done.doneAt, "number");
  });

  it("a process that lost the lease writes its refused marks, done only if every channel is, retrying a refused write; the new holder delivers the rest", async () => {
    const { h, holder: first, other: second } = await two();
    h.b.answer = () => FAILING;
    let refuse = 2; // the mark when a took it, and the first flush
    const x = testAlert(h);
    h.fault = (method, args) => {
      const row = args[1] as OutboxRow | undefined;
      return method === "updateOutbox" &&
        row?.alert.key === x.key &&
        row.deliveries["a"]?.state === "sent" &&
        refuse-- > 0
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    };
    await h.raise(x);
    await h.tick({ only: [first.observer] });
    assert.equal(refuse, 1);
    await h.until(() => second.memory.lease.held !== undefined, 20, { only: [second.observer] });
    await h.tick(); // the first, a follower now, tries its mark: refused
    assert.equal(refuse, 0);
    await h.tick(); // and writes it
    const marked = h.lastWrite(x.key)!;
    assert.equal(marked.deliveries["a"]!.state, "sent");
    assert.equal(
      h.lines.filter((l) => l.includes(`warn alerts: could not mark ${x.key}`)).length,
      2,
      "the refused mark, and the refused flush",
    );
    assert.equal(marked.done, false, "b has not taken it");
    h.b.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => h.b.keys().includes(x.key), 20);
    await h.tick();
    assert.deepEqual(ours(h.a), [x.key]);
    assert.equal(h.lastWrite(x.key)!.done, true);
  });

  it("a row no enabled channel will take is done with its claim, not held", async () => {
    const h = await one({ channels: ["a"] });
    await h.store.writeAlertChannel("a", {
      delivered: 0,
      failed: 0,
      failing: 0,
      disabled: { at: h.clock.now(), reason: "410 Gone", fingerprint: "url-1" },
    });
    const x = testAlert(h);
    await h.raise(x);
    h.rt.memory.alerts.dirty = true;
    await h.tick();
    const claimed = h.lastWrite(x.key)!;
    assert.deepEqual([claimed.done, claimed.doneAt, claimed.deliveries], [true, h.clock.now(), {}]);
    assert.equal(h.rt.memory.alerts.held.size, 0);
  });

  it("a dispatch fails as a whole (the outbox cannot be read): logged, and the next tick delivers", async () => {
    const h = await one();
    let refuse = 1;
    h.fault = (method) =>
      method === "readOutbox" && refuse-- > 0
        ? new StoreError("unavailable", "state store: reading the outbox failed: ECONNRESET")
        : undefined;
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.ok(h.lines.some((l) => l.includes("error alerts: delivery failed: state store")));
    h.rt.memory.alerts.dirty = true;
    await h.tick();
    assert.deepEqual(h.a.keys(), [x.key]);
  });

  it("one dispatch at a time: one asked for meanwhile runs after it, with what was written meanwhile", async () => {
    const h = await one();
    const epoch = h.rt.memory.lease.held!.epoch;
    const x = testAlert(h);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let claiming = 0;
    let most = 0;
    // The first dispatch has read the outbox (x only) and is claiming x: held there.
    h.hold = (method, args) => {
      const row = args[1] as OutboxRow | undefined;
      if (method !== "updateOutbox" || row?.alert.key !== x.key || row.deliveries["a"]?.attempts)
        return undefined;
      most = Math.max(most, ++claiming);
      return gate.then(() => void claiming--);
    };
    await h.raise(x);
    startAlertSender(h.rt, epoch, []);
    for (let i = 0; i < 20 && claiming === 0; i++) await new Promise(setImmediate);
    assert.equal(claiming, 1);
    const y = testAlert(h);
    await h.raise(y);
    startAlertSender(h.rt, epoch, []); // while the first runs
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    release();
    await alertsSettled(h.rt);
    assert.equal(most, 1, "never two dispatches at once");
    assert.deepEqual(h.a.keys(), [x.key, y.key], "y by the dispatch that followed");
  });

  it("a dispatch reading the channels' records leaves a running lane's own record alone", async () => {
    const h = await one();
    let release: (r: SendResult) => void = () => {};
    let n = 0;
    h.a.answer = () =>
      ++n === 1
        ? { ...FAILING, retryAfterMs: 1000 }
        : n === 2
          ? new Promise<SendResult>((resolve) => (release = resolve))
          : { outcome: "accepted", status: 202 };
    await h.raise(testAlert(h));
    await h.tick({ settle: false });
    for (let i = 0; i < 20 && n < 2; i++) await new Promise(setImmediate);
    assert.equal(n, 2, "the second attempt hangs");
    h.rt.memory.alerts.dirty = true;
    await h.tick({ settle: false }); // reads the records while a's lane runs
    for (let i = 0; i < 20; i++) await new Promise(setImmediate);
    release(FAILING);
    await alertsSettled(h.rt);
    assert.equal((await statusOf(h, "a")).failed, 2, "both failed attempts counted");
  });

  it("a batch counts the rows still held: no more are claimed while the held ones wait", async () => {
    const h = await one({ timing: { batch: 2 } });
    h.a.answer = () => FAILING;
    const alerts = [testAlert(h), testAlert(h), testAlert(h)];
    await h.raise(...alerts);
    await h.tick();
    await h.tick();
    const claimed = new Set(h.writes.filter((w) => w.row.claim).map((w) => w.row.alert.key));
    assert.deepEqual([...claimed].sort(), [alerts[0]!.key, alerts[1]!.key]);
  });

  it("an alert written by this process is read at the next tick, however recent the last read", async () => {
    const h = await one();
    h.rt.memory.alerts.dirty = true;
    await h.tick();
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.deepEqual(h.a.keys(), [x.key]);
  });
});

describe("channels enabled again, and what cannot be written", () => {
  it("a test passed through another process enables the channel for the holder, said on every channel, audited by the API only", async () => {
    const { h, other: api } = await two();
    h.a.answer = () => ({ outcome: "gone", status: 410, reason: "410 Gone" });
    await h.raise(testAlert(h));
    await h.until(() => h.b.ofType("channel.disabled").length === 1, 10);
    // A failing test leaves it disabled.
    h.a.answer = () => FAILING;
    await testChannel(api, { name: "ops@contoso.com", via: "test" }, "a");
    assert.equal((await statusOf(h, "a")).state, "disabled");
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await testChannel(api, { name: "ops@contoso.com", via: "test" }, "a");
    await h.until(() => h.a.ofType("channel.enabled").length === 1, 10);
    const enabled = h.a.ofType("channel.enabled")[0]!;
    assert.match(enabled.summary, /^ops@contoso.com's test of a passed: Tandem sends to a/);
    assert.equal(enabled.epoch, undefined, "said by the API, not the holder");
    assert.ok(h.lines.some((l) => l.includes("info alerts: a is enabled again: ops@contoso.com")));
    const audit = (await h.store.readActions()).map((e) => e.name);
    assert.equal(audit.filter((n) => n === "alerts: enable channel a").length, 0);
    // The holder sends to it again.
    const x = testAlert(h);
    await h.raise(x);
    await h.tick();
    assert.ok(h.a.keys().includes(x.key));
  });

  it("a passing test of an enabled channel records the delivery", async () => {
    const h = await one();
    await testChannel(h.rt, { name: "ops@contoso.com", via: "test" }, "a");
    assert.equal((await statusOf(h, "a")).lastDelivery?.type, "alert.test");
    assert.equal(h.a.ofType("channel.enabled").length, 0);
  });

  it("a changed URL enables it again under the holder's epoch, saying why", async () => {
    const h = await one();
    h.a.answer = () => ({ outcome: "gone", status: 410, reason: "410 Gone" });
    await h.raise(testAlert(h));
    await h.until(() => h.b.ofType("channel.disabled").length === 1, 10);
    h.a.fingerprint = "url-2";
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    h.rt.memory.alerts.dirty = true;
    await h.until(() => h.b.ofType("channel.enabled").length === 1, 5);
    const enabled = h.b.ofType("channel.enabled")[0]!;
    assert.equal(enabled.epoch, h.rt.memory.lease.held!.epoch);
    assert.equal(enabled.observer, "westeurope");
    assert.match(enabled.summary, /^its receiver's URL changed: /);
  });

  it("alerts about a channel that no channel wants are not written; what cannot be written or recorded is logged", async () => {
    const h = await one({
      channels: ["a"],
      timing: { windowMs: { ...DEFAULT_ALERT_TIMING.windowMs, warning: MINUTE } },
    });
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h));
    await h.until(async () => (await statusOf(h, "a")).givenUp === 1, 20);
    const rows = await h.store.readOutbox(["shop"]);
    assert.deepEqual(
      rows.map((r) => r.row.alert.type),
      [],
      "no channel.undelivered: only a could hear it, and it is about a",
    );
    h.fault = (method) =>
      method === "writeAlertChannel" || method === "enqueueAlerts"
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    h.a.answer = () => ({ outcome: "gone", status: 410, reason: "410 Gone" });
    await h.raise(testAlert(h)).catch(() => {});
    h.fault = undefined;
    await h.raise(testAlert(h));
    h.fault = (method) =>
      method === "writeAlertChannel" || method === "enqueueAlerts" || method === "appendAction"
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    await h.tick();
    assert.ok(h.lines.some((l) => l.includes("warn alerts: could not record a's deliveries")));
    assert.ok(h.lines.some((l) => l.includes("warn alerts: could not audit that a is disabled")));
  });

  it("a told alert that cannot be written is logged", async () => {
    const h = await one({
      timing: { windowMs: { ...DEFAULT_ALERT_TIMING.windowMs, warning: MINUTE } },
    });
    h.a.answer = () => FAILING;
    h.fault = (method) =>
      method === "enqueueAlerts"
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    const x = testAlert(h);
    await h.store.enqueueAlerts([x]);
    h.rt.memory.alerts.dirty = true;
    await h.until(async () => (await statusOf(h, "a")).givenUp === 1, 20);
    assert.ok(
      h.lines.some((l) =>
        l.includes(`warn alerts: could not write "Alert channel a could not deliver: ${x.title}"`),
      ),
    );
  });
});

describe("reminders, pruning and the status", () => {
  it("a reminder is sent in the tick it is due, from the holder in its epoch; an open incident is reminded of too", async () => {
    const h = new AlertHarness({ reminderMinutes: 1 });
    await h.start();
    await h.lease();
    h.failing.add("westeurope>northeurope");
    await h.until(() => h.a.ofType("region.down").length === 1, 10, { probe: true });
    const downAt = h.a.ofType("region.down")[0]!.at;
    h.calls.delete("enqueueAlerts");
    await h.tick({ probe: true });
    assert.equal(h.calls.get("enqueueAlerts"), undefined, "nothing written while none is due");
    await h.until(() => h.a.ofType("reminder").length === 1, 10, { probe: true });
    const dueAt = h.clock.now();
    h.calls.delete("enqueueAlerts");
    await h.tick({ probe: true });
    assert.equal(h.calls.get("enqueueAlerts"), undefined, "a reminder is written once");
    const reminder = h.a.ofType("reminder")[0]!;
    assert.ok(dueAt - downAt >= MINUTE && dueAt - downAt < MINUTE + TICK, `${dueAt - downAt} ms`);
    assert.deepEqual(
      [reminder.observer, reminder.epoch, reminder.at],
      ["westeurope", h.rt.memory.lease.held!.epoch, dueAt],
    );
    // An open incident, as the holder's tick passes it on.
    const epoch = h.rt.memory.lease.held!.epoch;
    const incident = {
      id: "inc-1",
      group: "shop",
      kind: "failover" as const,
      trigger: "manual" as const,
      to: "northeurope",
      shift: { kind: "promote" as const, region: "northeurope" },
      step: "waking" as const,
      stepStartedAt: h.clock.now() - 2 * MINUTE,
      openedAt: h.clock.now() - 2 * MINUTE,
      reason: "drill",
      history: [
        { step: "detected" as const, at: h.clock.now() - 2 * MINUTE, epoch, note: "asked" },
      ],
    };
    startAlertSender(h.rt, epoch, [{ group: "shop", incident }]);
    await alertsSettled(h.rt);
    assert.ok(
      h.a.ofType("reminder").some((r) => r.incident === "inc-1" && r.reminder?.count === 2),
    );
  });

  it("prunes done rows a day old at its first look at the outbox, then exactly once an hour", async () => {
    const h = new AlertHarness();
    await h.start();
    await h.until(() => h.prunes.length === 1, 10);
    const prunedAt = h.clock.now();
    assert.equal(h.prunes[0], prunedAt - 24 * 60 * MINUTE);
    while (h.clock.now() < prunedAt + 60 * MINUTE - TICK) await h.tick();
    assert.equal(h.prunes.length, 1);
    await h.tick();
    assert.equal(h.prunes.length, 2, "an hour after the first");
  });

  it("a failed prune is logged", async () => {
    const h = new AlertHarness();
    h.fault = (method) =>
      method === "pruneOutbox"
        ? new StoreError("unavailable", "state store: ECONNRESET")
        : undefined;
    await h.start();
    await h.until(
      () => h.lines.some((l) => l.includes("warn alerts: could not prune the outbox")),
      10,
    );
  });

  it("the status: alerts waiting per channel; a channel with no record yet has given nothing up", async () => {
    const h = new AlertHarness();
    await h.start();
    const [a] = await readAlertStatus(h.rt);
    assert.deepEqual([a?.givenUp, a?.lastGiveUp, a?.delivered], [0, undefined, 0]);
    await h.raise(testAlert(h));
    assert.equal((await statusOf(h, "a")).pending, 1, "not claimed yet: waiting for every channel");
    await h.lease();
    h.a.answer = () => FAILING;
    await h.raise(testAlert(h));
    await h.tick();
    assert.equal((await statusOf(h, "a")).pending, 1);
    assert.equal((await statusOf(h, "b")).pending, 0);
  });
});
