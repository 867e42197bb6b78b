// The sweep's detection breakdown says what held a verdict back, from the holder's evidence, and
// keeps detections that rightly wait on injected faults apart from undisturbed ones.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RegionEvidence } from "../../src/core/verdict.js";
import type { Detection } from "./detection.js";
import { COUNTING, holdOf, mainHold, noHolder, undisturbed } from "./detection.js";
import { simulate } from "./simulate.js";
import { westeuropeSuspect } from "../helpers/evidence.js";

const OUTSIDE = ["northeurope", "swedencentral"];
const evidence = (over: Partial<RegionEvidence>): RegionEvidence =>
  westeuropeSuspect({
    reason: "",
    inside: { observer: "westeurope", view: "failing", silent: false },
    ...over,
  });
const lost = (observer: string) => (observer === "swedencentral" ? "paused" : "crashed");

describe("what held a verdict back", () => {
  const cases: [string, Partial<RegionEvidence>, string][] = [
    ["judged down", { verdict: "down" }, "down"],
    ["every observer still counting failures", {}, COUNTING],
    [
      "an outside observer's view from before it went quiet",
      { outside: [{ observer: "northeurope", view: "passing" }] },
      "a quiet observer's last view (stale bound)",
    ],
    [
      "the inside observer's view from before it went quiet",
      { inside: { observer: "westeurope", view: "passing", silent: false } },
      "a quiet observer's last view (stale bound)",
    ],
    [
      "one outside observer left: no quorum",
      { outside: [{ observer: "northeurope", view: "confirmed" }] },
      "outside observer lost (paused): no quorum without the witness",
    ],
    [
      "no outside observer left",
      { outside: [] },
      "outside observer lost (crashed, paused): no quorum without the witness",
    ],
    [
      "an outside observer live but without a current view",
      { outside: [{ observer: "northeurope", view: "confirmed" }], blocking: ["swedencentral"] },
      "an outside observer without a current view",
    ],
  ];
  for (const [name, over, hold] of cases)
    it(name, () => assert.equal(holdOf(evidence(over), OUTSIDE, lost), hold));

  it("no holder: its failed reads, the store unreachable, or a lease still held by one that stopped", () => {
    assert.equal(
      noHolder([{ leader: true, outcome: "renewed" }]),
      "no verdict: the holder's reads failed",
    );
    assert.equal(
      noHolder([{ leader: false, outcome: "store-unavailable" }]),
      "no holder: store unreachable",
    );
    assert.equal(
      noHolder([{ leader: false, outcome: "waiting" }]),
      "no holder: the lease of a holder that stopped",
    );
  });

  it("the main hold is the longest one other than counting failures", () => {
    const d: Detection = {
      ms: 90_000,
      during: [],
      heldBy: { [COUNTING]: 40_000, "no holder: store unreachable": 30_000, down: 10_000 },
    };
    assert.equal(mainHold(d), "no holder: store unreachable");
    assert.equal(mainHold({ ...d, heldBy: { [COUNTING]: 20_000 } }), COUNTING);
  });

  it("clock skew, ARM's latency and bursts and random store errors leave a detection undisturbed; a lost observer does not", () => {
    const d: Detection = {
      ms: 0,
      during: ["arm-429", "arm-500", "arm-latency", "clock-skew", "store-errors"],
      heldBy: {},
    };
    assert.ok(undisturbed(d));
    assert.ok(!undisturbed({ ...d, during: ["observer-paused"] }));
    assert.ok(!undisturbed({ ...d, during: ["store-outage"] }));
  });
});

// Seed 60: northeurope is paused 1.6 s before the primary's outage and for 80 s; swedencentral
// alone is no quorum (the simulator has no witness), so the outage is judged down only once
// northeurope is back, 91 s after it began.
it("a slow detection of the sweep is put down to the outside observer that was paused", async () => {
  const { detections } = await simulate(60, { model: "active-passive", minutes: 6 });
  const [d] = detections ?? [];
  assert.ok(d && d.ms > 60_000, JSON.stringify(d));
  assert.ok(!undisturbed(d), d.during.join(", "));
  assert.equal(mainHold(d), "outside observer lost (paused): no quorum without the witness");
});
