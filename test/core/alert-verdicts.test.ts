// The alerts of kept verdicts: which verdict changes are told, what they say, and how a region is
// shown in an alert (its kept verdict, else the evidence, and each observer's view).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert, AlertOrigin, AlertRegion } from "../../src/core/alerts.js";
import { alertRegions, infoOf, verdictAlerts } from "../../src/core/alerts.js";
import type { RegionEvidence, RegionState, Verdict } from "../../src/core/verdict.js";
import { nextRegionState, unconfirmable } from "../../src/core/verdict.js";

const SINCE = 5_000;
const FROM: AlertOrigin = { observer: "westeurope", epoch: 3, at: 9_000 };

const kept = (verdict: Verdict, reason = `westeurope is ${verdict}`): RegionState => ({
  verdict,
  since: SINCE,
  epoch: 3,
  reason,
});

const REGIONS: AlertRegion[] = [
  { name: "westeurope", verdict: "down", reason: "r", witness: "down" },
];

/** The alerts of westeurope's kept verdict going from `before` (undefined: none yet) to `to`. */
function change(before: Verdict | undefined, to: Verdict, from = FROM): Alert[] {
  return verdictAlerts(
    "shop",
    before ? { westeurope: kept(before) } : {},
    { westeurope: kept(to) },
    REGIONS,
    from,
  );
}

describe("which verdict changes are told", () => {
  const cases: [Verdict | undefined, Verdict, string | undefined][] = [
    [undefined, "down", "region.down"],
    ["healthy", "down", "region.down"],
    ["suspect", "down", "region.down"],
    ["healthy", "suspect", "region.suspect"],
    [undefined, "split-view", "region.split-view"],
    ["suspect", "split-view", "region.split-view"],
    ["down", "healthy", "region.recovered"],
    ["recovering", "healthy", "region.recovered"],
    ["split-view", "healthy", "region.cleared"],
    ["suspect", "healthy", "region.cleared"],
    ["down", "down", undefined],
    ["down", "recovering", undefined],
    [undefined, "healthy", undefined],
    ["unknown", "healthy", undefined],
    ["healthy", "unknown", undefined],
    ["suspect", "unknown", undefined],
    ["split-view", "recovering", undefined],
  ];
  for (const [before, to, type] of cases)
    it(`${before ?? "nothing kept"} to ${to}: ${type ?? "no alert"}`, () => {
      assert.deepEqual(
        change(before, to).map((a) => a.type),
        type ? [type] : [],
      );
    });

  it("tells only the regions whose kept verdict changed", () => {
    const alerts = verdictAlerts(
      "shop",
      { westeurope: kept("healthy"), northeurope: kept("healthy") },
      { westeurope: kept("healthy"), northeurope: kept("down", "northeurope is down") },
      REGIONS,
      FROM,
    );
    assert.deepEqual(
      alerts.map((a) => [a.type, a.region]),
      [["region.down", "northeurope"]],
    );
  });
});

describe("a region down", () => {
  const [alert] = change("healthy", "down");

  it("says the region is down, why, and what Tandem does about it", () => {
    assert.equal(alert?.title, "shop: westeurope is down");
    assert.equal(alert?.summary, "westeurope is down");
    assert.equal(
      alert?.action,
      "Tandem keeps westeurope down and runs shop's failover runbook if the group has a traffic lever and a healthy region to move to.",
    );
  });

  it("is keyed by the region and when the verdict began, from the lease holder's epoch", () => {
    assert.deepEqual(
      {
        key: alert?.key,
        subject: alert?.subject,
        severity: alert?.severity,
        group: alert?.group,
        region: alert?.region,
        observer: alert?.observer,
        at: alert?.at,
        epoch: alert?.epoch,
        regions: alert?.regions,
        details: alert?.details,
      },
      {
        key: `region:shop/westeurope|down|${SINCE}`,
        subject: "region:shop/westeurope",
        severity: "critical",
        group: "shop",
        region: "westeurope",
        observer: "westeurope",
        at: 9_000,
        epoch: 3,
        regions: REGIONS,
        details: { verdict: "down", previous: "healthy" },
      },
    );
  });

  it("the first verdict kept has no previous one in its details", () => {
    assert.deepEqual(change(undefined, "down")[0]?.details, { verdict: "down" });
  });

  it("carries no epoch when told by a process without the lease", () => {
    const [a] = change("healthy", "down", { observer: "northeurope", at: 9_000 });
    assert.equal(a && "epoch" in a, false);
  });
});

describe("what each told verdict change says", () => {
  const texts: [Verdict, Verdict, string, string][] = [
    [
      "healthy",
      "suspect",
      "shop: westeurope is suspect",
      "Tandem watches; it acts only once every outside observer agrees it is down.",
    ],
    [
      "healthy",
      "split-view",
      "shop: observers disagree about westeurope",
      "Tandem does not act on a split view: check the observers and the region.",
    ],
  ];
  for (const [before, to, title, action] of texts)
    it(`${to}: "${title}"`, () => {
      const [a] = change(before, to);
      assert.equal(a?.title, title);
      assert.equal(a?.action, action);
      assert.equal(a?.summary, `westeurope is ${to}`);
    });

  const told: [Verdict | undefined, Verdict][] = [
    ["healthy", "down"],
    [undefined, "suspect"],
    ["healthy", "split-view"],
    ["down", "healthy"],
    ["recovering", "healthy"],
    ["suspect", "healthy"],
    ["split-view", "healthy"],
  ];
  for (const [before, to] of told)
    it(`${before ?? "nothing"} to ${to}: names group and region, keyed under its subject with its type's severity`, () => {
      const [a] = change(before, to);
      assert.ok(a);
      assert.match(a.title, /^shop: .*westeurope/);
      assert.equal(a.summary, `westeurope is ${to}`);
      assert.equal(a.subject, "region:shop/westeurope");
      assert.equal(a.key, `${a.subject}|${a.type.split(".")[1]}|${SINCE}`);
      assert.equal(a.severity, infoOf(a.type).severity);
      assert.deepEqual(a.details, { verdict: to, ...(before ? { previous: before } : {}) });
    });
});

describe("a region healthy again resolves what was said about it", () => {
  const cases: [Verdict, string][] = [
    ["down", "shop: westeurope has recovered"],
    ["recovering", "shop: westeurope has recovered"],
    ["split-view", "shop: westeurope is healthy again"],
    ["suspect", "shop: westeurope is healthy again"],
  ];
  for (const [before, title] of cases)
    it(`after ${before}: "${title}", resolving the alert with the title and severity it had`, () => {
      const [end] = change(before, "healthy");
      // What was said when the region became `before` (a recovering region was down before).
      const [start] = change("healthy", before === "recovering" ? "down" : before);
      assert.ok(end && start);
      assert.equal(end.title, title);
      assert.equal(end.action, undefined);
      assert.deepEqual(end.resolves, {
        type: start.type,
        title: start.title,
        severity: start.severity,
      });
      assert.equal(end.subject, start.subject);
    });
});

describe("regions as alerts show them", () => {
  const evidence = (region: string, e: Partial<RegionEvidence> = {}): RegionEvidence => ({
    region,
    verdict: "healthy",
    reason: `${region} is up`,
    outside: [],
    blocking: [],
    witness: "unknown",
    ...e,
  });

  it("shows the kept verdict and its reason where there is one, else the evidence's", () => {
    const shown = alertRegions(
      [
        evidence("westeurope", { verdict: "suspect", reason: "one observer sees it fail" }),
        evidence("northeurope"),
      ],
      { westeurope: kept("down", "every outside observer saw it fail") },
    );
    assert.deepEqual(
      shown.map((r) => [r.name, r.verdict, r.reason]),
      [
        ["westeurope", "down", "every outside observer saw it fail"],
        ["northeurope", "healthy", "northeurope is up"],
      ],
    );
  });

  it("lists the outside views, then the observers without a view, then the inside one", () => {
    const [shown] = alertRegions(
      [
        evidence("westeurope", {
          outside: [
            { observer: "northeurope", view: "confirmed" },
            { observer: "swedencentral", view: "failing" },
          ],
          blocking: ["uksouth"],
          inside: { observer: "westeurope", view: "confirmed", silent: false },
          witness: "down",
        }),
      ],
      {},
    );
    assert.deepEqual(shown, {
      name: "westeurope",
      verdict: "healthy",
      reason: "westeurope is up",
      observers: [
        { observer: "northeurope", view: "confirmed" },
        { observer: "swedencentral", view: "failing" },
        { observer: "uksouth", view: "no current view" },
        { observer: "westeurope (inside)", view: "confirmed" },
      ],
      witness: "down",
    });
  });

  it("shows a stale or impaired inside observer as silent", () => {
    const [shown] = alertRegions(
      [evidence("westeurope", { inside: { observer: "westeurope", view: "none", silent: true } })],
      {},
    );
    assert.deepEqual(shown?.observers, [{ observer: "westeurope (inside)", view: "silent" }]);
  });

  it("leaves the observers out of a region nobody observes", () => {
    const [shown] = alertRegions([evidence("westeurope")], {});
    assert.equal(shown && "observers" in shown, false);
    assert.equal(shown?.witness, "unknown");
  });
});

describe("a down verdict no outside observer can confirm", () => {
  const evidence = (over: Partial<RegionEvidence> = {}): RegionEvidence => ({
    region: "westeurope",
    verdict: "suspect",
    reason:
      "only the observer inside (westeurope) sees it failing; no outside observer can confirm",
    outside: [],
    blocking: [],
    inside: { observer: "westeurope", view: "confirmed", silent: false },
    witness: "unknown",
    ...over,
  });
  const outsideBack = evidence({
    reason: "northeurope sees it failing; down needs every outside observer to see 3 failures",
    outside: [{ observer: "northeurope", view: "failing" }],
  });
  const healthy = evidence({
    verdict: "healthy",
    reason: "every outside observer with a view (northeurope) sees it up",
    outside: [{ observer: "northeurope", view: "passing" }],
    inside: { observer: "westeurope", view: "passing", silent: false },
  });
  const down = evidence({
    verdict: "down",
    reason: "every outside observer with a view (northeurope) saw it fail",
    outside: [{ observer: "northeurope", view: "confirmed" }],
  });
  const regions = alertRegions([evidence()], {});

  /** Kept states through the evidence, from a healthy region; the alerts of each change. */
  function run(...steps: [RegionEvidence, number?][]) {
    let state: RegionState = { verdict: "healthy", since: 0, epoch: 3, reason: "up" };
    const alerts: Alert[] = [];
    let at = 1000;
    for (const [e, epoch = 3] of steps) {
      at += 10_000;
      const next = nextRegionState(state, e, at, epoch, 0);
      alerts.push(
        ...verdictAlerts("shop", { westeurope: state }, { westeurope: next }, regions, {
          ...FROM,
          at,
        }),
      );
      state = next;
    }
    return { alerts, state };
  }

  it("is recognised only when the inside observer alone has seen it fail for the threshold", () => {
    assert.equal(unconfirmable(evidence()), true);
    assert.equal(
      unconfirmable(evidence({ inside: { observer: "w", view: "failing", silent: false } })),
      false,
    );
    assert.equal(unconfirmable(evidence({ blocking: ["northeurope"] })), false);
    assert.equal(unconfirmable(outsideBack), false);
    assert.equal(
      unconfirmable(evidence({ inside: { observer: "w", view: "confirmed", silent: true } })),
      false,
    );
  });

  it("is said once while it stands, as an error a person should look at, and across a takeover", () => {
    const { alerts, state } = run([evidence()], [evidence()], [evidence(), 4], [evidence()]);
    assert.deepEqual(
      alerts.map((a) => [a.type, a.severity]),
      [
        ["region.suspect", "warning"],
        ["region.unconfirmed", "error"],
      ],
    );
    const said = alerts[1]!;
    assert.equal(
      said.title,
      "shop: westeurope may be down, and no outside observer can confirm it",
    );
    assert.equal(said.subject, "region:shop/westeurope", "PagerDuty's key of the region");
    assert.equal(said.key, "region:shop/westeurope|unconfirmed|11000");
    assert.match(said.summary, /no outside observer can confirm/);
    assert.match(said.action!, /A person should look/);
    assert.match(said.action!, /tandem failover/);
    assert.equal(state.unconfirmedSince, 11_000, "kept by the next holder");
  });

  it("stands while the inside observer wavers or goes silent too, with no outside view", () => {
    const wavering = evidence({
      inside: { observer: "westeurope", view: "failing", silent: false },
    });
    const silent = evidence({
      verdict: "unknown",
      reason: "no live, unimpaired observer has a current view of it",
      inside: { observer: "westeurope", view: "none", silent: true },
    });
    const { alerts } = run([evidence()], [wavering], [silent], [evidence()]);
    assert.equal(alerts.filter((a) => a.type === "region.unconfirmed").length, 1);
    assert.equal(alerts.filter((a) => a.type === "region.confirmable").length, 0);
  });

  it("ends when an outside observer has a view again: resolved under the region's key", () => {
    const { alerts, state } = run([evidence()], [outsideBack]);
    const end = alerts.at(-1)!;
    assert.equal(end.type, "region.confirmable");
    assert.equal(end.subject, "region:shop/westeurope");
    assert.equal(end.resolves?.type, "region.unconfirmed");
    assert.equal(state.unconfirmedSince, undefined);
  });

  it("ends healthy: the region's cleared alert resolves it", () => {
    const { alerts } = run([evidence()], [healthy]);
    assert.deepEqual(
      alerts.map((a) => a.type),
      ["region.suspect", "region.unconfirmed", "region.cleared"],
    );
    assert.equal(alerts.at(-1)?.resolves?.type, "region.unconfirmed");
  });

  it("ends down: the down alert says it (and its recovery will resolve both)", () => {
    const { alerts } = run([evidence()], [down]);
    assert.deepEqual(
      alerts.map((a) => a.type),
      ["region.suspect", "region.unconfirmed", "region.down"],
    );
  });
});
