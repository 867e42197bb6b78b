// The monitor of the monitor and the rules in alerts: a stale observer, a store outage, a split
// view and the failover cap each reach the receivers (and what resolves them follows); an
// operator tests a channel through the API and the CLI; and no secret appears in any log line,
// error, audit entry or status answer, even from a receiver that echoes what it got.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { apiFunctions } from "../../functions/api.js";
import { readStatus } from "../../src/app/status.js";
import { renderStatusPage } from "../../src/app/status-page.js";
import { EXIT, run } from "../../src/cli/main.js";
import { compose } from "../../src/compose.js";
import { isConfigError, parseConfig } from "../../src/config/index.js";
import type { StateStore } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import { startHttpHost } from "../../src/sandbox/http-host.js";
import { Rig, receiversForSuite, secretValues, webhookTypes } from "../helpers/alert-rig.js";
import { TEST_OPERATOR, TEST_READER } from "../helpers/runtime.js";

const titles = (receivers: { received: { kind: string; title: string }[] }, kind = "webhook") =>
  receivers.received.filter((r) => r.kind === kind).map((r) => r.title);

describe("alerts for what Tandem sees about itself and its rules", () => {
  const { receivers } = receiversForSuite();
  const fresh = () => {
    receivers.received.length = 0;
    for (const k of ["teams", "slack", "pagerduty", "webhook"] as const) receivers.modes[k] = "ok";
  };

  it("a stale observer is alerted once, and its return resolves it (PagerDuty under one key)", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook", "pagerduty"] });
    await rig.start("westeurope");
    await rig.start("northeurope");
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10);
    const holder = (await rig.store.readLease())!.record.holder.split("#")[0]!;
    const other = holder === "westeurope" ? "northeurope" : "westeurope";
    await rig.ticks(2);
    rig.runtimes.delete(other); // its Function App stops
    await rig.until(() => webhookTypes(receivers).includes("observer.stale"), 10);
    await rig.ticks(3);
    assert.equal(webhookTypes(receivers).filter((t) => t === "observer.stale").length, 1);
    assert.ok(titles(receivers).includes(`Observer ${other} is stale: its heartbeat stopped`));
    await rig.start(other);
    await rig.until(() => webhookTypes(receivers).includes("observer.live"), 10);
    const pd = receivers.received.filter((r) => r.kind === "pagerduty").map((r) => r.body as any);
    const observer = pd.filter((e) => e.dedup_key === `tandem:observer:${other}`);
    assert.deepEqual(
      observer.map((e) => e.event_action),
      ["trigger", "resolve"],
    );
  });

  it("a peer that has not written its first heartbeat is not alerted stale before this process has watched for the stale bound (6 s here), then it is", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook"] });
    const rt = await rig.start("westeurope"); // northeurope's app never starts
    const bound = 6000;
    let alerted = false;
    // What this process announced (each announcement is an observer.stale event) tick by tick.
    for (let i = 0; i < 8 && !alerted; i++) {
      await rig.tick();
      alerted = rt.memory.said.stale.has("northeurope");
      const watched = rig.clock.now() - rt.memory.said.watchingSince!;
      if (watched < bound)
        assert.equal(alerted, false, `announced after watching for ${watched} ms only`);
    }
    assert.ok(alerted, "announced once the bound has passed");
    await rig.until(() => webhookTypes(receivers).includes("observer.stale"), 5);
    assert.ok(titles(receivers).some((t) => t.startsWith("Observer northeurope is stale")));
  });

  it("an observer that cannot reach the state store says so through its own channels, and again when it can", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook", "teams"] });
    let down = false;
    let failNext = 0;
    const flaky: StateStore = new Proxy(rig.store, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (down || (failNext > 0 && failNext--))
            throw new StoreError(
              "unavailable",
              `state store: ${String(property)} failed: ${down ? "ECONNREFUSED" : "ECONNRESET"}`,
            );
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    await rig.start("westeurope", flaky);
    await rig.ticks(2);
    // One transient error (a reset connection) is not an outage: nothing is said.
    failNext = 1;
    await rig.ticks(3);
    assert.equal(failNext, 0, "the error happened");
    assert.deepEqual(
      receivers.received.filter((r) => /state store/.test(r.title)).map((r) => r.title),
      [],
      "a single store error raises no alert",
    );
    // Every call failing, tick after tick: said once three operations in a row have failed.
    down = true;
    await rig.ticks(1);
    await rig.until(
      () => titles(receivers).includes("Observer westeurope cannot reach the state store"),
      5,
    );
    assert.ok(
      titles(receivers, "teams").some((t) => /westeurope cannot reach the state store/.test(t)),
    );
    await rig.ticks(2);
    assert.equal(
      webhookTypes(receivers).filter((t) => t === "store.unreachable").length,
      1,
      "once per outage",
    );
    down = false;
    await rig.until(() => webhookTypes(receivers).includes("store.reachable"), 5);
  });

  it("a split view is alerted, and cleared when the observers agree again", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook"] });
    await rig.start("westeurope");
    await rig.start("northeurope");
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10);
    await rig.ticks(2);
    // Only the observer inside westeurope sees it fail; the one outside sees it up.
    rig.failing.add("westeurope>westeurope");
    await rig.until(() => webhookTypes(receivers).includes("region.split-view"), 10);
    assert.ok(titles(receivers).includes("shop: observers disagree about westeurope"));
    assert.deepEqual(rig.router.changes, [], "a split view never acts");
    rig.failing.clear();
    await rig.until(() => webhookTypes(receivers).includes("region.cleared"), 10);
  });

  it("a region only its inside observer sees failing, with the one outside observer stopped: said once (a person should look), and resolved when it clears", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook", "pagerduty"] });
    await rig.start("westeurope");
    await rig.start("northeurope");
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10);
    await rig.ticks(2);
    // northeurope's app stops (westeurope takes the lease if it had not); then westeurope fails.
    rig.runtimes.delete("northeurope");
    await rig.until(() => webhookTypes(receivers).includes("observer.stale"), 10);
    rig.failing.add("westeurope>westeurope");
    await rig.until(() => webhookTypes(receivers).includes("region.unconfirmed"), 20);
    assert.ok(
      titles(receivers).includes(
        "shop: westeurope may be down, and no outside observer can confirm it",
      ),
    );
    await rig.ticks(3);
    assert.equal(webhookTypes(receivers).filter((t) => t === "region.unconfirmed").length, 1);
    assert.deepEqual(rig.router.changes, [], "nothing is done on the inside observer's word");
    rig.failing.clear();
    await rig.until(() => webhookTypes(receivers).includes("region.cleared"), 10);
    const pd = receivers.received.filter((r) => r.kind === "pagerduty").map((r) => r.body as any);
    assert.deepEqual(
      pd.filter((e) => e.dedup_key === "tandem:region:shop/westeurope").map((e) => e.event_action),
      ["trigger", "resolve"],
    );
  });

  it("the failover cap is alerted once while it holds", async () => {
    fresh();
    const rig = new Rig({ receivers, kinds: ["webhook"], policy: { maxAutoFailovers: 0 } });
    await rig.start("westeurope");
    await rig.start("northeurope");
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10);
    await rig.ticks(2);
    rig.failing.add("*>westeurope");
    await rig.until(() => webhookTypes(receivers).includes("failover.cap-reached"), 10);
    await rig.ticks(4);
    assert.equal(webhookTypes(receivers).filter((t) => t === "failover.cap-reached").length, 1);
    assert.ok(webhookTypes(receivers).includes("region.down"));
    assert.deepEqual(rig.router.changes, [], "held back");
  });

  it("tests a channel through the API (Operator only) and the CLI, reporting the receiver's answer", async () => {
    fresh();
    const rig = new Rig({ receivers, localPrincipal: TEST_OPERATOR });
    const rt = await rig.start("westeurope");
    const host = await startHttpHost({
      port: 0,
      functions: apiFunctions(() => Promise.resolve(rt)),
      log: () => {},
    });
    try {
      const out: string[] = [];
      const io = {
        out: (t: string) => void out.push(t),
        err: (t: string) => void out.push(t),
        tty: false,
        sleep: async () => {},
        fetch: globalThis.fetch,
      };
      assert.equal(await run(["alerts", "test", "pagerduty", "--api", host.url], {}, io), EXIT.ok);
      assert.match(
        out.join("\n"),
        /pagerduty \(pagerduty, http:\/\/127\.0\.0\.1:\d+\): delivered, receiver answered 202/,
      );
      assert.match(out.join("\n"), /Event processed/);
      assert.match(out.join("\n"), /resolved at once \(202\)/);
      // What the test triggered is resolved at once: it leaves no incident open.
      const pd = receivers.received.filter((r) => r.kind === "pagerduty").map((r) => r.body as any);
      assert.deepEqual(
        pd.map((e) => e.event_action),
        ["trigger", "resolve"],
      );
      assert.equal(pd[0].dedup_key, pd[1].dedup_key);

      receivers.modes.slack = "410";
      out.length = 0;
      assert.equal(
        await run(["alerts", "test", "slack", "--api", host.url, "--json"], {}, io),
        EXIT.failed,
      );
      const answer = JSON.parse(out[0]!);
      assert.deepEqual([answer.delivered, answer.outcome, answer.status], [false, "gone", 410]);

      out.length = 0;
      assert.equal(await run(["alerts", "test", "sms", "--api", host.url], {}, io), EXIT.refused);
      assert.match(
        out.join("\n"),
        /no alert channel "sms"; channels: teams, slack, pagerduty, webhook/,
      );

      const audit = await rig.store.readActions();
      assert.deepEqual(
        audit.filter((a) => a.name === "api alerts test").map((a) => [a.actor, a.outcome]),
        [
          ["test-operator", "done"],
          ["test-operator", "failed"],
        ],
      );
      // A reader may not.
      const readerRig = new Rig({ receivers, localPrincipal: TEST_READER });
      const readerRt = await readerRig.start("westeurope");
      const readerHost = await startHttpHost({
        port: 0,
        functions: apiFunctions(() => Promise.resolve(readerRt)),
        log: () => {},
      });
      try {
        const response = await fetch(`${readerHost.url}/api/alerts/teams/test`, { method: "POST" });
        assert.equal(response.status, 403);
      } finally {
        await readerHost.close();
      }
    } finally {
      await host.close();
    }
  });

  it("no secret appears in a log line, an error, the audit log or the status, whatever the receivers answer", async () => {
    fresh();
    const secrets = secretValues(receivers);
    receivers.modes.teams = "410";
    receivers.modes.slack = "hang";
    receivers.modes.pagerduty = "500"; // echoes the request, routing key included
    receivers.modes.webhook = "410";
    const rig = new Rig({ receivers, localPrincipal: TEST_OPERATOR });
    const rt = await rig.start("westeurope");
    await rig.start("northeurope");
    await rig.until(async () => (await rig.store.readLease()) !== undefined, 10);
    rig.failing.add("*>westeurope");
    await rig.ticks(6);
    const host = await startHttpHost({
      port: 0,
      functions: apiFunctions(() => Promise.resolve(rt)),
      log: (_level, message) => rig.lines.push(message),
    });
    const answers: string[] = [];
    try {
      for (const channel of ["teams", "slack", "pagerduty", "webhook"]) {
        const response = await fetch(`${host.url}/api/alerts/${channel}/test`, { method: "POST" });
        answers.push(await response.text());
      }
      answers.push(await (await fetch(`${host.url}/api/status`)).text());
      answers.push(await (await fetch(`${host.url}/api/audit`)).text());
    } finally {
      await host.close();
    }
    const status = await readStatus(rt);
    const page = renderStatusPage(status);
    assert.ok(
      status.alerts.some((c) => c.lastFailure?.reason.includes("[redacted]")),
      "the echo was redacted, not dropped",
    );
    const captured = [
      ...rig.lines,
      ...answers,
      JSON.stringify(status),
      page,
      JSON.stringify(await rig.store.readActions()),
      JSON.stringify(await rig.store.readAlertChannels()),
      JSON.stringify((await rig.store.readOutbox(["shop"])).map((r) => r.row.deliveries)),
    ].join("\n");
    assert.ok(rig.lines.length > 5, "the failures were logged");
    for (const secret of secrets)
      assert.ok(!captured.includes(secret), `a secret (${secret.length} characters) leaked`);
    assert.ok(
      captured.includes(new URL(receivers.url).origin),
      "receivers are named by scheme and host",
    );

    // A bad secret fails start-up naming the setting's field, never its value.
    const config = parseConfig(rig.config);
    const env = {
      ...rig.env,
      RIG_WEBHOOK_SECRET: "whsec_not-base64!!",
      RIG_PAGERDUTY_ROUTING_KEY: "x",
    };
    await assert.rejects(
      compose({ config, observer: "westeurope", store: rig.store, env }),
      (error: unknown) => {
        assert.ok(isConfigError(error));
        assert.match(
          error.message,
          /alerts\.channels\[3\]\.secret: does not hold a Standard Webhooks signing secret/,
        );
        assert.match(
          error.message,
          /alerts\.channels\[2\]\.routingKey: does not hold a PagerDuty integration key/,
        );
        assert.ok(!error.message.includes("not-base64"));
        return true;
      },
    );
  });
});
