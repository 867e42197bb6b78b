// The page's "Alerts not delivered" section: which channel gives alerts up, and why.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelStatus } from "../../src/app/alerts/status.js";
import type { StatusView } from "../../src/app/status.js";
import { renderStatusPage } from "../../src/app/status-page.js";

const viewWith = (channel: ChannelStatus): StatusView => ({
  generatedAt: "2026-12-07T12:00:00.000Z",
  answeredBy: "westeurope",
  version: "test",
  lease: null,
  observers: [],
  groups: [],
  alerts: [channel],
});

const teams = (reason: string): ChannelStatus => ({
  name: "teams",
  kind: "teams",
  target: "https://127.0.0.1:1",
  state: "enabled",
  lastFailure: {
    at: "2026-12-07T11:58:00.000Z",
    type: "incident.step",
    reason: "500 Internal Server Error",
  },
  delivered: 0,
  failed: 3,
  failing: 3,
  pending: 0,
  givenUp: 2,
  lastGiveUp: {
    at: "2026-12-07T11:59:00.000Z",
    type: "readiness.lost",
    title: "catalog: failover readiness lost",
    reason,
  },
});

const section = (html: string) => /<section class="giveups">.*?<\/section>/s.exec(html)?.[0] ?? "";

describe("the status page's alerts not delivered", () => {
  it("an alert given up before its turn names the channel's last refusal", () => {
    const html = section(renderStatusPage(viewWith(teams("not attempted"))));
    assert.match(html, /readiness\.lost "catalog: failover readiness lost": not attempted/);
    assert.match(html, /its last answer \(.*\): 500 Internal Server Error/);
  });

  it("an alert given up after its own attempts says only its own reason", () => {
    const html = section(renderStatusPage(viewWith(teams("503 Service Unavailable"))));
    assert.match(html, /: 503 Service Unavailable\. The other channels were told/);
    assert.doesNotMatch(html, /its last answer/);
  });
});
