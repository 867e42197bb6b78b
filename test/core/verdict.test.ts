import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  Heartbeat,
  Liveness,
  Observation,
  ObserverInfo,
  RegionEvidence,
  RegionState,
  View,
  WitnessSignal,
} from "../../src/core/index.js";
import {
  judgeRegion,
  judgeRegions,
  nextObservation,
  nextRegionState,
  viewOf,
  witnessMatters,
} from "../../src/core/index.js";
import { westeuropeSuspect } from "../helpers/evidence.js";

const policy = { failureThreshold: 3, successThreshold: 2 };
const TICK = { instance: "p", seq: 10 };

function observation(observer: string, view: View): Observation | undefined {
  if (view === "none") return undefined;
  const failures = { confirmed: 3, failing: 1, recovering: 0, passing: 0 }[view];
  return {
    observer,
    group: "shop",
    target: "westeurope",
    tick: TICK,
    ok: failures === 0,
    consecutiveFailures: failures,
    consecutiveSuccesses: failures === 0 ? 1 : 0,
    failuresBefore: view === "recovering" ? 5 : 0,
    latencyMs: 3,
    at: 0,
  };
}

function observer(
  name: string,
  options: { liveness?: Liveness; impaired?: boolean } = {},
): ObserverInfo {
  const heartbeat: Heartbeat = {
    observer: name,
    tick: TICK,
    at: 0,
    version: "t",
    tickMs: 1,
    impaired: options.impaired ?? false,
  };
  return { name, region: name, liveness: options.liveness ?? "live", heartbeat };
}

interface JudgeOptions {
  stale?: string[];
  unknown?: string[];
  impaired?: string[];
  witness?: WitnessSignal;
}

/** Region westeurope; outside observers northeurope and swedencentral; the inside observer westeurope. */
function judge(
  views: { northeurope: View; swedencentral: View; westeurope: View },
  options: JudgeOptions = {},
): RegionEvidence {
  const names = ["westeurope", "northeurope", "swedencentral"] as const;
  const liveness = (n: string): Liveness =>
    options.stale?.includes(n) ? "stale" : options.unknown?.includes(n) ? "unknown" : "live";
  return judgeRegion({
    region: "westeurope",
    observers: names.map((n) =>
      observer(n, { liveness: liveness(n), impaired: options.impaired?.includes(n) ?? false }),
    ),
    observations: names.flatMap((n) => observation(n, views[n]) ?? []),
    witness: options.witness ?? "unknown",
    policy,
  });
}

describe("quorum verdict", () => {
  const cases: {
    name: string;
    views: { northeurope: View; swedencentral: View; westeurope: View };
    options?: {
      stale?: string[];
      unknown?: string[];
      impaired?: string[];
      witness?: WitnessSignal;
    };
    verdict: string;
    reason: RegExp;
  }[] = [
    {
      name: "every observer sees it up: healthy",
      views: { northeurope: "passing", swedencentral: "passing", westeurope: "passing" },
      verdict: "healthy",
      reason: /^every outside observer with a view \(northeurope, swedencentral\) sees it up$/,
    },
    {
      name: "a single outside observer fails: suspect, not down",
      views: { northeurope: "confirmed", swedencentral: "failing", westeurope: "passing" },
      verdict: "suspect",
      reason: /^northeurope, swedencentral see it failing; down needs every outside observer/,
    },
    {
      name: "every observer, inside included, saw it fail: down",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "confirmed" },
      verdict: "down",
      reason:
        /^every outside observer with a view \(northeurope, swedencentral\) saw it fail, and so did the observer inside \(westeurope\)$/,
    },
    {
      name: "outside observers agree and the inside observer is stale: down",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "passing" },
      options: { stale: ["westeurope"] },
      verdict: "down",
      reason: /the observer inside \(westeurope\) is stale or impaired$/,
    },
    {
      name: "outside observers agree, the inside observer sees it up: a split view, no action",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "passing" },
      verdict: "split-view",
      reason:
        /but the observer inside \(westeurope\) sees it passing and the witness says unknown: no action$/,
    },
    {
      name: "the witness breaks that tie when it agrees the region is down",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "passing" },
      options: { witness: "down" },
      verdict: "down",
      reason: /the witness agrees it is down$/,
    },
    {
      name: "a witness that sees it up leaves the tie a split view",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "passing" },
      options: { witness: "up" },
      verdict: "split-view",
      reason: /the witness says up: no action$/,
    },
    {
      name: "a partition between outside observers (one fails, one passes): split view",
      views: { northeurope: "confirmed", swedencentral: "passing", westeurope: "passing" },
      verdict: "split-view",
      reason: /^observers disagree: northeurope saw it fail, swedencentral sees it up: no action$/,
    },
    {
      name: "an impaired observer's failures are not evidence",
      views: { northeurope: "confirmed", swedencentral: "passing", westeurope: "passing" },
      options: { impaired: ["northeurope"] },
      verdict: "healthy",
      reason: /^every outside observer with a view \(swedencentral\) sees it up$/,
    },
    {
      name: "an impaired inside observer counts as silent",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "passing" },
      options: { impaired: ["westeurope"] },
      verdict: "down",
      reason: /is stale or impaired$/,
    },
    {
      name: "a live outside observer without a current view holds back down",
      views: { northeurope: "confirmed", swedencentral: "none", westeurope: "confirmed" },
      verdict: "suspect",
      reason: /but swedencentral has no current view: down needs every live outside observer$/,
    },
    {
      name: "a live inside observer without a current view is not silent: no down without the witness",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "none" },
      verdict: "suspect",
      reason: /the observer inside \(westeurope\) has no current view$/,
    },
    {
      name: "an observer not yet known to be live can hold back down but not help reach it",
      views: { northeurope: "confirmed", swedencentral: "confirmed", westeurope: "confirmed" },
      options: { unknown: ["swedencentral"] },
      verdict: "suspect",
      reason: /^northeurope, swedencentral see it failing/,
    },
    {
      name: "a stale outside observer does not count either way",
      views: { northeurope: "confirmed", swedencentral: "passing", westeurope: "confirmed" },
      options: { stale: ["swedencentral"] },
      verdict: "suspect",
      reason:
        /^every outside observer with a view \(northeurope\) saw it fail, but down needs 2 outside observers \(or the witness\) to agree$/,
    },
    {
      name: "one outside observer is enough when the witness agrees",
      views: { northeurope: "confirmed", swedencentral: "passing", westeurope: "confirmed" },
      options: { stale: ["swedencentral"], witness: "down" },
      verdict: "down",
      reason:
        /^every outside observer with a view \(northeurope\) saw it fail, and so did the observer inside/,
    },
    {
      name: "no outside observer: the inside one alone can only make it suspect",
      views: { northeurope: "none", swedencentral: "none", westeurope: "confirmed" },
      options: { stale: ["northeurope", "swedencentral"] },
      verdict: "suspect",
      reason: /no outside observer can confirm$/,
    },
    {
      name: "no usable observer at all: unknown",
      views: { northeurope: "none", swedencentral: "none", westeurope: "none" },
      options: { stale: ["northeurope", "swedencentral", "westeurope"] },
      verdict: "unknown",
      reason: /^no live, unimpaired observer/,
    },
    {
      name: "live outside observers without current views: unknown, not healthy",
      views: { northeurope: "none", swedencentral: "none", westeurope: "passing" },
      verdict: "unknown",
      reason: /^the outside observers \(northeurope, swedencentral\) have no current view of it$/,
    },
    {
      name: "passing again but below the success threshold: recovering",
      views: { northeurope: "recovering", swedencentral: "passing", westeurope: "passing" },
      verdict: "recovering",
      reason: /^passing again, but northeurope is below 2 successes in a row$/,
    },
    {
      name: "the inside observer alone sees it fail: split view, no action",
      views: { northeurope: "passing", swedencentral: "passing", westeurope: "confirmed" },
      verdict: "split-view",
      reason: /the observer inside \(westeurope\) sees it failing: no action$/,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const evidence = judge(c.views, c.options);
      assert.equal(evidence.verdict, c.verdict, evidence.reason);
      assert.match(evidence.reason, c.reason);
    });
  }

  it("counts only observations from the observer's current tick", () => {
    const stale = { ...observation("northeurope", "confirmed")!, tick: { instance: "p", seq: 8 } };
    const oldProcess = {
      ...observation("swedencentral", "confirmed")!,
      tick: { instance: "old", seq: 10 },
    };
    const evidence = judgeRegion({
      region: "westeurope",
      observers: [observer("northeurope"), observer("swedencentral")],
      observations: [stale, oldProcess],
      witness: "unknown",
      policy,
    });
    assert.equal(evidence.verdict, "unknown");
  });

  it("an observer's view of a region comes from its observation of that region, not another", () => {
    const ofNortheurope = { ...observation("swedencentral", "passing")!, target: "northeurope" };
    const evidence = judgeRegion({
      region: "westeurope",
      observers: [observer("northeurope"), observer("swedencentral")],
      observations: [ofNortheurope, observation("northeurope", "confirmed")!],
      witness: "unknown",
      policy,
    });
    assert.deepEqual(
      { verdict: evidence.verdict, blocking: evidence.blocking },
      { verdict: "suspect", blocking: ["swedencentral"] },
    );
  });
});

describe("when the witness is worth asking", () => {
  const evidence = westeuropeSuspect;

  it("asks when every live outside observer saw the region fail and it is not down", () => {
    assert.equal(witnessMatters(evidence({})), true);
    assert.equal(witnessMatters(evidence({ verdict: "split-view" })), true);
  });

  it("does not ask once the region is down: the answer changes nothing", () => {
    assert.equal(witnessMatters(evidence({ verdict: "down" })), false);
  });

  it("does not ask while an outside observer has no view: down waits for it anyway", () => {
    assert.equal(witnessMatters(evidence({ blocking: ["uksouth"] })), false);
  });

  it("does not ask when no outside observer has a view", () => {
    assert.equal(witnessMatters(evidence({ outside: [] })), false);
  });

  it("does not ask while an outside observer still sees the region up or below the threshold", () => {
    for (const view of ["passing", "failing", "recovering"] as const)
      assert.equal(
        witnessMatters(
          evidence({
            outside: [
              { observer: "northeurope", view: "confirmed" },
              { observer: "swedencentral", view },
            ],
          }),
        ),
        false,
        view,
      );
  });
});

describe("a group's regions judged together", () => {
  it("judges each region in order with its own witness signal", () => {
    const observers = [observer("northeurope"), observer("swedencentral"), observer("uksouth")];
    const failing = (name: string, target: string) => ({
      ...observation(name, "confirmed")!,
      target,
    });
    const passing = (name: string, target: string) => ({
      ...observation(name, "passing")!,
      target,
    });
    const asked: string[] = [];
    const evidence = judgeRegions([{ name: "westeurope" }, { name: "northeurope" }], {
      observers,
      observations: [
        failing("northeurope", "westeurope"),
        passing("swedencentral", "westeurope"),
        passing("uksouth", "westeurope"),
        passing("swedencentral", "northeurope"),
        passing("uksouth", "northeurope"),
      ],
      witness: (region) => {
        asked.push(region);
        return region === "westeurope" ? "down" : "up";
      },
      policy,
    });
    assert.deepEqual(asked, ["westeurope", "northeurope"]);
    assert.deepEqual(
      evidence.map((e) => [e.region, e.verdict, e.witness]),
      [
        ["westeurope", "split-view", "down"],
        ["northeurope", "healthy", "up"],
      ],
    );
  });
});

describe("observations and views", () => {
  const id = { observer: "a", group: "g", target: "t", tick: TICK };
  const ok = { ok: true, latencyMs: 1 };
  const bad = { ok: false, latencyMs: 1, error: { kind: "timeout", message: "x" } };

  it("counts runs and remembers the failure run a success run follows", () => {
    let o = nextObservation(undefined, id, ok, 1);
    for (let i = 0; i < 4; i++) o = nextObservation(o, id, bad, 2 + i);
    assert.deepEqual([o.consecutiveFailures, o.failuresBefore, o.error?.kind], [4, 0, "timeout"]);
    o = nextObservation(o, id, ok, 10);
    assert.deepEqual([o.consecutiveSuccesses, o.failuresBefore, o.error], [1, 4, undefined]);
    assert.equal(viewOf(o, policy), "recovering");
    o = nextObservation(o, id, ok, 11);
    assert.deepEqual([o.consecutiveSuccesses, o.failuresBefore], [2, 4]);
    assert.equal(viewOf(o, policy), "passing", "passing once the success threshold is reached");
  });

  it("treats a success after a short blip as passing at once", () => {
    let o = nextObservation(undefined, id, bad, 1);
    o = nextObservation(o, id, ok, 2);
    assert.equal(o.failuresBefore, 1);
    assert.equal(viewOf(o, policy), "passing");
  });
});

describe("kept region state", () => {
  const evidence = (verdict: RegionEvidence["verdict"], outside = 2): RegionEvidence => ({
    region: "westeurope",
    verdict,
    reason: verdict,
    outside: Array.from({ length: outside }, (_, i) => ({
      observer: `o${i}`,
      view: "passing" as View,
    })),
    blocking: [],
    witness: "unknown",
  });
  const DWELL = 60_000;
  /** The kept state after `e` at `at`, in `epoch`, with the dwell time above. */
  const next = (state: RegionState | undefined, e: RegionEvidence, at: number, epoch = 1) =>
    nextRegionState(state, e, at, epoch, DWELL);
  /** The verdict, and since when it has been recovering. */
  const dwelling = (state: RegionState) => [state.verdict, state.recoveringSince];
  /** Recovering, with no dwell begun. */
  const UNDWELT = ["recovering", undefined];

  it("stays down through a split view, recovers, and is healthy only after the dwell time", () => {
    let state = next(undefined, evidence("down"), 0);
    assert.equal(state.verdict, "down");
    state = next(state, evidence("split-view"), 10_000);
    assert.equal(state.verdict, "down", "a region that was down is not cleared by disagreement");
    state = next(state, evidence("recovering"), 15_000);
    assert.deepEqual(dwelling(state), UNDWELT, "no dwell below the success threshold");
    state = next(state, evidence("healthy"), 20_000);
    assert.deepEqual(dwelling(state), ["recovering", 20_000]);
    state = next(state, evidence("healthy"), 79_999);
    assert.equal(state.verdict, "recovering");
    state = next(state, evidence("healthy"), 80_000);
    assert.equal(state.verdict, "healthy");
  });

  it("a failure while recovering restarts the dwell; only a down verdict puts it back down", () => {
    let state = next(undefined, evidence("down"), 0);
    state = next(state, evidence("healthy"), 1000);
    state = next(state, evidence("split-view"), 2000);
    assert.deepEqual(dwelling(state), UNDWELT, "a split view never makes it down");
    state = next(state, evidence("healthy"), 3000);
    assert.equal(state.recoveringSince, 3000);
    state = next(state, evidence("down"), 4000);
    assert.equal(state.verdict, "down");
  });

  it("a region that was down does not recover on the word of the observer inside it alone", () => {
    let state = next(undefined, evidence("down"), 0);
    for (let t = 1000; t < 200_000; t += 10_000) state = next(state, evidence("healthy", 0), t);
    assert.equal(state.verdict, "down");
    assert.match(state.reason, /^no outside observer can confirm a recovery now/);
  });

  it("a recovering region stays recovering, not down, while an outside observer has no view, and its dwell restarts", () => {
    let state = next(undefined, evidence("down"), 0);
    state = next(state, evidence("healthy"), 1000);
    const blocked = { ...evidence("healthy"), blocking: ["swedencentral"] };
    state = next(state, blocked, 2000);
    assert.deepEqual(dwelling(state), UNDWELT);
    state = next(state, evidence("healthy"), 3000);
    assert.equal(state.recoveringSince, 3000);
  });

  it("a region that was not down is healthy once everyone passes, even below the success threshold", () => {
    const split = next(undefined, evidence("split-view"), 0);
    const after = next(split, evidence("recovering"), 1000);
    assert.equal(after.verdict, "healthy");
  });

  it("a new lease holder restarts the dwell on its own clock instead of reading another machine's", () => {
    let state = next(undefined, evidence("down"), 0);
    state = next(state, evidence("healthy"), 1000);
    // The new holder's clock is far ahead; it must not count that as time recovered.
    state = next(state, evidence("healthy"), 5_000_000, 2);
    assert.deepEqual(
      [state.verdict, state.recoveringSince, state.epoch],
      ["recovering", 5_000_000, 2],
    );
  });
});

describe("quorum verdict: observers in any number and order", () => {
  interface Seen {
    name: string;
    region: string;
    view: View;
    liveness?: Liveness;
    /** No heartbeat row at all. */
    silent?: boolean;
  }
  /** Judges westeurope from the observers as listed. */
  const judgeAll = (seen: Seen[], witness: WitnessSignal = "unknown") =>
    judgeRegion({
      region: "westeurope",
      observers: seen.map((o) => {
        const info = observer(o.name, { liveness: o.liveness ?? "live" });
        const { heartbeat, ...rest } = { ...info, region: o.region };
        return o.silent ? rest : { ...rest, heartbeat: heartbeat! };
      }),
      observations: seen.flatMap((o) => observation(o.name, o.view) ?? []),
      witness,
      policy,
    });
  const out = (name: string, view: View, extra: Partial<Seen> = {}): Seen => ({
    name,
    region: name,
    view,
    ...extra,
  });
  const inside = (view: View, extra: Partial<Seen> = {}): Seen => ({
    name: "weu-obs",
    region: "westeurope",
    view,
    ...extra,
  });

  const cases: {
    name: string;
    seen: Seen[];
    witness?: WitnessSignal;
    verdict: string;
    reason: string;
  }[] = [
    {
      name: "names outside observers in alphabetical order, however they are listed, and finds the inside one anywhere",
      seen: [
        out("swedencentral", "confirmed"),
        inside("confirmed"),
        out("northeurope", "confirmed"),
      ],
      verdict: "down",
      reason:
        "every outside observer with a view (northeurope, swedencentral) saw it fail, and so did the observer inside (weu-obs)",
    },
    {
      name: "down with no observer inside the region",
      seen: [out("swedencentral", "confirmed"), out("northeurope", "confirmed")],
      verdict: "down",
      reason:
        "every outside observer with a view (northeurope, swedencentral) saw it fail, and no observer runs inside it",
    },
    {
      name: "an observer without a heartbeat row is not counted",
      seen: [
        out("northeurope", "confirmed"),
        out("swedencentral", "passing", { silent: true }),
        inside("confirmed"),
      ],
      witness: "down",
      verdict: "down",
      reason:
        "every outside observer with a view (northeurope) saw it fail, and so did the observer inside (weu-obs)",
    },
    {
      name: "two outside observers without a view are named as holding back down",
      seen: [
        out("northeurope", "confirmed"),
        out("swedencentral", "none"),
        out("uksouth", "none"),
        inside("confirmed"),
      ],
      verdict: "suspect",
      reason:
        "every outside observer with a view (northeurope) saw it fail, but swedencentral, uksouth have no current view: down needs every live outside observer",
    },
    {
      name: "the inside observer failing below the threshold keeps it suspect",
      seen: [out("northeurope", "confirmed"), out("swedencentral", "confirmed"), inside("failing")],
      verdict: "suspect",
      reason:
        "every outside observer with a view (northeurope, swedencentral) saw it fail; the observer inside (weu-obs) is failing too, below the threshold",
    },
    {
      name: "a split view names every outside observer that sees it up",
      seen: [
        out("northeurope", "confirmed"),
        out("swedencentral", "passing"),
        out("uksouth", "passing"),
      ],
      verdict: "split-view",
      reason:
        "observers disagree: northeurope saw it fail, swedencentral, uksouth see it up: no action",
    },
    {
      name: "one outside observer failing is named in the singular",
      seen: [out("northeurope", "failing"), out("swedencentral", "passing")],
      verdict: "suspect",
      reason:
        "northeurope sees it failing; down needs every outside observer to see 3 failures in a row",
    },
    {
      name: "several observers recovering are named in the plural",
      seen: [out("northeurope", "recovering"), out("swedencentral", "recovering")],
      verdict: "recovering",
      reason: "passing again, but northeurope, swedencentral are below 2 successes in a row",
    },
    {
      name: "the inside observer failing below the threshold while the outside sees it up: suspect",
      seen: [out("northeurope", "passing"), out("swedencentral", "passing"), inside("failing")],
      verdict: "suspect",
      reason: "the observer inside (weu-obs) sees it failing; the outside observers see it up",
    },
    {
      name: "everyone outside sees it up and there is no observer inside: healthy",
      seen: [out("northeurope", "passing"), out("swedencentral", "passing")],
      verdict: "healthy",
      reason: "every outside observer with a view (northeurope, swedencentral) sees it up",
    },
    {
      name: "only the inside observer sees it, up: healthy",
      seen: [out("northeurope", "none", { liveness: "stale" }), inside("passing")],
      verdict: "healthy",
      reason: "only the observer inside (weu-obs) sees it, and sees it up",
    },
    {
      name: "only the inside observer sees it, recovering: recovering",
      seen: [out("northeurope", "none", { liveness: "stale" }), inside("recovering")],
      verdict: "recovering",
      reason: "only the observer inside (weu-obs) sees it, recovering",
    },
    {
      name: "only the inside observer, with no current view: unknown",
      seen: [out("northeurope", "none", { liveness: "stale" }), inside("none")],
      verdict: "unknown",
      reason: "no live, unimpaired observer has a current view of it",
    },
    {
      name: "only the inside observer, stale: unknown",
      seen: [inside("passing", { liveness: "stale" })],
      verdict: "unknown",
      reason: "no live, unimpaired observer has a current view of it",
    },
    {
      name: "with one observer outside the region configured, it alone is the quorum",
      seen: [out("northeurope", "confirmed")],
      verdict: "down",
      reason:
        "every outside observer with a view (northeurope) saw it fail, and no observer runs inside it",
    },
    {
      name: "the observer inside does not count toward the outside quorum of one",
      seen: [out("northeurope", "confirmed"), inside("confirmed")],
      verdict: "down",
      reason:
        "every outside observer with a view (northeurope) saw it fail, and so did the observer inside (weu-obs)",
    },
    {
      name: "an observer whose liveness is not yet known counts as passing when it sees the region up",
      seen: [
        out("northeurope", "passing"),
        out("swedencentral", "passing", { liveness: "unknown" }),
      ],
      verdict: "healthy",
      reason: "every outside observer with a view (northeurope, swedencentral) sees it up",
    },
    {
      name: "no observer at all: unknown",
      seen: [out("northeurope", "passing", { liveness: "stale" })],
      verdict: "unknown",
      reason: "no live, unimpaired observer has a current view of it",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const evidence = judgeAll(c.seen, c.witness);
      assert.deepEqual([evidence.verdict, evidence.reason], [c.verdict, c.reason]);
    });

  it("reports who saw what: outside views in order, those without a view, and the inside observer", () => {
    const evidence = judgeAll([
      out("swedencentral", "failing"),
      inside("passing"),
      out("uksouth", "none"),
      out("northeurope", "passing"),
    ]);
    assert.deepEqual(
      {
        witness: evidence.witness,
        inside: evidence.inside,
        blocking: evidence.blocking,
        outside: evidence.outside,
      },
      {
        witness: "unknown",
        inside: { observer: "weu-obs", view: "passing", silent: false },
        blocking: ["uksouth"],
        outside: [
          { observer: "northeurope", view: "passing" },
          { observer: "swedencentral", view: "failing" },
        ],
      },
    );
    const silent = judgeAll([
      out("northeurope", "passing"),
      inside("passing", { liveness: "stale" }),
    ]);
    assert.deepEqual(silent.inside, { observer: "weu-obs", view: "none", silent: true });
    assert.equal("inside" in judgeAll([out("northeurope", "passing")]), false);
  });
});

describe("one observer's view", () => {
  const seen = (o: Partial<Observation>): Observation => ({
    ...observation("a", "passing")!,
    ...o,
  });
  const cases: { name: string; o: Observation | undefined; view: View }[] = [
    { name: "none without an observation", o: undefined, view: "none" },
    {
      name: "failing below the failure threshold",
      o: seen({ ok: false, consecutiveFailures: 2, consecutiveSuccesses: 0 }),
      view: "failing",
    },
    {
      name: "confirmed at the failure threshold",
      o: seen({ ok: false, consecutiveFailures: 3, consecutiveSuccesses: 0 }),
      view: "confirmed",
    },
    {
      name: "recovering after an outage of exactly the threshold, below the success threshold",
      o: seen({ consecutiveSuccesses: 1, failuresBefore: 3 }),
      view: "recovering",
    },
    {
      name: "passing at the success threshold after an outage",
      o: seen({ consecutiveSuccesses: 2, failuresBefore: 3 }),
      view: "passing",
    },
    {
      name: "passing after a blip shorter than the threshold",
      o: seen({ consecutiveSuccesses: 1, failuresBefore: 2 }),
      view: "passing",
    },
  ];
  for (const c of cases)
    it(`is ${c.name}`, () => {
      assert.equal(viewOf(c.o, policy), c.view);
    });
});

describe("kept region state: what it remembers", () => {
  const evidence = (
    verdict: RegionEvidence["verdict"],
    reason: string = verdict,
  ): RegionEvidence => ({
    region: "westeurope",
    verdict,
    reason,
    outside: [{ observer: "northeurope", view: "passing" }],
    blocking: [],
    witness: "unknown",
  });
  const DWELL = 30_000;
  /** A kept state of epoch 1. */
  const kept = (
    verdict: RegionState["verdict"],
    since: number,
    reason: string,
    extra: Partial<RegionState> = {},
  ): RegionState => ({ verdict, since, epoch: 1, reason, ...extra });
  /** The kept state after `e` at `at`, in `epoch`, with the dwell time above. */
  const next = (state: RegionState | undefined, e: RegionEvidence, at: number, epoch = 1) =>
    nextRegionState(state, e, at, epoch, DWELL);

  it("a verdict kept from tick to tick keeps the time it began", () => {
    let state = next(undefined, evidence("down"), 1000);
    state = next(state, evidence("down", "still failing"), 5000);
    assert.deepEqual(state, { verdict: "down", since: 1000, epoch: 1, reason: "still failing" });
  });

  it("a region that was down and is held by a doubt says it is still down", () => {
    let state = next(undefined, evidence("down"), 1000);
    state = next(state, evidence("suspect", "northeurope sees it failing"), 2000);
    assert.deepEqual(state, kept("down", 1000, "still down: northeurope sees it failing"));
  });

  it("a recovery held by a doubt says it is paused, and forgets when the dwell began", () => {
    let state = next(undefined, evidence("down"), 1000);
    state = next(state, evidence("healthy", "all up"), 2000);
    assert.deepEqual(
      state,
      kept("recovering", 2000, "all up; healthy after the dwell time (30 s left)", {
        recoveringSince: 2000,
      }),
    );
    state = next(state, evidence("split-view", "they disagree"), 3000);
    assert.deepEqual(state, kept("recovering", 2000, "recovery paused: they disagree"));
  });

  it("counts the seconds of dwell left, rounded up", () => {
    let state = next(undefined, evidence("down"), 0);
    state = next(state, evidence("healthy", "all up"), 1000);
    state = next(state, evidence("healthy", "all up"), 11_500);
    assert.equal(state.reason, "all up; healthy after the dwell time (20 s left)");
    assert.equal(state.recoveringSince, 1000);
  });

  it("a region that was not down keeps a doubtful verdict as it is, not healthy", () => {
    for (const verdict of ["suspect", "split-view", "unknown"] as const) {
      const state = next(
        { verdict: "healthy", since: 5, epoch: 1, reason: "up" },
        evidence(verdict, "a doubt"),
        9000,
      );
      assert.deepEqual(state, { verdict, since: 9000, epoch: 1, reason: "a doubt" }, verdict);
    }
  });

  it("a new holder keeps a region that was healthy healthy, from its own clock", () => {
    const state = next(
      { verdict: "healthy", since: 5, epoch: 1, reason: "up" },
      evidence("healthy", "up"),
      9000,
      2,
    );
    assert.deepEqual(state, { verdict: "healthy", since: 9000, epoch: 2, reason: "up" });
  });
});
