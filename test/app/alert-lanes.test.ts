// Alert delivery by time budget, with fake channels on a virtual clock: channels deliver on their
// own (one that hangs holds up no other), each in order; a receiver's Retry-After is honoured and
// an alert is tried for the window of its severity, not for a number of attempts; an alert not
// taken in its window is given up, shown on the status and told on the other channels (never on
// the channel itself), and the channel's return resolves that; a gone receiver disables its
// channel, and a changed URL or a passing test enables it again, said on every channel; a mark
// the store refused is written later without sending again.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { giveUpAt, windowOf } from "../../src/app/alerts/budget.js";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import { DEFAULT_ALERT_TIMING } from "../../src/app/alerts/setup.js";
import { readAlertStatus } from "../../src/app/alerts/status.js";
import { testChannel } from "../../src/app/alerts/test-channel.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { Alert, Severity } from "../../src/core/alerts.js";
import type { SendResult } from "../../src/ports/alerts.js";
import { StoreError } from "../../src/ports/state-store.js";
import type { FakeChannel, HarnessOptions } from "../helpers/alert-harness.js";
import { AlertHarness, FAILING, MINUTE, TICK, testAlert } from "../helpers/alert-harness.js";

interface Harness {
  readonly rt: Runtime;
  readonly clock: AlertHarness["clock"];
  readonly store: AlertHarness["store"];
  readonly a: FakeChannel;
  readonly b: FakeChannel;
  raise(...alerts: Alert[]): Promise<void>;
  tick(options?: { ms?: number; settle?: boolean }): Promise<void>;
  until(done: () => boolean | Promise<boolean>, max?: number): Promise<number>;
}

/** One process holding the lease, with channels `a` and `b`. */
async function harness(options: HarnessOptions & { store?: (h: AlertHarness) => void } = {}) {
  const h = new AlertHarness(options);
  options.store?.(h);
  await h.start();
  await h.lease();
  return {
    rt: h.rt,
    clock: h.clock,
    store: h.store,
    a: h.a,
    b: h.b,
    raise: (...alerts: Alert[]) => h.raise(...alerts),
    tick: (o: { ms?: number; settle?: boolean } = {}) => h.tick(o),
    until: (done: () => boolean | Promise<boolean>, max?: number) => h.until(done, max),
  } satisfies Harness;
}

const alert = (h: Harness, severity: Severity = "warning", over: Partial<Alert> = {}) =>
  testAlert({ clock: h.clock } as AlertHarness, severity, over);

const titles = (list: readonly { title: string }[]) => list.map((x) => x.title);
const ofType = (c: FakeChannel, type: string) => c.ofType(type);

describe("alert delivery by channel, for a time budget", () => {
  it("each severity has its window, minutes to an hour; a resolving alert takes the window of what it resolves", () => {
    assert.deepEqual(DEFAULT_ALERT_TIMING.windowMs, {
      info: 5 * MINUTE,
      warning: 15 * MINUTE,
      error: 30 * MINUTE,
      critical: 60 * MINUTE,
    });
    const at = 1_000_000;
    const base = {
      key: "k",
      type: "region.recovered",
      observer: "o",
      subject: "s",
      title: "t",
      summary: "",
    } as const;
    const info: Alert = { ...base, severity: "info", at };
    const resolves: Alert = {
      ...info,
      resolves: { type: "region.down", title: "down", severity: "critical" },
    };
    assert.equal(windowOf(DEFAULT_ALERT_TIMING, info), 5 * MINUTE);
    assert.equal(windowOf(DEFAULT_ALERT_TIMING, resolves), 60 * MINUTE);
    assert.equal(giveUpAt(DEFAULT_ALERT_TIMING, resolves), at + 60 * MINUTE);
  });

  it("a channel that hangs holds up no other: they deliver at once, each in order, and it goes on in order once it answers", async () => {
    const h = await harness();
    let release: (r: SendResult) => void = () => {};
    h.a.answer = () => new Promise<SendResult>((resolve) => (release = resolve));
    const first = [alert(h), alert(h), alert(h)];
    await h.raise(...first);
    await h.tick({ settle: false });
    for (let i = 0; i < 50 && h.b.got.length < 3; i++) await new Promise(setImmediate);
    assert.deepEqual(titles(h.b.got), titles(first), "b took every alert, in order");
    assert.deepEqual(titles(h.a.attempts), [first[0]!.title], "a is stuck on its first");
    // More alerts while a still hangs: b takes them too, without waiting for a.
    const more = [alert(h), alert(h)];
    await h.raise(...more);
    await h.tick({ settle: false });
    for (let i = 0; i < 50 && h.b.got.length < 5; i++) await new Promise(setImmediate);
    assert.deepEqual(titles(h.b.got), titles([...first, ...more]));
    assert.equal(h.a.attempts.length, 1);
    // a answers: its alerts follow, in order, each once.
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    release({ outcome: "accepted", status: 202 });
    await alertsSettled(h.rt);
    await h.tick();
    assert.deepEqual(titles(h.a.got), titles([...first, ...more]));
    assert.deepEqual(titles(h.b.got), titles([...first, ...more]), "nothing twice");
    assert.deepEqual(await h.store.readOutbox(["shop"]), [], "every row marked done");
  });

  it("throttled for 2 minutes (429, Retry-After 1 s), then ok: every alert delivered once, in order, each attempt after the wait asked for, far more than 10 attempts", async () => {
    const h = await harness();
    const until = h.clock.now() + 2 * MINUTE;
    h.a.answer = () =>
      h.clock.now() < until
        ? { outcome: "retry", status: 429, reason: "429 Too Many Requests", retryAfterMs: 1000 }
        : { outcome: "accepted", status: 202 };
    const raised = [alert(h, "info"), alert(h, "critical"), alert(h, "warning")];
    await h.raise(...raised);
    await h.until(() => h.a.got.length === 3, 40);
    assert.deepEqual(titles(h.a.got), titles(raised), "in order, each once");
    assert.deepEqual(titles(h.b.got), titles(raised));
    const tries = h.a.attempts;
    assert.ok(tries.length > 20, `${tries.length} attempts`);
    for (let i = 1; i < tries.length; i++)
      if (tries[i - 1]!.title === tries[i]!.title)
        assert.ok(tries[i]!.at - tries[i - 1]!.at >= 1000, "Retry-After honoured");
    // Order: none of the later alerts was tried before the first was taken.
    const firstTaken = tries.findIndex((t) => t.at >= until);
    assert.ok(tries.slice(0, firstTaken).every((t) => t.title === raised[0]!.title));
    assert.equal((await readAlertStatus(h.rt)).find((c) => c.name === "a")?.givenUp, 0);
  });

  it("a Retry-After longer than a run waits is honoured across ticks", async () => {
    const h = await harness();
    let asked = true;
    h.a.answer = () =>
      asked
        ? ((asked = false),
          { outcome: "retry", status: 429, reason: "429", retryAfterMs: 5 * MINUTE })
        : { outcome: "accepted", status: 202 };
    const one = alert(h, "critical");
    await h.raise(one);
    await h.tick();
    const askedAt = h.a.attempts[0]!.at;
    await h.until(() => h.a.got.length === 1, 40);
    assert.equal(h.a.attempts.length, 2, "no attempt before the time asked");
    assert.ok(h.a.attempts[1]!.at >= askedAt + 5 * MINUTE);
  });

  it("an alert not taken within its window is given up, by severity: shown on the status, told on the other channels but never its own, and resolved when the channel delivers again", async () => {
    const windows = { info: MINUTE, warning: 2 * MINUTE, error: 3 * MINUTE, critical: 4 * MINUTE };
    const h = await harness({ timing: { windowMs: windows } });
    h.a.answer = () => FAILING;
    const info = alert(h, "info");
    const critical = alert(h, "critical");
    await h.raise(info, critical);
    const start = h.clock.now();
    // The info alert is given up after its minute (and the waits between attempts, 30 s at most).
    await h.until(async () => ofType(h.b, "channel.undelivered").length === 1, 20);
    const [status] = await readAlertStatus(h.rt);
    const gaveUpAfter = Date.parse(status!.lastGiveUp!.at) - start;
    assert.ok(gaveUpAfter >= MINUTE && gaveUpAfter <= MINUTE + 30_000 + TICK, `${gaveUpAfter} ms`);
    assert.equal(status?.givenUp, 1);
    assert.equal(status?.lastGiveUp?.type, "automation.paused");
    assert.equal(status?.lastGiveUp?.title, info.title);
    assert.match(status!.lastGiveUp!.reason, /503/);
    const told = ofType(h.b, "channel.undelivered")[0]!;
    assert.equal(told.title, `Alert channel a could not deliver: ${info.title}`);
    assert.match(told.event ?? "", /\/\d+$/, "derived from its give-up's event");
    assert.ok(
      h.a.attempts.every((t) => t.type !== "channel.undelivered"),
      "never told on the channel it is about",
    );
    // The critical one is tried for its four minutes, then given up and told again (more severe).
    await h.until(async () => ofType(h.b, "channel.undelivered").length === 2, 30);
    assert.ok(h.clock.now() - start >= 4 * MINUTE);
    const [after] = await readAlertStatus(h.rt);
    assert.equal(after?.givenUp, 2);
    assert.equal(after?.pending, 0);
    const rows = (await h.store.readOutbox(["shop"])).map((r) => r.row.alert.type);
    assert.deepEqual(rows, [], "every row ended");
    // Another given up at a lower severity is not told again in the same streak.
    const warning = alert(h, "warning");
    await h.raise(warning);
    await h.until(async () => (await readAlertStatus(h.rt))[0]?.givenUp === 3, 30);
    await h.tick();
    assert.equal(ofType(h.b, "channel.undelivered").length, 2);
    // a takes alerts again: said on every channel, a too, resolving the give-ups.
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.raise(alert(h, "info"));
    await h.until(() => ofType(h.b, "channel.delivering").length === 1, 10);
    await h.tick();
    assert.equal(ofType(h.a, "channel.delivering").length, 1);
    assert.match(ofType(h.a, "channel.delivering")[0]!.event ?? "", /\/\d+$/);
    assert.equal((await readAlertStatus(h.rt))[0]?.givenUp, 3, "the count stays");
  });

  it("a receiver gone (410) disables its channel: its other alerts end, the others are told once; a changed URL enables it again, said on every channel", async () => {
    const h = await harness();
    h.a.answer = () => ({ outcome: "gone", status: 410, reason: "410 Gone" });
    await h.raise(alert(h), alert(h), alert(h));
    await h.until(() => ofType(h.b, "channel.disabled").length === 1, 10);
    assert.equal(h.a.attempts.length, 1, "nothing more is sent to a gone receiver");
    await h.tick();
    assert.deepEqual(await h.store.readOutbox(["shop"]), []);
    const [status] = await readAlertStatus(h.rt);
    assert.equal(status?.state, "disabled");
    // Its URL (app setting) changes: enabled again, audited, said on every channel.
    h.a.fingerprint = "url-2";
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    await h.until(() => ofType(h.b, "channel.enabled").length === 1, 10);
    await h.tick();
    assert.equal(ofType(h.a, "channel.enabled").length, 1, "the channel says so itself");
    assert.equal((await readAlertStatus(h.rt))[0]?.state, "enabled");
    const audit = (await h.store.readActions()).map((x) => x.name);
    assert.ok(audit.includes("alerts: disable channel a"));
    assert.ok(audit.includes("alerts: enable channel a"));
  });

  it("a passing test enables a disabled channel again, said on every channel", async () => {
    const h = await harness();
    h.a.answer = () => ({ outcome: "gone", status: 404, reason: "404 Not Found" });
    await h.raise(alert(h));
    await h.until(() => ofType(h.b, "channel.disabled").length === 1, 10);
    h.a.answer = () => ({ outcome: "accepted", status: 202 });
    const answer = await testChannel(h.rt, { name: "ops@contoso.com", via: "test" }, "a");
    assert.equal(answer?.delivered, true);
    await h.until(() => ofType(h.a, "channel.enabled").length === 1, 10);
    assert.match(ofType(h.b, "channel.enabled")[0]!.title, /Alert channel a is enabled again/);
  });

  it("a mark the store refused is written on a later tick, and the alert is not sent again", async () => {
    let refuse = 0;
    const h = await harness({
      // The first two marks of a sent delivery are refused (the claim goes through).
      store: (harness) =>
        (harness.fault = (method, args) => {
          const row = args[1] as { deliveries?: Record<string, { state: string }> };
          const marksSent = Object.values(row?.deliveries ?? {}).some((d) => d.state === "sent");
          if (method !== "updateOutbox" || !marksSent || refuse === 0) return undefined;
          refuse--;
          return new StoreError("unavailable", "state store: updating failed: ECONNRESET");
        }),
    });
    const one = alert(h);
    await h.raise(one);
    refuse = 2;
    await h.tick();
    assert.equal(refuse, 0, "both marks were refused");
    assert.equal((await h.store.readOutbox(["shop"])).length, 1, "not marked yet");
    await h.tick();
    await h.tick();
    assert.deepEqual(h.a.keys(), [one.key]);
    assert.deepEqual(h.b.keys(), [one.key]);
    assert.deepEqual(await h.store.readOutbox(["shop"]), [], "marked after all");
  });

  it("a holder whose acting time ran out during a wait starts no attempt after it", async () => {
    // The process was frozen during the wait: a minute passed instead of the second asked for.
    const h = await harness({ sleep: (clock, ms) => clock.advance(ms + MINUTE) });
    h.a.answer = () => ({ outcome: "retry", status: 429, reason: "429", retryAfterMs: 1000 });
    await h.raise(alert(h));
    await h.tick();
    assert.equal(h.a.attempts.length, 1, "no attempt after the wait: the lease may be another's");
    assert.equal(h.b.got.length, 1);
  });
});
