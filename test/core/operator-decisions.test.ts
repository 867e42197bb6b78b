// Decisions an operator can trust, in the pure runbook: a routing a person chose is not undone by
// automatic failback until a person says so (or the hold's time passes); an automatic failover
// whose source recovers before traffic moves ends without moving it; a standby an incident woke
// goes cold again once the primary has served for the dwell time, never while it serves and
// never one a person started.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterState, Incident, RunbookPolicy, Situation } from "../../src/core/index.js";
import { manualHold, runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import {
  catalog,
  cluster,
  failover,
  primaryOn as routing,
  shop,
  situationAt,
  standby,
} from "../helpers/runbook-fixtures.js";

const DWELL = 120_000;
const policy: RunbookPolicy = {
  ...TEST_POLICY,
  maxAutoFailovers: 5,
  autoFailback: true,
  returnToColdMs: DWELL,
};
const NOW = 10_000_000;
const cold = catalog([standby(3)], { nodePools: [] });
const warm = shop();
const running = (power: ClusterState["power"] = "Running") => cluster(power, 3);

function incident(over: Partial<Incident>): Incident {
  return failover({
    id: "i1",
    step: "completed",
    stepStartedAt: NOW - 600_000,
    openedAt: NOW - 700_000,
    closedAt: NOW - 600_000,
    reason: "test",
    history: [{ step: "completed", at: NOW - 600_000, epoch: 1, note: "" }],
    ...over,
  });
}

const situation = situationAt(NOW, 2);

describe("a routing a person chose holds", () => {
  const manual = incident({ id: "m1", trigger: "manual", requestedBy: "ops@example" });
  const onNeu = { routing: routing("neu"), recent: [manual] };

  it("automatic failback is refused by rule manual-routing, naming who chose it", () => {
    const result = runbookStep(warm, situation(onNeu), policy, "new");
    assert.equal(result.incident, undefined);
    assert.equal(result.refusal?.rule, "manual-routing");
    assert.match(result.refusal!.reason, /ops@example moved traffic to neu \(incident m1\)/);
  });

  it("without the hold (the last incident was automatic), the same situation fails back", () => {
    const result = runbookStep(
      warm,
      situation({ ...onNeu, recent: [incident({})] }),
      policy,
      "new",
    );
    assert.equal(result.incident?.kind, "failback");
  });

  it("a person resuming automation after the failover ends the hold", () => {
    const released = situation({ ...onNeu, releasedAt: manual.closedAt! + 1 });
    assert.equal(manualHold(released, policy), undefined);
    assert.equal(runbookStep(warm, released, policy, "new").incident?.kind, "failback");
  });

  it("a resume from before the failover does not end it", () => {
    const earlier = situation({ ...onNeu, releasedAt: manual.closedAt! - 1 });
    assert.equal(manualHold(earlier, policy)?.id, "m1");
  });

  it("with manualHoldMs, the hold ends when that time has passed, not before", () => {
    const timed = { ...policy, manualHoldMs: 600_000 };
    assert.equal(
      manualHold(situation({ ...onNeu, now: manual.closedAt! + 599_999 }), timed)?.id,
      "m1",
    );
    assert.equal(
      manualHold(situation({ ...onNeu, now: manual.closedAt! + 600_000 }), timed),
      undefined,
    );
  });

  it("a manual failback that completed after the failover ends it", () => {
    const back = incident({
      id: "b1",
      kind: "failback",
      trigger: "manual",
      closedAt: NOW - 1000,
      from: "neu",
      to: "weu",
    });
    assert.equal(manualHold(situation({ recent: [manual, back] }), policy), undefined);
  });

  it("an automatic failover away from the chosen region, when it fails, still happens", () => {
    const result = runbookStep(
      warm,
      situation({ ...onNeu, kept: { weu: "healthy", neu: "down" } }),
      policy,
      "new",
    );
    assert.equal(result.incident?.kind, "failover");
    assert.equal(result.incident?.to, "weu");
  });
});

describe("before traffic moves, the reason must still hold", () => {
  const shifting = incident({
    step: "shifting-traffic",
    closedAt: undefined,
    stepStartedAt: NOW - 1000,
    history: [{ step: "shifting-traffic", at: NOW - 1000, epoch: 2, note: "" }],
  });
  for (const verdict of ["recovering", "healthy", "suspect"] as const)
    it(`an automatic failover whose source is ${verdict} again is aborted, and nothing moves`, () => {
      const result = runbookStep(
        warm,
        situation({ open: shifting, kept: { weu: verdict, neu: "healthy" } }),
        policy,
        "new",
      );
      assert.equal(result.incident?.step, "aborted");
      assert.match(
        result.incident!.history.at(-1)!.note,
        new RegExp(`weu is ${verdict} again before traffic moved`),
      );
      assert.deepEqual(result.effects, []);
    });

  it("with the source still down, it promotes the target", () => {
    const result = runbookStep(
      warm,
      situation({ open: shifting, kept: { weu: "down", neu: "healthy" } }),
      policy,
      "new",
    );
    assert.deepEqual(result.effects, [{ kind: "promote", region: "neu" }]);
  });

  it("a manual failover is not re-checked: a person asked for it", () => {
    const manual = { ...shifting, trigger: "manual" as const };
    const result = runbookStep(warm, situation({ open: manual }), policy, "new");
    assert.deepEqual(result.effects, [{ kind: "promote", region: "neu" }]);
  });
});

describe("a woken standby goes cold again", () => {
  const woke = incident({
    group: "catalog",
    startedCluster: true,
    wake: { region: "neu", start: true },
  });
  const back = incident({
    id: "b1",
    group: "catalog",
    kind: "failback",
    from: "neu",
    to: "weu",
    closedAt: NOW - DWELL,
  });
  const base = { recent: [woke, back], clusters: { neu: running() } };

  it("after the failback and the dwell time, with the primary healthy and first: stop it, and note it on the incident that woke it", () => {
    const result = runbookStep(cold, situation(base), policy, "new");
    assert.deepEqual(result.effects, [{ kind: "stop-cluster", region: "neu" }]);
    assert.equal(result.update?.id, woke.id);
    assert.equal(result.update?.returnedToColdAt, NOW);
    assert.equal(result.incident, undefined);
  });

  const cases: [string, Partial<Situation>][] = [
    [
      "not before the dwell time has passed",
      { recent: [woke, { ...back, closedAt: NOW - DWELL + 1 }] },
    ],
    ["not while the standby serves traffic", { routing: routing("neu") }],
    ["not while the primary is not healthy", { kept: { weu: "recovering", neu: "healthy" } }],
    ["not a cluster a person started (no incident woke it)", { recent: [back] }],
    [
      "not twice: once stopped, a start by a person is theirs",
      { recent: [{ ...woke, returnedToColdAt: NOW - 5000 }, back] },
    ],
    ["not a cluster that is not running", { clusters: { neu: running("Starting") } }],
  ];
  for (const [name, over] of cases)
    it(name, () => {
      const result = runbookStep(cold, situation({ ...base, ...over }), policy, "new");
      assert.deepEqual(result.effects, []);
      assert.equal(result.update, undefined);
    });

  it("not when returnToCold is off", () => {
    const result = runbookStep(cold, situation(base), { ...policy, returnToColdMs: 0 }, "new");
    assert.deepEqual(result.effects, []);
  });
});
