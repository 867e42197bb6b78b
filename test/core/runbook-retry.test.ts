// A lever change that fails is tried again inside the same incident, with backoff, until the
// step's timeout; and that timeout counts only the time the step did not spend waiting on Azure
// Resource Manager. So a sick control plane costs a slow failover, never a storm of failed and
// re-opened incidents, and people hear once that it is retrying.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident, LeverFailure, Situation } from "../../src/core/index.js";
import { moveTo, runbookStep } from "../../src/core/index.js";
import { incidentAlerts } from "../../src/core/alerts.js";
import { RETRY_BASE_MS, RETRY_MAX_MS, retryDelayMs } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import { catalog, failover, shop, situationAt, standby } from "../helpers/runbook-fixtures.js";

const group = shop();
const T0 = 1_800_000_000_000;
const STEP_TIMEOUT = TEST_POLICY.stepTimeoutMs;

/** An automatic failover of weu to neu, at shifting-traffic since T0. */
function shifting(extra: Partial<Incident> = {}): Incident {
  const opened = failover({
    stepStartedAt: T0 - 2000,
    openedAt: T0 - 2000,
    history: [{ step: "detected", at: T0 - 2000, epoch: 3, note: "weu is down" }],
  });
  return { ...moveTo(opened, "shifting-traffic", T0, 3, "shifting traffic"), ...extra };
}

/** At `now`, weu down and neu healthy, routed weu first, with `open` in hand. */
const situation = (now: number, open: Incident, more: Partial<Situation> = {}): Situation =>
  situationAt(now, 3)({ kept: { weu: "down", neu: "healthy" }, open, ...more });

const failure = (at: number, more: Partial<LeverFailure> = {}): LeverFailure => ({
  change: "promote neu",
  error: "promote neu in shop: 500 InternalServerError",
  at,
  ...more,
});

const step = (s: Situation) => runbookStep(group, s, TEST_POLICY, "new-id");

describe("the backoff between attempts of a lever change", () => {
  it("doubles from the base and stops at the cap", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(n)),
      [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000],
    );
    assert.equal(retryDelayMs(1), RETRY_BASE_MS);
    assert.equal(retryDelayMs(50), RETRY_MAX_MS);
  });

  it("never tries sooner than the service's Retry-After, and caps a huge one", () => {
    assert.equal(retryDelayMs(1, 9000), 9000);
    assert.equal(retryDelayMs(4, 9000), 16_000, "a backoff longer than Retry-After stands");
    assert.equal(retryDelayMs(1, 86_400_000), RETRY_MAX_MS * 5);
  });
});

describe("a failed lever change inside an incident", () => {
  it("is counted on the incident, said in its history with its error, and waits for the backoff", () => {
    const at = T0 + 5000;
    const r = step(situation(at, shifting(), { failure: failure(at) }));
    assert.equal(r.effects.length, 0, "no change while the backoff runs");
    assert.equal(r.incident?.step, "shifting-traffic", "the same incident, in the same step");
    assert.equal(r.incident?.attempts, 1);
    assert.equal(r.incident?.retryAt, at + RETRY_BASE_MS);
    const line = r.incident!.history.at(-1)!;
    assert.equal(line.attempt, 1);
    assert.equal(
      line.note,
      "promote neu failed (attempt 1): promote neu in shop: 500 InternalServerError; trying again in 2 s",
    );
  });

  it("is tried again once the backoff has passed, and not before", () => {
    const at = T0 + 5000;
    const failed = step(situation(at, shifting(), { failure: failure(at) })).incident!;
    const early = step(situation(at + RETRY_BASE_MS - 1, failed));
    assert.deepEqual(early.effects, []);
    assert.equal(early.incident, undefined, "nothing is written while waiting");
    const due = step(situation(at + RETRY_BASE_MS, failed));
    assert.deepEqual(due.effects, [{ kind: "promote", region: "neu" }]);
  });

  it("waits out a Retry-After longer than the backoff", () => {
    const at = T0 + 5000;
    const r = step(situation(at, shifting(), { failure: failure(at, { retryAfterMs: 20_000 }) }));
    assert.equal(r.incident?.retryAt, at + 20_000);
    assert.match(r.incident!.history.at(-1)!.note, /trying again in 20 s$/);
    assert.deepEqual(step(situation(at + 19_999, r.incident!)).effects, []);
  });

  it("counts further failures with longer waits, still in one incident", () => {
    let incident = shifting();
    let at = T0 + 1000;
    for (const n of [1, 2, 3]) {
      const r = step(situation(at, incident, { failure: failure(at) }));
      incident = r.incident!;
      assert.equal(incident.id, "inc-1");
      assert.equal(incident.attempts, n);
      assert.equal(incident.retryAt, at + retryDelayMs(n));
      at = incident.retryAt!;
    }
  });

  it("ends the incident as failed once the step's own time runs out, saying how many changes failed", () => {
    const incident = shifting({ attempts: 3, retryAt: T0 + 10_000 });
    const r = step(situation(T0 + STEP_TIMEOUT + 1, incident));
    assert.equal(r.incident?.step, "failed");
    assert.match(r.incident!.history.at(-1)!.note, /\(3 lever changes failed\); routing left as/);
  });

  it("a failure said after the step moved on is not counted against the new step", () => {
    const verifying = moveTo(shifting({ attempts: 2 }), "verifying", T0 + 9000, 3, "shifted");
    assert.equal(verifying.attempts, undefined, "a new step starts with no attempts");
    assert.equal(verifying.retryAt, undefined);
    assert.equal(verifying.leverMs, undefined);
  });
});

describe("a step's timeout counts its own progress, not the time Azure took to answer", () => {
  it("a step that waited on ARM for most of its time has not timed out", () => {
    const at = T0 + STEP_TIMEOUT + 30_000;
    const r = step(situation(at, shifting(), { leverMs: 40_000 }));
    assert.deepEqual(r.effects, [{ kind: "promote", region: "neu" }], "it acts");
    assert.equal(r.incident?.leverMs, 40_000, "the time on ARM is kept with the incident");
  });

  it("the same step without that wait has timed out", () => {
    const r = step(situation(T0 + STEP_TIMEOUT + 30_000, shifting()));
    assert.equal(r.incident?.step, "failed");
    assert.match(r.incident!.history.at(-1)!.note, /the lever did not change within 60 s/);
  });

  it("a takeover continues from the time on ARM the incident recorded", () => {
    // The new holder has counted nothing yet; the incident carries the old holder's count.
    const incident = shifting({ leverMs: 40_000 });
    const r = step(situation(T0 + STEP_TIMEOUT + 30_000, incident, { leverMs: 0 }));
    assert.notEqual(r.incident?.step, "failed");
    assert.deepEqual(r.effects, [{ kind: "promote", region: "neu" }]);
  });

  it("the wait on ARM counts only within the step: past its own timeout the step still fails", () => {
    const r = step(situation(T0 + STEP_TIMEOUT + 40_001, shifting(), { leverMs: 40_000 }));
    assert.equal(r.incident?.step, "failed");
  });
});

describe("people hear once that a failover is retrying", () => {
  const from = { observer: "weu", epoch: 3, at: T0 };
  it("the first failed attempt of an incident is a failover.retrying alert; later ones are not alerts", () => {
    const before = shifting();
    const first = step(situation(T0 + 1000, before, { failure: failure(T0 + 1000) })).incident!;
    const alerts = incidentAlerts(before, first, undefined, from);
    assert.deepEqual(
      alerts.map((a) => [a.type, a.severity, a.title]),
      [
        [
          "failover.retrying",
          "error",
          "shop: failover from weu to neu is failing at shifting-traffic: retrying",
        ],
      ],
    );
    assert.match(alerts[0]!.summary, /attempt 1/);
    const second = step(
      situation(first.retryAt! + 1000, first, { failure: failure(first.retryAt! + 1000) }),
    ).incident!;
    assert.equal(second.attempts, 2);
    assert.deepEqual(incidentAlerts(first, second, undefined, from), []);
  });
});

describe("what a failed attempt and its backoff leave alone", () => {
  it("a failure whose backoff has already passed says it is tried again now", () => {
    const at = T0 + 5000;
    const r = step(situation(at, shifting(), { failure: failure(at - RETRY_BASE_MS) }));
    assert.equal(r.opened, false);
    assert.equal(r.incident?.retryAt, at);
    assert.match(r.incident!.history.at(-1)!.note, /; trying again now$/);
  });

  it("a failure in the tick the step times out is on record before the failed line", () => {
    const at = T0 + STEP_TIMEOUT + 1;
    const r = step(situation(at, shifting(), { failure: failure(at) }));
    assert.equal(r.incident?.step, "failed");
    assert.deepEqual(
      r.incident!.history.slice(-2).map((h) => [h.step, h.attempt]),
      [
        ["shifting-traffic", 1],
        ["failed", undefined],
      ],
    );
    assert.match(r.incident!.history.at(-1)!.note, /\(1 lever change failed\); routing left/);
  });

  it("a failure when the target is no longer healthy keeps the safety rule's refusal", () => {
    const at = T0 + 5000;
    const r = step(
      situation(at, shifting(), {
        failure: failure(at),
        evidence: { weu: "down", neu: "suspect" },
      }),
    );
    assert.equal(r.refusal?.rule, "unhealthy-target");
    assert.equal(r.incident?.attempts, 1);
    assert.deepEqual(r.effects, []);
  });

  it("during the backoff, a refusal still speaks (only lever changes wait)", () => {
    const incident = shifting({ attempts: 1, retryAt: T0 + 60_000 });
    const r = step(situation(T0 + 1000, incident, { evidence: { weu: "down", neu: "suspect" } }));
    assert.equal(r.opened, false);
    assert.equal(r.refusal?.rule, "unhealthy-target");
    assert.match(r.incident!.history.at(-1)!.note, /not healthy/);
  });

  it("during the backoff, a step that ends carries out its own changes (a pre-warm called off stops its cluster)", () => {
    const cold = catalog([standby(3)]);
    const prewarming: Incident = {
      ...shifting(),
      group: "catalog",
      step: "prewarming",
      wake: { region: "neu", start: true },
      startedCluster: true,
      attempts: 1,
      retryAt: T0 + 60_000,
    };
    const r = runbookStep(
      cold,
      situation(T0 + 1000, prewarming, {
        kept: { weu: "healthy", neu: "down" },
        evidence: { weu: "healthy", neu: "down" },
        clusters: { neu: { power: "Running", nodePools: [{ name: "user", count: 3 }] } },
      }),
      TEST_POLICY,
      "new-id",
    );
    assert.equal(r.incident?.step, "aborted");
    assert.deepEqual(r.effects, [{ kind: "stop-cluster", region: "neu" }]);
  });

  it("waiting out the backoff writes nothing and opens nothing", () => {
    const incident = shifting({ attempts: 2, retryAt: T0 + 60_000 });
    assert.deepEqual(step(situation(T0 + 1000, incident)), { opened: false, effects: [] });
  });
});

describe("the backoffs ARM asked for are ARM's time too", () => {
  it("a step whose failed changes waited out long Retry-Afters has not timed out for it", () => {
    let incident = shifting();
    let at = T0 + 1000;
    // Three failures, each asking for 30 s: 90 s of waiting that Azure called for.
    for (let i = 0; i < 3; i++) {
      incident = step(
        situation(at, incident, { failure: failure(at, { retryAfterMs: 30_000 }) }),
      ).incident!;
      at = incident.retryAt!;
    }
    assert.equal((incident.retryWaitMs ?? 0) + (incident.retryAt! - incident.retryFrom!), 90_000);
    const r = step(situation(at, incident));
    assert.notEqual(r.incident?.step, "failed", "90 s past a 60 s timeout, all of it ARM's");
    assert.deepEqual(r.effects, [{ kind: "promote", region: "neu" }]);
  });
});

describe("a step's wall time has a ceiling, however long ARM takes", () => {
  // All of the step's time on ARM: only the ceiling can end it, at the longer of three times
  // the timeout and the timeout plus LEVER_ALLOWANCE_MS (15 minutes).
  const allOnArm = (at: number, policy = TEST_POLICY) =>
    runbookStep(group, situation(at, shifting(), { leverMs: at - T0 }), policy, "new-id");

  it("a 60 s step waits on ARM up to 16 minutes (the timeout plus the allowance), not a moment more", () => {
    const ceiling = STEP_TIMEOUT + 15 * 60_000;
    assert.deepEqual(allOnArm(T0 + ceiling).effects, [{ kind: "promote", region: "neu" }]);
    const r = allOnArm(T0 + ceiling + 1);
    assert.equal(r.incident?.step, "failed");
  });

  it("a 10 min step waits on ARM up to three times its timeout, the longer bound", () => {
    const policy = { ...TEST_POLICY, stepTimeoutMs: 600_000 };
    assert.notEqual(allOnArm(T0 + 1_800_000, policy).incident?.step, "failed");
    assert.equal(allOnArm(T0 + 1_800_001, policy).incident?.step, "failed");
  });

  it("an incident whose backoff has no recorded start (written before it was) still times out", () => {
    const r = step(situation(T0 + STEP_TIMEOUT + 1, shifting({ retryAt: T0 + 10_000 })));
    assert.equal(r.incident?.step, "failed");
  });
});

describe("a traffic lever that cannot be read", () => {
  it("holds the shifting step until its timeout, then fails it, saying for how long", () => {
    const early = step(situation(T0 + STEP_TIMEOUT, shifting(), { routing: undefined }));
    assert.equal(early.incident?.history.at(-1)?.note, "the traffic lever cannot be read");
    const r = step(situation(T0 + STEP_TIMEOUT + 1500, shifting(), { routing: undefined }));
    assert.equal(r.incident?.step, "failed");
    assert.match(
      r.incident!.history.at(-1)!.note,
      /^the traffic lever could not be read for 62 s;/,
    );
  });
});
