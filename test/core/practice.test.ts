// Practice failovers in the pure runbook: a run through a small world the effects change, tick by
// tick, from the practice window's start.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident, RoutingState, Situation, Verdict } from "../../src/core/index.js";
import { runbookStep } from "../../src/core/index.js";
import { incidentAlerts } from "../../src/core/alerts.js";
import type { PracticeSituation } from "../../src/core/practice.js";
import { practiceRecord } from "../../src/core/practice.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import {
  catalog,
  cluster,
  failover,
  primaryOn,
  shop,
  situationAt,
  standby,
} from "../helpers/runbook-fixtures.js";

const START = 1_900_000_000_000;
const MINUTE = 60_000;
const WINDOW = { start: START, end: START + 60 * MINUTE };
const TICK = 10_000;
const PRACTICE: PracticeSituation = { window: WINDOW, ready: true, dwellMs: 10 * MINUTE };

interface Run {
  readonly log: string[];
  readonly incidents: Incident[];
  readonly routing: RoutingState;
  readonly refusals: string[];
}

/**
 * Ticks from the window's start for `minutes`; `world(now)` may change what the observers see,
 * the pause and the readiness. The practice situation holds a window only while `now` is in it.
 */
function drive(
  minutes: number,
  world: (now: number) => {
    evidence?: Record<string, Verdict>;
    paused?: boolean;
    ready?: boolean;
  } = () => ({}),
  recent: Incident[] = [],
): Run {
  const incidents = [...recent];
  let routing = primaryOn("weu");
  const log: string[] = [];
  const refusals: string[] = [];
  for (let now = START; now < START + minutes * MINUTE; now += TICK) {
    const w = world(now);
    const open = incidents.find((i) => !["completed", "failed", "aborted"].includes(i.step));
    const practice: PracticeSituation = {
      ...(now < WINDOW.end ? { window: WINDOW } : {}),
      ready: w.ready ?? true,
      dwellMs: 10 * MINUTE,
    };
    const s: Situation = situationAt(
      now,
      1,
    )({
      routing,
      recent: incidents,
      ...(open ? { open } : {}),
      ...(w.evidence ? { evidence: w.evidence } : {}),
      paused: w.paused ?? false,
      practice,
    });
    const r = runbookStep(shop(), s, TEST_POLICY, `p-${now}`);
    if (r.refusal && refusals.at(-1) !== r.refusal.rule) refusals.push(r.refusal.rule);
    if (r.incident) {
      const at = incidents.findIndex((i) => i.id === r.incident!.id);
      const before = at < 0 ? undefined : incidents[at];
      if (at < 0) incidents.push(r.incident);
      else incidents[at] = r.incident;
      if (before?.step !== r.incident.step)
        log.push(`${(now - START) / MINUTE}m ${r.incident.kind} ${r.incident.step}`);
    }
    for (const e of r.effects) {
      if (e.kind === "promote") routing = primaryOn(e.region);
      log.push(`${(now - START) / MINUTE}m ${e.kind} ${e.region}`);
    }
  }
  return { log, incidents, routing, refusals };
}

const steps = (run: Run) => run.log.map((l) => l.replace(/^[\d.]+m /, ""));

describe("practice: a real failover and failback in its window", () => {
  it("fails over to the standby, serves from it for the dwell, and fails back, all within the window", () => {
    const run = drive(40);
    assert.deepEqual(steps(run), [
      "failover confirmed",
      "failover shifting-traffic",
      "promote neu",
      "failover verifying",
      "failover completed",
      "failback confirmed",
      "failback shifting-traffic",
      "promote weu",
      "failback verifying",
      "failback completed",
    ]);
    assert.ok(
      run.incidents.every((i) => i.trigger === "practice" && i.requestedBy === "tandem-practice"),
    );
    assert.equal(run.routing.regions.find((r) => r.priority === 1)?.region, "weu");
    const failbackAt = Number(run.log.find((l) => l.endsWith("failback confirmed"))!.split("m")[0]);
    assert.ok(
      failbackAt >= 10 && failbackAt < 12,
      `failed back after the dwell (${failbackAt} min)`,
    );
    const record = practiceRecord(run.incidents)!;
    assert.equal(record.outcome, "completed");
    assert.ok(record.endedAt! < WINDOW.end, "ended within the window");
    assert.ok(record.failoverSeconds! > 0 && record.failbackSeconds! > 0, JSON.stringify(record));
  });

  it("its alerts say practice, not an outage, and page no one: a warning, unless it fails", () => {
    const run = drive(2);
    const opened = run.incidents[0]!;
    const [alert] = incidentAlerts(undefined, opened, undefined, { observer: "weu", at: START });
    assert.match(
      alert!.title,
      /^shop: practice \(not an outage\) failover from weu to neu requested by tandem-practice/,
    );
    assert.equal(alert!.severity, "warning");
    const failed = {
      ...opened,
      step: "failed" as const,
      history: [...opened.history, { step: "failed" as const, at: START + 1, epoch: 1, note: "x" }],
    };
    assert.equal(
      incidentAlerts(opened, failed, undefined, { observer: "weu", at: START })[0]!.severity,
      "critical",
    );
  });

  it("never a second practice in the same window", () => {
    const run = drive(55);
    assert.equal(run.incidents.filter((i) => i.kind === "failover").length, 1);
  });

  it("stops at once and restores the routing when the standby fails its probes mid-run", () => {
    // The standby fails two minutes in: the group serves from it, within the dwell.
    const run = drive(10, (now) =>
      now >= START + 2 * MINUTE ? { evidence: { weu: "healthy", neu: "down" } } : {},
    );
    const failbackAt = Number(run.log.find((l) => l.endsWith("failback confirmed"))!.split("m")[0]);
    assert.ok(failbackAt <= 2.2, `failed back at once (${failbackAt} min)`);
    assert.equal(run.routing.regions.find((r) => r.priority === 1)?.region, "weu");
    const record = practiceRecord(run.incidents)!;
    assert.equal(record.outcome, "aborted");
    assert.match(record.note ?? "", /neu fails its probes \(down\)/);
  });

  it("aborts an open practice failover when the standby fails before it completes, and moves no traffic", () => {
    const run = drive(3, (now) =>
      now > START ? { evidence: { weu: "healthy", neu: "suspect" } } : {},
    );
    assert.deepEqual(steps(run), ["failover confirmed", "failover aborted"]);
    assert.equal(run.routing.regions.find((r) => r.priority === 1)?.region, "weu");
  });

  it("passive-cold: the standby failing its probes while it wakes is not a stop; once traffic may move, it is", () => {
    const cold = catalog([standby(2)]);
    const opened = runbookStep(
      cold,
      situationAt(START, 1)({ practice: PRACTICE }),
      TEST_POLICY,
      "c",
    ).incident!;
    assert.deepEqual(opened.wake, { region: "neu", start: true });
    const down = { weu: "healthy", neu: "down" } as const;
    const at = (step: Incident["step"]) =>
      runbookStep(
        cold,
        situationAt(
          START + TICK,
          1,
        )({
          open: { ...opened, step },
          evidence: down,
          practice: PRACTICE,
          clusters: { neu: cluster("Starting") },
        }),
        TEST_POLICY,
        "c",
      ).incident?.step;
    assert.notEqual(at("waking"), "aborted", "a cold standby fails its probes until it starts");
    assert.equal(at("shifting-traffic"), "aborted");
    assert.equal(at("moving-data"), "aborted", "its data moves only once it serves (issue 30)");
  });

  it("fails back when the window ends before the dwell does", () => {
    // The failover completed a minute before the window ended: well within its dwell.
    const late = failover({
      id: "late",
      trigger: "practice",
      step: "completed",
      openedAt: WINDOW.end - 2 * MINUTE,
      closedAt: WINDOW.end - MINUTE,
    });
    const back = driveFromStandby(late, WINDOW.end);
    assert.equal(back?.kind, "failback");
    assert.match(back?.reason ?? "", /practice window ended/);
    assert.equal(driveFromStandby(late, WINDOW.end - 1), undefined, "in the window: it dwells");
  });
});

describe("practice: never starts unless ready and allowed", () => {
  const cases: [string, (now: number) => { paused?: boolean; ready?: boolean }, string[]][] = [
    ["a readiness check fails", () => ({ ready: false }), []],
    ["automation is paused", () => ({ paused: true }), ["automation-paused"]],
  ];
  for (const [name, world, refusals] of cases)
    it(`${name}: no incident, no effect`, () => {
      const run = drive(30, world);
      assert.deepEqual(run.incidents, []);
      assert.deepEqual(run.refusals, refusals);
    });

  it("the failover cap stands: an automatic failover within its window refuses the practice", () => {
    const earlier = failover({ step: "completed", openedAt: START - MINUTE, closedAt: START });
    const run = drive(2, () => ({}), [earlier]);
    assert.deepEqual(run.refusals, ["failover-cap"]);
    assert.equal(run.incidents.length, 1);
  });
});

/** One tick at `now` of a group routed to neu after the practice failover given. */
function driveFromStandby(practice: Incident, now: number): Incident | undefined {
  const s = situationAt(
    now,
    1,
  )({
    routing: primaryOn("neu"),
    recent: [practice],
    practice: {
      ...(now < WINDOW.end ? { window: WINDOW } : {}),
      ready: true,
      dwellMs: 10 * MINUTE,
    },
  });
  return runbookStep(shop(), s, TEST_POLICY, "back").incident;
}
