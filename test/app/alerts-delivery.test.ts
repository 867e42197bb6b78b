// Alerts reach real receivers on loopback once each, survive a crashed lease holder, and never
// hold up a failover: a receiver that hangs, throttles, fails or is gone is handled as specified
// while the failover it reports on takes the same ticks as with no channel at all. Channels never
// wait for each other; one throttled for minutes gets every alert once, in order; an alert not
// taken within its window is given up, shown on the status and told on the other channels.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import { readAlertStatus } from "../../src/app/alerts/status.js";
import type { StateStore } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import { Rig, receiversForSuite, webhookKeys, webhookTypes } from "../helpers/alert-rig.js";

const countsOf = (list: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const x of list) counts.set(x, (counts.get(x) ?? 0) + 1);
  return counts;
};
const repeated = (list: readonly string[]) =>
  [...countsOf(list)].filter(([, n]) => n > 1).map(([x]) => x);

/** Takes westeurope down until the failover completes; returns the ticks it took. */
async function failOver(rig: Rig, options: { settle?: boolean } = {}): Promise<number> {
  await rig.until(async () => (await rig.store.readLease()) !== undefined, 10, options);
  await rig.ticks(2, options);
  rig.failing.add("*>westeurope");
  let n = 0;
  for (; n < 30; n++) {
    if ((await rig.incidentSteps()).includes("completed")) return n;
    await rig.tick(options);
  }
  throw new Error(`no completed failover: ${(await rig.incidentSteps()).join(", ")}`);
}

describe("alert delivery", () => {
  const { receivers } = receiversForSuite();
  const fresh = () => {
    receivers.received.length = 0;
    for (const k of ["teams", "slack", "pagerduty", "webhook"] as const) {
      receivers.modes[k] = "ok";
      receivers.requests[k] = 0;
    }
  };

  it("tells every channel of a failover once: the region down, the failover's steps and its end; PagerDuty triggers and resolves under one key", async () => {
    fresh();
    const rig = new Rig({ receivers });
    await rig.start("westeurope");
    await rig.start("northeurope");
    await failOver(rig);
    await rig.ticks(2);
    const types = webhookTypes(receivers);
    for (const type of [
      "lease.acquired",
      "region.down",
      "failover.detected",
      "failover.started",
      "failover.step",
      "failover.completed",
    ])
      assert.ok(types.includes(type), `${type} in ${types.join(", ")}`);
    assert.deepEqual(repeated(webhookKeys(receivers)), [], "no alert twice");
    for (const kind of ["teams", "slack"] as const) {
      const titles = receivers.received.filter((r) => r.kind === kind).map((r) => r.title);
      assert.ok(
        titles.some((t) => /shop: westeurope is down/.test(t)),
        `${kind}: ${titles.join(" | ")}`,
      );
      assert.ok(titles.some((t) => /failover from westeurope to northeurope completed/.test(t)));
      assert.deepEqual(repeated(titles), [], `${kind} got an alert twice`);
    }
    const pd = receivers.received.filter((r) => r.kind === "pagerduty").map((r) => r.body as any);
    const incidentKeys = pd.filter((e) => String(e.dedup_key).startsWith("tandem:incident:"));
    assert.deepEqual(
      incidentKeys.map((e) => e.event_action),
      ["trigger", "trigger", "resolve"],
      "detected and started trigger, completed resolves",
    );
    assert.equal(new Set(incidentKeys.map((e) => e.dedup_key)).size, 1, "one dedup key");
    assert.ok(
      pd.some(
        (e) => e.dedup_key === "tandem:region:shop/westeurope" && e.event_action === "trigger",
      ),
    );
    const hook = receivers.received.find((r) => r.kind === "webhook")!;
    assert.equal(hook.verified, true, "the webhook's signature verifies");
    const [status] = await readAlertStatus(rig.runtimes.get("westeurope")!);
    assert.equal(status?.state, "enabled");
    assert.ok((status?.delivered ?? 0) >= 4);
    assert.equal(status?.pending, 0);
  });

  it("a holder that crashes after the state change and before sending: the next holder sends each alert once, and a third sends none again", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook", "teams"] });
    // westeurope's process writes its state changes and their alerts, but dies before it sends:
    // it never gets to claim an outbox row.
    const dying: StateStore = new Proxy(rig.store, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (property === "updateOutbox")
          return async () => {
            throw new StoreError("unavailable", "state store: the process crashed");
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await rig.start("westeurope", dying);
    await rig.start("northeurope");
    await rig.until(
      async () => (await rig.store.readLease())?.record.holder.startsWith("westeurope") ?? false,
      10,
    );
    await failOver(rig);
    const written = (await rig.store.readOutbox(["shop"])).map((r) => r.row.alert.key);
    assert.ok(
      written.some((k) => k.includes("|completed|")),
      "the alerts are in the outbox",
    );
    assert.deepEqual(webhookKeys(receivers), [], "nothing was sent by the crashed holder");

    // The crash: westeurope stops. northeurope takes the lease over and sends what is unsent.
    rig.runtimes.delete("westeurope");
    await rig.until(
      async () => (await rig.store.readLease())?.record.holder.startsWith("northeurope") ?? false,
      15,
    );
    await rig.ticks(2);
    const sent = webhookKeys(receivers);
    for (const key of written) assert.equal(countsOf(sent).get(key), 1, `${key} sent once`);
    assert.deepEqual(repeated(sent), []);

    // A third holder (westeurope again, a new process) after northeurope crashes: nothing again.
    rig.runtimes.delete("northeurope");
    await rig.start("westeurope");
    await rig.until(
      async () => (await rig.store.readLease())?.record.holder.startsWith("westeurope") ?? false,
      15,
    );
    await rig.ticks(3);
    const after = webhookKeys(receivers);
    assert.deepEqual(repeated(after), [], "two holders in a row never send one alert twice");
    for (const key of written) assert.equal(countsOf(after).get(key), 1);
    const teams = receivers.received.filter((r) => r.kind === "teams").map((r) => r.title);
    assert.deepEqual(repeated(teams), []);
  });

  it("a receiver that hangs does not hold up the failover it reports on: the same ticks and, in wall time, not one attempt's timeout more", async () => {
    fresh();
    const quiet = new Rig();
    await quiet.start("westeurope");
    await quiet.start("northeurope");
    let started = performance.now();
    const quietTicks = await failOver(quiet, { settle: false });
    const quietMs = performance.now() - started;

    receivers.modes.teams = "hang";
    // Waiting for this receiver even once would cost the failover 15 s; the margin below is wide for slow machines.
    const rig = new Rig({
      receivers,
      kinds: ["teams"],
      timing: { attemptTimeoutMs: 15_000, attemptsPerRun: 1 },
    });
    await rig.start("westeurope");
    await rig.start("northeurope");
    started = performance.now();
    const ticks = await failOver(rig, { settle: false });
    const ms = performance.now() - started;
    assert.equal(ticks, quietTicks, "the same ticks to a completed failover");
    assert.deepEqual(rig.router.changes, quiet.router.changes, "the same lever changes");
    const times = async (r: Rig) =>
      (await r.store.readIncidents("shop")).map((s) =>
        s.incident.history.map((h) => [h.step, h.at]),
      );
    assert.deepEqual(await times(rig), await times(quiet), "the same steps at the same times");
    assert.ok(
      ms < quietMs + 10_000,
      `took ${Math.round(ms)} ms, against ${Math.round(quietMs)} ms with no channel`,
    );
    // Meanwhile, beside the ticks, the hanging receiver is being tried.
    for (let i = 0; i < 100 && receivers.requests.teams === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(receivers.requests.teams > 0, "the hanging receiver was tried");
  });

  it("a receiver that hangs, throttles, fails or is gone is handled as specified, and the failover takes the same ticks as with no channel", async () => {
    fresh();
    // The same failover with no channel at all, for comparison.
    const quiet = new Rig();
    await quiet.start("westeurope");
    await quiet.start("northeurope");
    const quietTicks = await failOver(quiet, { settle: false });

    receivers.modes.teams = "hang";
    receivers.script("slack", ["429"]); // once, with Retry-After: 1
    receivers.modes.pagerduty = "500";
    receivers.modes.webhook = "410";
    const rig = new Rig({ receivers });
    await rig.start("westeurope");
    await rig.start("northeurope");
    const ticks = await failOver(rig, { settle: false });
    assert.equal(ticks, quietTicks, "the same ticks to a completed failover");
    assert.deepEqual(rig.router.changes, quiet.router.changes, "the same lever changes");
    assert.deepEqual(await rig.incidentSteps(), await quiet.incidentSteps());

    for (const rt of rig.runtimes.values()) await alertsSettled(rt);
    await rig.ticks(3);
    const status = Object.fromEntries(
      (await readAlertStatus(rig.runtimes.get("westeurope")!)).map((c) => [c.name, c]),
    );
    // Hang: each attempt ends at its timeout; the failures are counted, nothing is thrown.
    assert.ok(status["teams"]!.failing > 0);
    assert.match(status["teams"]!.lastFailure!.reason, /no answer within \d+ ms/);
    assert.equal(status["teams"]!.state, "enabled");
    // 429 with Retry-After: waited for, then delivered; each alert once.
    assert.ok(
      receivers.requests.slack > receivers.received.filter((r) => r.kind === "slack").length,
    );
    assert.ok(status["slack"]!.delivered > 0);
    assert.deepEqual(
      repeated(receivers.received.filter((r) => r.kind === "slack").map((r) => r.title)),
      [],
    );
    // 500: retried in order, the oldest alert first, once a tick here (attemptsPerRun 1) until
    // its window ends; the failure visible.
    assert.match(status["pagerduty"]!.lastFailure!.reason, /^500/);
    const most = (rig.clock.now() - quiet.clock.now()) / 2000 + 40;
    assert.ok(receivers.requests.pagerduty <= most, `${receivers.requests.pagerduty} requests`);
    // 410: disabled, audited, and said on the other channels.
    assert.equal(status["webhook"]!.state, "disabled");
    assert.match(status["webhook"]!.disabled!.reason, /^410/);
    const audit = await rig.store.readActions();
    assert.ok(audit.some((a) => a.name === "alerts: disable channel webhook"));
    assert.ok(
      receivers.received.some(
        (r) => r.kind === "slack" && /Alert channel webhook is disabled/.test(r.title),
      ),
      "the other channels hear that webhook is disabled",
    );
    assert.equal(receivers.requests.webhook, 1, "nothing more is sent to a gone receiver");
  });

  it("Teams answering 429 (Retry-After: 1) for 2 minutes, then ok: every alert reaches it once, in order", async () => {
    fresh();
    receivers.modes.teams = "429";
    // Retry-After: 1 is longer than a run waits here: each retry comes a tick (2 s) later.
    const rig = new Rig({
      receivers,
      kinds: ["webhook", "teams"],
      timing: { maxRetryAfterMs: 500 },
    });
    await rig.start("westeurope");
    await rig.start("northeurope");
    const from = rig.clock.now();
    await failOver(rig);
    while (rig.clock.now() - from < 120_000) await rig.tick();
    assert.equal(receivers.received.filter((r) => r.kind === "teams").length, 0);
    assert.ok(receivers.requests.teams >= 30, `${receivers.requests.teams} requests in 2 minutes`);
    receivers.modes.teams = "ok";
    await rig.ticks(2);
    const teams = receivers.received.filter((r) => r.kind === "teams").map((r) => r.title);
    const hook = receivers.received.filter((r) => r.kind === "webhook").map((r) => r.title);
    assert.ok(teams.length >= 6, teams.join(" | "));
    assert.deepEqual(teams, hook, "every alert, once, in the order the webhook got them at once");
    assert.equal((await readAlertStatus(rig.runtimes.get("westeurope")!))[1]?.givenUp, 0);
  });

  it("a webhook that hangs delays no other channel by more than 1 s", async () => {
    fresh();
    receivers.modes.webhook = "hang";
    const rig = new Rig({ receivers, timing: { attemptTimeoutMs: 3000 } });
    await rig.start("westeurope");
    await rig.start("northeurope");
    // When each alert was written (at the latest): the real time before the tick that wrote it.
    const written = new Map<string, number>();
    const tick = async () => {
      const before = Date.now();
      await rig.tick({ settle: false });
      for (const r of await rig.store.readOutbox(["shop"]))
        if (!written.has(r.row.alert.title)) written.set(r.row.alert.title, before);
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10, { settle: false });
    rig.failing.add("*>westeurope");
    for (let i = 0; i < 30 && !(await rig.incidentSteps()).includes("completed"); i++) await tick();
    await tick();
    const others = () =>
      receivers.received.filter((r) => r.kind !== "webhook" && !r.title.startsWith("(resolve"));
    // Teams and Slack get every alert (PagerDuty not the steps): wait for them, a second at most.
    const all = () =>
      [...written.keys()].every((t) =>
        (["teams", "slack"] as const).every((k) =>
          receivers.received.some((r) => r.kind === k && r.title === t),
        ),
      );
    for (let i = 0; i < 100 && !all(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(all(), "Teams and Slack got every alert");
    assert.ok(others().length >= 15, `${others().length} deliveries`);
    for (const r of others()) {
      const late = r.at - written.get(r.title)!;
      assert.ok(late < 1000, `${r.kind} got "${r.title}" ${late} ms after it was written`);
    }
    assert.ok(receivers.requests.webhook > 0, "the webhook was tried");
    assert.equal(receivers.received.filter((r) => r.kind === "webhook").length, 0);
    receivers.modes.webhook = "ok";
    receivers.release();
    for (const rt of rig.runtimes.values()) await alertsSettled(rt);
  });

  it("an alert Slack cannot take within its window is given up: shown on the status, and told on the other channels, which hear when Slack delivers again", async () => {
    fresh();
    receivers.modes.slack = "500";
    const windowMs = { info: 20_000, warning: 20_000, error: 30_000, critical: 40_000 };
    const rig = new Rig({
      receivers,
      kinds: ["slack", "teams", "pagerduty"],
      timing: { windowMs },
    });
    await rig.start("westeurope");
    await rig.start("northeurope");
    const rt = rig.runtimes.get("westeurope")!;
    const slack = async () => (await readAlertStatus(rt)).find((c) => c.name === "slack")!;
    await rig.until(async () => (await slack()).givenUp > 0, 30);
    const status = await slack();
    assert.match(status.lastGiveUp!.title, /^Lease holder is now /);
    assert.match(status.lastGiveUp!.reason, /^500/);
    await rig.ticks(1);
    const told = receivers.received.filter(
      (r) => r.kind === "teams" && r.title.startsWith("Alert channel slack could not deliver: "),
    );
    assert.equal(told.length, 1, "told once on Teams");
    assert.equal(receivers.received.filter((r) => r.kind === "slack").length, 0);
    // Slack answers again: it takes what comes next, and the others hear it delivers again.
    receivers.modes.slack = "ok";
    rig.failing.add("*>westeurope");
    await rig.until(
      () =>
        receivers.received.some(
          (r) => r.kind === "teams" && r.title === "Alert channel slack delivers again",
        ),
      20,
    );
    assert.ok(receivers.received.some((r) => r.kind === "slack"));
    const pd = receivers.received.filter((r) => r.kind === "pagerduty").map((r) => r.body as any);
    assert.deepEqual(
      pd.filter((e) => e.dedup_key === "tandem:undelivered:slack").map((e) => e.event_action),
      ["trigger", "resolve"],
    );
  });
});
