// Every alert type renders for every provider within the receiver's rules: a valid Adaptive Card
// under Teams' 28 KB (even with 200 history lines and 10 KB error texts), Slack within its block
// limits, PagerDuty trigger and resolve under one dedup key, and a versioned webhook body.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cutEscaped, slackMessage } from "../../src/channels/slack/blocks.js";
import { TEAMS_MAX_BYTES, byteSize, teamsMessage } from "../../src/channels/teams/card.js";
import { pagerDutyEvent } from "../../src/channels/pagerduty/event.js";
import { webhookBody } from "../../src/channels/webhook/body.js";
import { hugeAlert, sampleAlerts } from "../../src/channels/samples.js";
import type { Alert } from "../../src/core/alerts.js";
import { ALERT_TYPES, boundForStorage } from "../../src/core/alerts.js";
import { cardProblems } from "../helpers/adaptive-cards.js";
import {
  SLACK_MESSAGE_TEXT,
  blockKitProblems,
  blockTextOf,
  unescapedControl,
} from "../helpers/block-kit.js";

const links = { baseUrl: "https://tandem.contoso.com" };
const samples = sampleAlerts();

describe("alert rendering", () => {
  it("has a sample of every alert type", () => {
    assert.deepEqual(Object.keys(samples).sort(), ALERT_TYPES.map((t) => t.type).sort());
  });

  for (const [type, alert] of Object.entries(samples)) {
    it(`${type}: a valid Teams card, Slack blocks within limits, a webhook body, and PagerDuty's event or a reason not to`, () => {
      const teams = teamsMessage(alert, links);
      assert.deepEqual(cardProblems(teams), []);
      assert.ok(byteSize(teams) <= TEAMS_MAX_BYTES);
      assert.match(
        JSON.stringify(teams),
        new RegExp(alert.title.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")),
      );
      const slack = slackMessage(alert, links);
      assert.deepEqual(blockKitProblems(slack), []);
      const body = webhookBody(alert, links);
      assert.equal(body.type, type);
      assert.equal(body.version, 1);
      assert.equal(body.timestamp, new Date(alert.at).toISOString());
      assert.equal((body.data as any).key, alert.key);
      const event = pagerDutyEvent(alert, "R0UTINGKEY", links);
      if (event?.event_action === "trigger") {
        assert.ok((event.payload!["summary"] as string).length <= 1024);
        assert.ok(
          ["critical", "error", "warning", "info"].includes(event.payload!["severity"] as string),
        );
      }
    });
  }

  it("keeps a 200-line incident with 10 KB error texts under Teams' 28 KB, and says what it cut", () => {
    const alert = hugeAlert();
    assert.equal(alert.steps?.length, 200);
    const teams = teamsMessage(alert, links);
    const size = byteSize(teams);
    assert.ok(size <= TEAMS_MAX_BYTES, `${size} bytes`);
    assert.ok(size > TEAMS_MAX_BYTES / 3, `only ${size} bytes: it cut more than it needed to`);
    assert.deepEqual(cardProblems(teams), []);
    const text = JSON.stringify(teams);
    assert.match(text, /step\(s\) not shown/);
    assert.match(text, /Shortened to fit/);
    assert.match(text, /detected: westeurope is down/, "the first step is kept");
    assert.match(text, /failed: gave up/, "and the latest");
    assert.deepEqual(blockKitProblems(slackMessage(alert, links)), []);
  });

  it("keeps every Slack message of the oversized alert under 12,000 characters of block text, valid Block Kit, with what it cut said", () => {
    const huge = hugeAlert();
    const bloated = (alert: Alert): Alert => ({
      ...alert,
      summary: `${alert.summary} ${huge.action}`,
      action: huge.action!,
      regions: huge.regions!,
      steps: huge.steps!,
    });
    // The oversized alert as raised, as stored in the outbox, and every type with its texts.
    const messages = [
      huge,
      boundForStorage(huge),
      ...Object.values(samples).map(bloated),
      ...Object.values(samples).map((a) => boundForStorage(bloated(a))),
    ].map((a) => ({ alert: a, message: slackMessage(a, links) }));
    for (const { alert, message } of messages) {
      assert.deepEqual(blockKitProblems(message), [], alert.type);
      const chars = blockTextOf(message);
      assert.ok(chars < SLACK_MESSAGE_TEXT, `${alert.type}: ${chars} characters`);
    }
    const first = JSON.stringify(messages[0]!.message);
    assert.match(first, /Shortened to fit/);
    assert.match(first, /step\(s\) not shown/);
    // Not cut more than needed: most of the room is used.
    assert.ok(blockTextOf(messages[0]!.message) > SLACK_MESSAGE_TEXT / 3);
  });

  it("escapes Slack's control characters in the notification text and every mrkdwn text, so a reason cannot mention @channel or hide a link", () => {
    const hostile = "<!channel> wake up & see <https://evil.example|the status page>";
    const alert: Alert = {
      ...samples["region.down"],
      title: `shop: westeurope is down ${hostile}`,
      summary: hostile,
      action: hostile,
      regions: [{ name: "westeurope", verdict: "down", reason: hostile }],
      steps: [{ step: "detected", at: samples["region.down"].at, note: hostile }],
    };
    const message = slackMessage(alert, links);
    assert.deepEqual(blockKitProblems(message), []);
    assert.equal(unescapedControl(message.text), undefined, message.text);
    assert.match(message.text, /&lt;!channel&gt; wake up &amp; see &lt;https/);
    const mrkdwn: string[] = [];
    JSON.stringify(message.blocks, (_key, value) => {
      if (value?.type === "mrkdwn") mrkdwn.push(value.text);
      return value;
    });
    assert.ok(mrkdwn.length >= 5);
    for (const t of mrkdwn) assert.equal(unescapedControl(t), undefined, t);
  });

  it("sends no empty Slack section, whatever is empty in the alert", () => {
    const alert: Alert = {
      ...samples["failover.step"],
      summary: "",
      action: " ",
      regions: [{ name: "westeurope", verdict: "down", reason: "" }],
      steps: [],
    };
    const message = slackMessage(alert, links);
    assert.deepEqual(blockKitProblems(message), []);
    assert.ok(message.blocks.every((b: any) => b.type !== "section" || b.text?.text || b.fields));
  });

  it("cuts escaped text without splitting an entity", () => {
    const text = "&amp;".repeat(10);
    for (let max = 2; max < text.length; max++) {
      const cut = cutEscaped(text, max);
      assert.ok(cut.length <= max, `${max}: ${cut}`);
      assert.match(cut, /^(&amp;)*…$/, `${max}: ${cut}`);
    }
    assert.equal(cutEscaped("a &lt; b", 100), "a &lt; b");
  });

  it("colours and heads a Teams card by severity, and a resolved one green with what it resolves", () => {
    const down = JSON.stringify(teamsMessage(samples["region.down"], links));
    assert.match(down, /"style":"attention"/);
    assert.match(down, /🔴 shop: westeurope is down/);
    const recovered = JSON.stringify(teamsMessage(samples["region.recovered"], links));
    assert.match(recovered, /"style":"good"/);
    assert.match(recovered, /✅/);
    assert.match(recovered, /Resolves.*shop: westeurope is down/);
    const incident = JSON.stringify(teamsMessage(samples["failover.completed"], links));
    assert.match(incident, /Action.OpenUrl/);
    assert.match(
      incident,
      /https:\/\/tandem.contoso.com\/api\/incidents\/001796117400000-3f2a9c1e/,
    );
    assert.match(incident, /https:\/\/tandem.contoso.com\/api\/status/);
    assert.match(incident, /Steps so far/);
    assert.match(incident, /What Tandem does|Now/);
  });

  it("triggers and resolves in PagerDuty under one dedup key: regions, incidents, observers", () => {
    const pairs = [
      ["region.down", "region.recovered"],
      ["failover.detected", "failover.completed"],
      ["failover.started", "failover.aborted"],
      ["observer.stale", "observer.live"],
      ["store.unreachable", "store.reachable"],
      ["region.split-view", "region.cleared"],
      ["automation.paused", "automation.resumed"],
    ] as const;
    for (const [open, close] of pairs) {
      const trigger = pagerDutyEvent(samples[open], "K", links)!;
      const resolve = pagerDutyEvent(samples[close], "K", links)!;
      assert.equal(trigger.event_action, "trigger", open);
      assert.equal(resolve.event_action, "resolve", close);
      assert.equal(resolve.dedup_key, trigger.dedup_key, `${open} and ${close}`);
    }
    const failed = pagerDutyEvent(samples["failover.failed"], "K", links)!;
    assert.equal(failed.event_action, "trigger", "a failed failover stays open for a person");
    assert.equal(
      failed.dedup_key,
      pagerDutyEvent(samples["failover.detected"], "K", links)!.dedup_key,
    );
    assert.equal(
      pagerDutyEvent(samples["failover.step"], "K", links),
      undefined,
      "steps do not page",
    );
    assert.equal(pagerDutyEvent(samples["reminder"], "K", links), undefined);
    assert.equal(
      pagerDutyEvent(samples["failover.prewarming"], "K", links),
      undefined,
      "a pre-warm on suspicion pages nobody",
    );
  });
});

describe("alerts in the outbox", () => {
  it("fit one Table Storage property, keeping the first and latest steps and saying how many were left out", () => {
    const stored = boundForStorage(hugeAlert());
    assert.ok(
      JSON.stringify(stored).length <= 30_000,
      `${JSON.stringify(stored).length} characters`,
    );
    assert.equal(stored.steps?.[0]?.step, "detected");
    assert.equal(stored.steps?.at(-1)?.step, "failed");
    assert.equal((stored.steps?.length ?? 0) + (stored.stepsOmitted ?? 0), 200);
    const teams = teamsMessage(stored, links);
    assert.deepEqual(cardProblems(teams), []);
    assert.match(JSON.stringify(teams), /step\(s\) not shown/);
  });
});
