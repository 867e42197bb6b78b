// An alert fits one outbox row (Table Storage: 64 KiB per string property). Long texts are cut,
// a long history keeps its first step and the latest ones and says how many it left out, and the
// cuts get deeper only as far as needed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert, AlertRegion, AlertStep } from "../../src/core/alerts.js";
import { boundForStorage } from "../../src/core/alerts.js";

const STORED_CHARS = 30_000;

const text = (n: number, c = "x") => c.repeat(n);
const stepsOf = (n: number, note = "ok"): AlertStep[] =>
  Array.from({ length: n }, (_, i) => ({ step: `step-${i}`, at: i, note }));
const regionsOf = (n: number, reason = "up", observers = 2): AlertRegion[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `region-${i}`,
    verdict: "healthy",
    reason,
    observers: Array.from({ length: observers }, (_, o) => ({
      observer: `o-${o}`,
      view: "passing",
    })),
    witness: "up",
  }));

function alert(extra: Partial<Alert> = {}): Alert {
  return {
    key: "incident:shop/inc-1|step|3",
    type: "failover.step",
    severity: "info",
    at: 1,
    observer: "westeurope",
    subject: "incident:shop/inc-1",
    group: "shop",
    title: "shop: failover from westeurope to northeurope: verifying",
    summary: "verifying",
    ...extra,
  };
}

const size = (a: Alert) => JSON.stringify(a).length;
const cutTo = (n: number) => `${text(n - 1)}…`;

describe("an alert that fits is stored as it is", () => {
  const fits: [string, Alert][] = [
    ["a short alert", alert()],
    [
      "an alert with an action, 40 steps and 12 regions of 10 observers",
      alert({ action: "Tandem will…", steps: stepsOf(40), regions: regionsOf(12, "up", 10) }),
    ],
    ["an alert with 3 steps", alert({ steps: stepsOf(3) })],
    ["an alert with no steps yet", alert({ steps: [] })],
    ["a title of 300 characters", alert({ title: text(300) })],
    ["a summary of 2000 characters", alert({ summary: text(2000) })],
    [
      "a region without observers",
      alert({ regions: [{ name: "w", verdict: "down", reason: "r", witness: "down" }] }),
    ],
  ];
  for (const [name, a] of fits) it(name, () => assert.deepEqual(boundForStorage(a), a));

  it("an alert of exactly the stored size keeps its full detail", () => {
    const base = alert({ steps: stepsOf(40, text(300)), details: { pad: "" } });
    const exact = alert({
      steps: stepsOf(40, text(300)),
      details: { pad: text(STORED_CHARS - size(base)) },
    });
    assert.equal(size(exact), STORED_CHARS);
    assert.deepEqual(boundForStorage(exact), exact);
  });
});

describe("the first cut: texts of 2000 characters, 40 steps, 12 regions", () => {
  const long = alert({
    title: text(301),
    summary: text(2001),
    action: text(5000),
    steps: stepsOf(50, text(301)),
    stepsOmitted: 5,
    regions: regionsOf(15, text(401), 12),
  });
  const stored = boundForStorage(long);

  it("fits the row", () => assert.ok(size(stored) <= STORED_CHARS, `${size(stored)}`));

  it("cuts the title at 300 characters and the texts at 2000, ending in an ellipsis", () => {
    assert.equal(stored.title, cutTo(300));
    assert.equal(stored.summary, cutTo(2000));
    assert.equal(stored.action, cutTo(2000));
  });

  it("keeps the first step and the 39 latest, notes of 300, and counts the rest as left out", () => {
    assert.deepEqual(
      stored.steps?.map((s) => s.step),
      [
        "step-0",
        ...stepsOf(50)
          .slice(-39)
          .map((s) => s.step),
      ],
    );
    assert.ok(stored.steps?.every((s) => s.note === cutTo(300)));
    assert.equal(stored.stepsOmitted, 5 + 10);
  });

  it("keeps 12 regions with reasons of 400 and 10 observers each", () => {
    assert.equal(stored.regions?.length, 12);
    assert.deepEqual(stored.regions?.[0], {
      ...long.regions![0]!,
      reason: cutTo(400),
      observers: long.regions![0]!.observers!.slice(0, 10),
    });
  });

  it("one step over the limit: the second step is the one left out", () => {
    const s = boundForStorage(alert({ steps: stepsOf(41) }));
    assert.deepEqual(
      [s.steps?.length, s.steps?.[0]?.step, s.steps?.[1]?.step, s.stepsOmitted],
      [40, "step-0", "step-2", 1],
    );
  });

  it("an alert with neither action nor steps nor regions gains none", () => {
    const s = boundForStorage(alert({ summary: text(3000) }));
    for (const field of ["action", "steps", "regions", "stepsOmitted"])
      assert.equal(field in s, false, field);
  });
});

describe("deeper cuts, only as far as needed", () => {
  // 200 steps with notes of 1000, 20 regions with reasons of 1000: about 28,000 characters after
  // the first cut; a details text (never cut) pushes it over, one level at a time.
  const huge = (details: number) =>
    alert({
      summary: text(5000),
      action: text(5000),
      steps: stepsOf(200, text(1000)),
      regions: regionsOf(20, text(1000), 12),
      details: { stderr: text(details) },
    });

  it("second: texts of 1000, 20 steps with notes of 200, 8 regions with reasons of 200", () => {
    const stored = boundForStorage(huge(5_000));
    assert.ok(size(stored) <= STORED_CHARS);
    assert.equal(stored.summary, cutTo(1000));
    assert.equal(stored.action, cutTo(1000));
    assert.equal(stored.steps?.length, 20);
    assert.equal(stored.steps?.[0]?.step, "step-0");
    assert.equal(stored.steps?.[1]?.step, "step-181");
    assert.equal(stored.steps?.[0]?.note, cutTo(200));
    assert.equal(stored.stepsOmitted, 180);
    assert.equal(stored.regions?.length, 8);
    assert.equal(stored.regions?.[0]?.reason, cutTo(200));
  });

  it("third: texts of 300, 6 steps with notes of 100, 4 regions with reasons of 100", () => {
    const stored = boundForStorage(huge(20_000));
    assert.ok(size(stored) <= STORED_CHARS);
    assert.equal(stored.summary, cutTo(300));
    assert.equal(stored.action, cutTo(300));
    assert.deepEqual(
      stored.steps?.map((s) => s.step),
      ["step-0", "step-195", "step-196", "step-197", "step-198", "step-199"],
    );
    assert.equal(stored.steps?.[0]?.note, cutTo(100));
    assert.equal(stored.stepsOmitted, 194);
    assert.equal(stored.regions?.length, 4);
    assert.equal(stored.regions?.[0]?.reason, cutTo(100));
    assert.equal(stored.details?.["stderr"], text(20_000));
  });

  it("last: texts of 300 and no regions, steps or details, every step counted as left out", () => {
    const stored = boundForStorage({ ...huge(40_000), stepsOmitted: 7 });
    assert.deepEqual(stored, {
      ...alert({ summary: cutTo(300), action: cutTo(300) }),
      stepsOmitted: 207,
    });
  });

  it("last, for an alert with no steps: none left out", () => {
    const stored = boundForStorage(alert({ details: { stderr: text(40_000) } }));
    assert.deepEqual(stored, { ...alert(), stepsOmitted: 0 });
  });
});
