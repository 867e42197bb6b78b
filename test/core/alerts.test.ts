// The alert catalogue and the rules around it: every type's default severity and what resolves
// what, how durations read, which patterns a channel may list, and which alerts a channel gets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert, AlertType, ChannelFilter, Severity } from "../../src/core/alerts.js";
import {
  ALERT_TYPES,
  SEVERITIES,
  duration,
  infoOf,
  isAlertPattern,
  passes,
  severityRank,
} from "../../src/core/alerts.js";

// The documented default severity of every type. A Record over AlertType: the compiler fails here
// when a type is added without a decision about its severity.
const SEVERITY: Record<AlertType, Severity> = {
  "region.suspect": "warning",
  "region.down": "critical",
  "region.split-view": "error",
  "region.recovered": "info",
  "region.cleared": "info",
  "region.unconfirmed": "error",
  "region.confirmable": "info",
  "failover.prewarming": "warning",
  "failover.detected": "critical",
  "failover.started": "critical",
  "failover.step": "info",
  "failover.retrying": "error",
  "failover.completed": "info",
  "failover.failed": "critical",
  "failover.aborted": "warning",
  "failback.detected": "warning",
  "failback.started": "warning",
  "failback.step": "info",
  "failback.retrying": "warning",
  "failback.completed": "info",
  "failback.failed": "critical",
  "failback.aborted": "warning",
  "failover.cap-reached": "error",
  "data.failover-asked": "warning",
  "data.refused": "critical",
  "data.stranded": "critical",
  "automation.paused": "warning",
  "automation.resumed": "info",
  "command.accepted": "info",
  "command.refused": "warning",
  "observer.stale": "error",
  "observer.live": "info",
  "store.unreachable": "critical",
  "store.reachable": "info",
  "lease.acquired": "info",
  "certificate.expiring": "warning",
  "readiness.lost": "warning",
  "readiness.regained": "info",
  "channel.disabled": "error",
  "channel.enabled": "info",
  "channel.undelivered": "warning",
  "channel.delivering": "info",
  reminder: "warning",
  "alert.test": "info",
};

// What each resolving type ends: a channel that got the opening alert gets the resolving one.
const RESOLVES: Partial<Record<AlertType, AlertType[]>> = {
  "region.recovered": ["region.down"],
  "region.cleared": ["region.split-view", "region.suspect", "region.unconfirmed"],
  "region.confirmable": ["region.unconfirmed"],
  "failover.completed": ["failover.detected", "failover.started"],
  "failover.aborted": ["failover.detected", "failover.started", "failover.prewarming"],
  "failback.completed": ["failback.detected", "failback.started"],
  "failback.aborted": ["failback.detected", "failback.started"],
  "automation.resumed": ["automation.paused"],
  "observer.live": ["observer.stale"],
  "store.reachable": ["store.unreachable"],
  "readiness.regained": ["readiness.lost"],
  "channel.enabled": ["channel.disabled"],
  "channel.delivering": ["channel.undelivered"],
};

describe("the alert catalogue", () => {
  it("lists every alert type once", () => {
    const types = ALERT_TYPES.map((t) => t.type);
    assert.deepEqual([...types].sort(), Object.keys(SEVERITY).sort());
    assert.equal(new Set(types).size, types.length);
  });

  for (const [type, severity] of Object.entries(SEVERITY) as [AlertType, Severity][])
    it(`${type} is ${severity} by default`, () => {
      assert.equal(infoOf(type).type, type);
      assert.equal(infoOf(type).severity, severity);
    });

  for (const t of ALERT_TYPES)
    it(`${t.type} says when it is sent, for the documentation`, () => {
      assert.ok(t.when.length > 20, t.when);
    });

  it("says which types each resolving type ends, and no others resolve", () => {
    const listed = Object.fromEntries(
      ALERT_TYPES.filter((t) => t.resolves).map((t) => [t.type, t.resolves]),
    );
    assert.deepEqual(listed, RESOLVES);
  });

  it("describes an incident type with its kind", () => {
    for (const kind of ["failover", "failback"])
      for (const phase of ["detected", "started", "step", "completed", "failed", "aborted"])
        assert.match(infoOf(`${kind}.${phase}` as AlertType).when, new RegExp(`\\b${kind}\\b`));
  });

  it("ranks severities from info to critical", () => {
    assert.deepEqual(SEVERITIES, ["info", "warning", "error", "critical"]);
    assert.deepEqual(SEVERITIES.map(severityRank), [0, 1, 2, 3]);
  });
});

describe("durations as alerts show them", () => {
  const cases: [number, string][] = [
    [-5_000, "0s"],
    [0, "0s"],
    [499, "0s"],
    [500, "1s"],
    [59_499, "59s"],
    [59_500, "1m00s"],
    [61_000, "1m01s"],
    [754_000, "12m34s"],
    [3_599_000, "59m59s"],
    [3_600_000, "1h00m"],
    [3_661_000, "1h01m"],
    [37_800_000, "10h30m"],
  ];
  for (const [ms, text] of cases)
    it(`${ms} ms reads ${text}`, () => assert.equal(duration(ms), text));
});

describe("alert patterns a channel may list", () => {
  const cases: [string, boolean][] = [
    ["region.down", true],
    ["reminder", true],
    ["lease.changed", true],
    ["failover.*", true],
    ["region.*", true],
    ["region.dow", false],
    ["region.down.*", false],
    ["region*", false],
    ["*", false],
    [".*", false],
    ["*.down", false],
    ["nothing", false],
  ];
  for (const [pattern, named] of cases)
    it(`${pattern} ${named ? "names" : "names no"} alert type`, () =>
      assert.equal(isAlertPattern(pattern), named));
});

function alert(type: AlertType, severity: Severity, extra: Partial<Alert> = {}): Alert {
  return {
    key: `k|${type}`,
    type,
    severity,
    at: 1,
    observer: "westeurope",
    subject: "s",
    group: "shop",
    title: "t",
    summary: "s",
    ...extra,
  };
}

const everything: ChannelFilter = { minSeverity: "info" };
const DOWN = alert("region.down", "critical");
const SUSPECT = alert("region.suspect", "warning");
const RECOVERED = alert("region.recovered", "info", {
  resolves: { type: "region.down", title: "shop: westeurope is down", severity: "critical" },
});
const CLEARED = alert("region.cleared", "info", {
  resolves: { type: "region.suspect", title: "shop: westeurope is suspect", severity: "warning" },
});
const reminderOf = (of: AlertType, severity: Severity) =>
  alert("reminder", severity, { reminder: { of, count: 1, openForMs: 60_000 } });

describe("which alerts a channel gets", () => {
  /** Every group and severity, and only these types. */
  const listing = (...events: NonNullable<ChannelFilter["events"]>): ChannelFilter => ({
    ...everything,
    events,
  });
  const remindsOfDown = reminderOf("region.down", "critical");
  const cases: [string, ChannelFilter, Alert, boolean][] = [
    [
      "a test alert reaches a channel that would take nothing else",
      { minSeverity: "critical", events: [], groups: ["other"] },
      alert("alert.test", "info"),
      true,
    ],
    ["an alert of another group is left out", { ...everything, groups: ["web"] }, DOWN, false],
    ["an alert of a listed group passes", { ...everything, groups: ["web", "shop"] }, DOWN, true],
    [
      "an alert about no group passes a group filter",
      { ...everything, groups: ["web"] },
      alert("lease.acquired", "info", { group: undefined }),
      true,
    ],
    [
      "a type listed by its former name (lease.changed, for one release) passes",
      { ...everything, events: ["lease.changed"] },
      alert("lease.acquired", "info", { group: undefined }),
      true,
    ],
    ["without a type list, every type but suspect passes", everything, DOWN, true],
    ["without a type list, a suspect region is left out", everything, SUSPECT, false],
    ["a listed type passes", listing("region.down"), DOWN, true],
    ["a suspect region passes where it is listed", listing("region.suspect"), SUSPECT, true],
    [
      "a prefix pattern takes its types",
      listing("region.split-view", "failover.*"),
      alert("failover.started", "critical"),
      true,
    ],
    ["a prefix pattern takes no other types", listing("failover.*"), DOWN, false],
    ["an alert below the minimum severity is left out", { minSeverity: "error" }, SUSPECT, false],
    [
      "an alert at the minimum severity passes",
      { minSeverity: "error" },
      alert("region.split-view", "error"),
      true,
    ],
    ["an alert above the minimum severity passes", { minSeverity: "error" }, DOWN, true],
    [
      "a recovery reaches a critical-only channel that got the down alert",
      { minSeverity: "critical" },
      RECOVERED,
      true,
    ],
    [
      "a recovery reaches a channel that lists only what it resolves",
      listing("region.down"),
      RECOVERED,
      true,
    ],
    [
      "a recovery reaches a channel that lists the recovery itself",
      listing("region.recovered"),
      RECOVERED,
      true,
    ],
    [
      "a recovery is left out where neither it nor what it resolves is listed",
      listing("region.suspect"),
      RECOVERED,
      false,
    ],
    ["a cleared suspect passes without a type list (cleared is wanted)", everything, CLEARED, true],
    [
      "a cleared suspect is left out below its severity: that of the suspect alert",
      { minSeverity: "error" },
      CLEARED,
      false,
    ],
    ["a reminder passes without a type list", everything, remindsOfDown, true],
    [
      "a reminder is left out where reminder is not listed",
      listing("region.down"),
      remindsOfDown,
      false,
    ],
    [
      "a reminder passes where reminder and what it reminds of are listed",
      listing("reminder", "region.down"),
      remindsOfDown,
      true,
    ],
    [
      "a reminder is left out where what it reminds of is not listed",
      listing("reminder"),
      remindsOfDown,
      false,
    ],
    [
      "a reminder of a suspect region is left out without a type list",
      everything,
      reminderOf("region.suspect", "warning"),
      false,
    ],
    [
      "a reminder is left out below the minimum severity",
      { minSeverity: "critical" },
      reminderOf("failback.detected", "warning"),
      false,
    ],
  ];
  for (const [name, filter, a, expected] of cases)
    it(name, () => assert.equal(passes(filter, a), expected));
});
