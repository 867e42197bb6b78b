// What the runbook reads from a group's past incidents, whatever order the store lists them in:
// which routing a person chose still holds, and which woken standby goes cold again. The fixtures
// are one passive-cold group with a primary (weu) and two standbys (neu, sce).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  ClusterState,
  Incident,
  RunbookGroup,
  RunbookPolicy,
  RunbookResult,
  Situation,
} from "../../src/core/index.js";
import { manualHold, runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import { catalog, failover, routing, situationAt, standby } from "../helpers/runbook-fixtures.js";

const NOW = 10_000_000;
const DWELL = 120_000;
const policy: RunbookPolicy = { ...TEST_POLICY, maxAutoFailovers: 5, returnToColdMs: DWELL };
const cold = catalog([standby(3), standby(3)]);
const power = (p: ClusterState["power"]): ClusterState => ({ power: p, nodePools: [] });

/** A completed automatic failover from weu to neu; `over` says what differs. */
function past(over: Partial<Incident>): Incident {
  const closedAt = over.closedAt ?? NOW - 600_000;
  return failover({
    id: "i1",
    group: "catalog",
    step: "completed",
    stepStartedAt: closedAt,
    openedAt: closedAt - 100_000,
    closedAt,
    ...over,
  });
}

describe("runbook: a manual failover holds until a later one completes or a person resumes", () => {
  const chosen = past({ id: "m1", trigger: "manual", requestedBy: "ops@example.test" });
  const failback = (over: Partial<Incident> = {}) =>
    past({ id: "b1", kind: "failback", trigger: "manual", from: "neu", to: "weu", ...over });
  const after = NOW - 300_000;
  const cases: { name: string; recent: Incident[]; releasedAt?: number; holds: boolean }[] = [
    { name: "it holds while it is the latest to complete", recent: [chosen], holds: true },
    {
      name: "a failback completed after it ends the hold, though listed before it",
      recent: [failback({ closedAt: after }), chosen],
      holds: false,
    },
    {
      name: "a failback completed before it does not end it, though listed after it",
      recent: [chosen, failback({ closedAt: NOW - 900_000 })],
      holds: true,
    },
    {
      name: "a failback that failed after it does not end it: the routing was left as it was",
      recent: [chosen, failback({ closedAt: after, step: "failed" })],
      holds: true,
    },
    {
      name: "an automatic failover aborted after it does not end it",
      recent: [
        chosen,
        past({ id: "a1", from: "neu", to: "weu", closedAt: after, step: "aborted" }),
      ],
      holds: true,
    },
    {
      name: "a person resuming automation at the very moment it completed ends it",
      recent: [chosen],
      releasedAt: chosen.closedAt!,
      holds: false,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = {
        now: NOW,
        recent: c.recent,
        ...(c.releasedAt ? { releasedAt: c.releasedAt } : {}),
      };
      assert.equal(manualHold(s, policy)?.id, c.holds ? "m1" : undefined);
    });
});

describe("runbook: a standby an incident woke goes cold again", () => {
  // neu was woken by w1, traffic came back to weu with b1 a dwell time ago; sce is stopped.
  const woke = past({ id: "w1", startedCluster: true, wake: { region: "neu", start: true } });
  const back = past({ id: "b1", kind: "failback", from: "neu", to: "weu", closedAt: NOW - DWELL });
  const base: Situation = situationAt(
    NOW,
    2,
  )({
    kept: { weu: "healthy", neu: "healthy", sce: "healthy" },
    routing: routing(["weu", "neu", "sce"]),
    clusters: { neu: power("Running"), sce: power("Stopped") },
    recent: [woke, back],
  });
  const stops = (incident: Incident): RunbookResult => ({
    opened: false,
    update: { ...incident, returnedToColdAt: NOW },
    effects: [{ kind: "stop-cluster", region: incident.wake!.region }],
  });
  const nothing: RunbookResult = { opened: false, effects: [] };

  const wokeAgain = past({
    id: "w2",
    startedCluster: true,
    wake: { region: "neu", start: true },
    closedAt: NOW - 400_000,
  });
  const cases: {
    name: string;
    group?: RunbookGroup;
    s: Partial<Situation>;
    result: RunbookResult;
  }[] = [
    {
      name: "it is stopped, and the incident that woke it notes when",
      s: {},
      result: stops(woke),
    },
    {
      name: "woken again after it went cold once, it goes cold again, though the later incident is listed first",
      s: { recent: [wokeAgain, { ...woke, returnedToColdAt: NOW - 500_000 }, back] },
      result: stops(wokeAgain),
    },
    {
      name: "the configured primary is recognised wherever the configuration lists it",
      group: { ...cold, regions: [...cold.regions.slice(1), cold.regions[0]!] },
      s: {},
      result: stops(woke),
    },
    {
      name: "not while a person keeps traffic on another standby, though the primary is healthy",
      s: {
        routing: routing(["neu", "weu", "sce"]),
        clusters: { neu: power("Running"), sce: power("Running") },
        recent: [
          { ...woke, to: "sce", wake: { region: "sce", start: true } },
          past({ id: "m1", trigger: "manual", to: "neu", closedAt: NOW - DWELL }),
        ],
      },
      result: nothing,
    },
    {
      name: "not a standby the incident found running (it woke it without starting it)",
      s: { recent: [{ ...woke, startedCluster: false }, back] },
      result: nothing,
    },
    {
      name: "not a standby that an incident started in another region",
      s: { recent: [{ ...woke, wake: { region: "sce", start: true } }, back] },
      result: nothing,
    },
    {
      name: "not a standby whose cluster cannot be read",
      s: { clusters: { sce: power("Stopped") } },
      result: nothing,
    },
    {
      name: "not a region whose cluster Tandem no longer manages",
      group: { ...cold, regions: [cold.regions[0]!, { name: "neu", role: "secondary" }] },
      s: {},
      result: nothing,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(runbookStep(c.group ?? cold, { ...base, ...c.s }, policy, "new"), c.result);
    });
});
