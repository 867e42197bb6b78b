// Every alert type renders for every provider within the receiver's rules: a valid Adaptive Card
// under Teams' 28 KB (even with 200 history lines and 10 KB error texts), Slack within its block
// limits, PagerDuty trigger and resolve under one dedup key, and a versioned webhook body.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SLACK_LIMITS, slackMessage } from "../../../src/adapters/alerts/slack/blocks.js";
import {
  TEAMS_MAX_BYTES,
  byteSize,
  teamsMessage,
} from "../../../src/adapters/alerts/teams/card.js";
import { pagerDutyEvent } from "../../../src/adapters/alerts/pagerduty/event.js";
import { webhookBody } from "../../../src/adapters/alerts/webhook/body.js";
import { hugeAlert, sampleAlerts } from "../../../src/adapters/alerts/samples.js";
import { ALERT_TYPES, boundForStorage } from "../../../src/core/alerts.js";
import { cardProblems } from "../../helpers/adaptive-cards.js";

const links = { baseUrl: "https://tandem.contoso.com" };
const samples = sampleAlerts();

function slackProblems(message: { text: string; blocks: any[] }): string[] {
  const problems: string[] = [];
  if (message.blocks.length > SLACK_LIMITS.blocks) problems.push(`${message.blocks.length} blocks`);
  if (message.text.length > SLACK_LIMITS.text) problems.push("fallback text too long");
  for (const block of message.blocks) {
    if (block.type === "header" && block.text.text.length > SLACK_LIMITS.header)
      problems.push("header too long");
    if (block.text && block.text.text.length > SLACK_LIMITS.text) problems.push("section too long");
    if (block.fields && block.fields.length > SLACK_LIMITS.fields) problems.push("too many fields");
    for (const f of block.fields ?? [])
      if (f.text.length > SLACK_LIMITS.field) problems.push("field too long");
    for (const e of block.elements ?? [])
      if (e.text?.text?.length > SLACK_LIMITS.text) problems.push("element too long");
  }
  return problems;
}

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
      assert.deepEqual(slackProblems(slack), []);
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
    assert.deepEqual(slackProblems(slackMessage(alert, links)), []);
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
