// Reminders: what stays open (a down region, a region no outside observer can confirm, an open
// incident) is said again after every interval, each time under a new key, at the severity of
// what it reminds of.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AlertOrigin, AlertRegion, OpenMatter } from "../../src/core/alerts.js";
import { downRegions, reminderDue, unconfirmedRegions } from "../../src/core/alerts.js";
import type { RegionEvidence, RegionState } from "../../src/core/verdict.js";
import { nextRegionState } from "../../src/core/verdict.js";

const MINUTE = 60_000;
const SINCE = 10 * MINUTE;
const FROM: AlertOrigin = { observer: "westeurope", epoch: 3, at: 0 };
const REGIONS: AlertRegion[] = [
  { name: "westeurope", verdict: "down", reason: "r", witness: "down" },
];

const state = (verdict: RegionState["verdict"], reason: string): RegionState => ({
  verdict,
  since: SINCE,
  epoch: 3,
  reason,
});

/** westeurope down since SINCE, as the reminder of it says. */
const DOWN: OpenMatter = {
  subject: `region:shop/westeurope|${SINCE}`,
  of: "region.down",
  severity: "critical",
  since: SINCE,
  group: "shop",
  region: "westeurope",
  title: "shop: westeurope is still down",
  summary: "every outside observer saw it fail",
  regions: REGIONS,
};

describe("down regions are open matters", () => {
  it("each down region, and only those, under a subject that includes when it went down", () => {
    const open = downRegions(
      "shop",
      {
        westeurope: state("down", "every outside observer saw it fail"),
        northeurope: state("healthy", "up"),
        uksouth: state("recovering", "passing again"),
      },
      REGIONS,
    );
    assert.deepEqual(open, [DOWN]);
  });
});

const INCIDENT: OpenMatter = {
  subject: "incident:shop/inc-1",
  of: "failback.detected",
  severity: "warning",
  since: SINCE,
  group: "shop",
  incident: "inc-1",
  title: "shop: failback to westeurope still open, at waking",
  summary: "scaling westeurope",
  steps: [{ step: "waking", at: SINCE, note: "scaling westeurope" }],
};

describe("when a reminder is due", () => {
  const cases: [string, number, number, number | undefined][] = [
    ["not before the first interval has passed", 15, 30, undefined],
    ["the first, once the interval has passed", 30, 30, 1],
    ["still the first, before the second interval", 59, 30, 1],
    ["the second, after two intervals", 60, 30, 2],
    ["the fifth, after five intervals", 155, 30, 5],
    ["never, with reminders turned off (interval 0)", 600, 0, undefined],
    ["never, with a negative interval", 600, -30, undefined],
  ];
  for (const [name, openMinutes, everyMinutes, count] of cases)
    it(`${name}: open ${openMinutes} min, every ${everyMinutes} min`, () => {
      const r = reminderDue(DOWN, SINCE + openMinutes * MINUTE, everyMinutes * MINUTE, FROM);
      assert.equal(r?.reminder?.count, count);
      if (count !== undefined) assert.equal(r?.reminder?.openForMs, openMinutes * MINUTE);
    });

  it("a reminder tolerates a clock behind the one that recorded the matter: none is due", () => {
    assert.equal(reminderDue(DOWN, SINCE - 90 * MINUTE, 30 * MINUTE, FROM), undefined);
  });
});

describe("what a reminder says", () => {
  it("of a down region: its title with how long it is open, its severity and the region", () => {
    const now = SINCE + 75 * MINUTE;
    assert.deepEqual(reminderDue(DOWN, now, 30 * MINUTE, { ...FROM, at: now }), {
      observer: "westeurope",
      at: now,
      epoch: 3,
      key: `region:shop/westeurope|${SINCE}|reminder|2`,
      type: "reminder",
      severity: "critical",
      subject: "region:shop/westeurope",
      group: "shop",
      region: "westeurope",
      title: "Reminder: shop: westeurope is still down (open 1h15m)",
      summary: "every outside observer saw it fail",
      regions: REGIONS,
      reminder: { of: "region.down", count: 2, openForMs: 75 * MINUTE },
    });
  });

  it("of an open incident: the incident and its steps, under the incident's subject", () => {
    const r = reminderDue(INCIDENT, SINCE + 31 * MINUTE, 30 * MINUTE, {
      observer: "northeurope",
      at: 1,
    });
    assert.deepEqual(r, {
      observer: "northeurope",
      at: 1,
      key: "incident:shop/inc-1|reminder|1",
      type: "reminder",
      severity: "warning",
      subject: "incident:shop/inc-1",
      group: "shop",
      incident: "inc-1",
      title: "Reminder: shop: failback to westeurope still open, at waking (open 31m00s)",
      summary: "scaling westeurope",
      steps: INCIDENT.steps,
      reminder: { of: "failback.detected", count: 1, openForMs: 31 * MINUTE },
    });
  });

  it("the same reminder told by two observers has one key; the next one another", () => {
    const at = (minutes: number, observer: string) =>
      reminderDue(DOWN, SINCE + minutes * MINUTE, 30 * MINUTE, { observer, at: 0 })?.key;
    assert.equal(at(31, "westeurope"), at(45, "northeurope"));
    assert.notEqual(at(31, "westeurope"), at(61, "westeurope"));
  });
});

describe("a down region's reminders across lease holders", () => {
  const evidence: RegionEvidence = {
    region: "westeurope",
    verdict: "down",
    reason: "every outside observer saw it fail",
    outside: [{ observer: "northeurope", view: "confirmed" }],
    blocking: [],
    witness: "down",
  };

  it("count from when it first went down, not from the takeover: open 3m40s, not 1m02s", () => {
    const wentDown = 1_000_000;
    // Epoch 3 keeps it down; epoch 4 takes over 2m38s later, and keeps it down for 1m02s more.
    let s = nextRegionState(undefined, evidence, wentDown, 3, 60_000);
    s = nextRegionState(s, evidence, wentDown + 60_000, 3, 60_000);
    const takeover = wentDown + 158_000;
    s = nextRegionState(s, evidence, takeover, 4, 60_000);
    assert.equal(s.since, takeover, "the verdict's own time restarts with the epoch");
    assert.equal(s.firstSince, wentDown);
    s = nextRegionState(s, evidence, takeover + 62_000, 4, 60_000);
    assert.equal(s.firstSince, wentDown, "kept while it stays down");
    // And by a third holder.
    s = nextRegionState(s, evidence, takeover + 90_000, 5, 60_000);
    assert.equal(s.firstSince, wentDown);
    const now = wentDown + 220_000;
    const [matter] = downRegions("shop", { westeurope: { ...s, since: takeover } }, REGIONS);
    const r = reminderDue(matter!, now, 60_000, { ...FROM, at: now });
    assert.equal(r?.title, "Reminder: shop: westeurope is still down (open 3m40s)");
    assert.equal(r?.reminder?.count, 3);
    // The same key as the first holder's third reminder would have had: none is written twice.
    assert.equal(r?.key, `region:shop/westeurope|${wentDown}|reminder|3`);
  });

  it("a region that recovers and goes down again is counted from its new outage", () => {
    let s = nextRegionState(undefined, evidence, 0, 3, 0);
    s = nextRegionState(s, evidence, 10_000, 4, 0);
    s = nextRegionState(s, { ...evidence, verdict: "healthy" }, 20_000, 4, 0);
    assert.equal(s.verdict, "healthy");
    assert.equal(s.firstSince, undefined);
    s = nextRegionState(s, evidence, 30_000, 4, 0);
    assert.equal(s.since, 30_000);
    assert.equal(s.firstSince, undefined);
    assert.equal(downRegions("shop", { westeurope: s }, REGIONS)[0]?.since, 30_000);
  });

  it("a clock ahead of the new holder's is not taken: never later than the new holder's since", () => {
    let s = nextRegionState(undefined, evidence, 500_000, 3, 0);
    s = nextRegionState(s, evidence, 400_000, 4, 0);
    assert.equal(s.since, 400_000);
    assert.equal(s.firstSince, undefined);
  });
});

describe("a region no outside observer can confirm is reminded of while it stands", () => {
  // Only the observer inside westeurope sees it fail; no outside observer has a view.
  const blind: RegionEvidence = {
    region: "westeurope",
    verdict: "suspect",
    reason: "only the observer inside sees it failing; no outside observer can confirm",
    outside: [],
    blocking: [],
    inside: { observer: "westeurope", view: "confirmed", silent: false },
    witness: "unknown",
  };
  const wentBlind = 1_000_000;

  it("an open matter at the error severity, counted from when it began, across a takeover", () => {
    let s = nextRegionState(undefined, blind, wentBlind, 3, 0);
    s = nextRegionState(s, blind, wentBlind + 60_000, 3, 0);
    const takeover = wentBlind + 158_000;
    s = nextRegionState(s, blind, takeover, 4, 0);
    assert.equal(s.unconfirmedSince, wentBlind, "kept by the new holder");
    const [matter, ...more] = unconfirmedRegions("shop", { westeurope: s }, REGIONS);
    assert.equal(more.length, 0);
    const now = wentBlind + 220_000;
    const r = reminderDue(matter!, now, 60_000, { ...FROM, at: now });
    assert.equal(
      r?.title,
      "Reminder: shop: westeurope may still be down, and no outside observer can confirm it (open 3m40s)",
    );
    assert.equal(r?.severity, "error");
    assert.deepEqual(r?.reminder, { of: "region.unconfirmed", count: 3, openForMs: 220_000 });
    assert.equal(r?.subject, "region:shop/westeurope", "PagerDuty's key of the region");
    assert.equal(r?.key, `region:shop/westeurope|unconfirmed|${wentBlind}|reminder|3`);
    assert.notEqual(
      r?.key,
      reminderDue(
        downRegions("shop", { westeurope: { ...s, verdict: "down" } }, REGIONS)[0]!,
        now,
        60_000,
        FROM,
      )?.key,
      "not the key of a down region's reminder",
    );
  });

  it("no longer once an outside observer has a view, nor for a suspect region an outside observer sees", () => {
    let s = nextRegionState(undefined, blind, wentBlind, 3, 0);
    const seen = { ...blind, outside: [{ observer: "northeurope", view: "failing" as const }] };
    s = nextRegionState(s, seen, wentBlind + 10_000, 3, 0);
    assert.equal(s.verdict, "suspect");
    assert.deepEqual(unconfirmedRegions("shop", { westeurope: s }, REGIONS), []);
    assert.deepEqual(
      unconfirmedRegions(
        "shop",
        { westeurope: nextRegionState(undefined, seen, 0, 3, 0) },
        REGIONS,
      ),
      [],
    );
  });
});
