// The runbook one decision at a time: what opens an incident (or is refused, and why), and what
// each step does next for each state of the world, with the note a person reads in the incident's
// history. Scenarios are tables; the fixtures are two or three regions named weu, neu and sce.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  Incident,
  ManualCommand,
  RunbookGroup,
  RunbookPolicy,
  RunbookResult,
  Situation,
  Step,
  Verdict,
} from "../../src/core/index.js";
import { openManual, runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import type { Verdicts } from "../helpers/runbook-fixtures.js";
import {
  catalog,
  cluster,
  failover,
  pools,
  routing,
  search,
  shop,
  situationAt,
  standby,
  WEU_DOWN,
} from "../helpers/runbook-fixtures.js";

const policy: RunbookPolicy = TEST_POLICY;

const NOW = 10_000_000;

const activePassive = shop();
const warm = shop(standby(6));
const warmNoPools = shop({ nodePools: [] });
const cold = catalog([standby(4)]);
const coldThree = catalog([standby(4), standby(4)]);
const activeActive = search;

const situation = situationAt(NOW, 3);

/** An automatic failover from weu to neu, already at `step` since NOW. */
function incident(step: Step, over: Partial<Incident> = {}): Incident {
  return failover({
    step,
    stepStartedAt: NOW,
    openedAt: NOW,
    history: [{ step, at: NOW, epoch: 3, note: "earlier" }],
    ...over,
  });
}

/** What a step did, in the terms a test states. */
function outcome(r: RunbookResult, before: Incident) {
  const after = r.incident ?? before;
  return {
    step: after.step,
    note: after.history.at(-1)!.note,
    effects: r.effects,
    ...(r.refusal ? { refusal: r.refusal } : {}),
  };
}

/** An automatic failover confirmed at `at`, for the cap. */
function pastFailover(at: number, over: Partial<Incident> = {}): Incident {
  return incident("completed", {
    id: `past-${at}`,
    openedAt: at,
    stepStartedAt: at,
    history: [
      { step: "detected", at, epoch: 1, note: "" },
      { step: "confirmed", at, epoch: 1, note: "" },
      { step: "completed", at, epoch: 1, note: "" },
    ],
    ...over,
  });
}

describe("runbook: opening an automatic incident", () => {
  interface Opening {
    name: string;
    group: RunbookGroup;
    s: Partial<Situation>;
    policy?: Partial<RunbookPolicy>;
    /** The incident's fields beyond the common ones, or undefined when nothing opens. */
    opens?: Partial<Incident> & { note: string };
    effects?: RunbookResult["effects"];
    refusal?: { rule: string; reason: string };
  }
  const down: Verdicts = { weu: "down", neu: "healthy" };
  /** What opens when traffic on neu goes home to weu by itself. */
  const failsBackToWeu: Opening["opens"] = {
    kind: "failback",
    from: "neu",
    to: "weu",
    shift: { kind: "promote", region: "weu" },
    reason: "weu is healthy again",
    step: "confirmed",
    note: "weu healthy for the dwell time: fail back",
  };
  const cases: Opening[] = [
    {
      name: "active-active: a down region is disabled",
      group: activeActive,
      s: { kept: down },
      opens: {
        kind: "failover",
        from: "weu",
        to: "weu",
        shift: { kind: "disable", region: "weu" },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: disable it",
      },
    },
    {
      name: "active-active: the last healthy region stays enabled",
      group: activeActive,
      s: { kept: { weu: "down", neu: "down" } },
      refusal: {
        rule: "last-healthy-region",
        reason: "weu is down, but no other enabled region is healthy: it stays enabled",
      },
    },
    {
      name: "active-active: a healthy region that is disabled does not count as the one left",
      group: activeActive,
      s: { kept: down, routing: routing(["weu", "neu"], ["neu"]) },
      refusal: {
        rule: "last-healthy-region",
        reason: "weu is down, but no other enabled region is healthy: it stays enabled",
      },
    },
    {
      name: "active-active: the down region's own passing probes do not count as the one left",
      group: activeActive,
      s: { kept: down, evidence: { weu: "healthy", neu: "suspect" } },
      refusal: {
        rule: "last-healthy-region",
        reason: "weu is down, but no other enabled region is healthy: it stays enabled",
      },
    },
    {
      name: "active-active: no failover while paused",
      group: activeActive,
      s: { kept: down, paused: true },
      refusal: { rule: "automation-paused", reason: "automation is paused for this group" },
    },
    {
      name: "active-active: no failover past the cap",
      group: activeActive,
      s: { kept: down, recent: [pastFailover(NOW - 60_000)] },
      refusal: {
        rule: "failover-cap",
        reason: "1 automatic failover(s) already within 60 min: a person must decide",
      },
    },
    {
      name: "active-active: a disabled region healthy for the dwell time is enabled again",
      group: activeActive,
      s: { routing: routing(["weu", "neu"], ["weu"]) },
      opens: {
        kind: "failback",
        to: "weu",
        shift: { kind: "enable", region: "weu" },
        reason: "weu is healthy again",
        step: "confirmed",
        note: "weu healthy for the dwell time: enable it",
      },
    },
    {
      name: "active-active: enabling a region again is not held back by the failover cap",
      group: activeActive,
      s: { routing: routing(["weu", "neu"], ["weu"]), recent: [pastFailover(NOW - 60_000)] },
      opens: {
        kind: "failback",
        to: "weu",
        shift: { kind: "enable", region: "weu" },
        reason: "weu is healthy again",
        step: "confirmed",
        note: "weu healthy for the dwell time: enable it",
      },
    },
    {
      name: "active-active: a region is not enabled again while paused",
      group: activeActive,
      s: { routing: routing(["weu", "neu"], ["weu"]), paused: true },
      refusal: { rule: "automation-paused", reason: "automation is paused for this group" },
    },
    {
      name: "active-active: a disabled region still recovering stays disabled",
      group: activeActive,
      s: { kept: { weu: "recovering", neu: "healthy" }, routing: routing(["weu", "neu"], ["weu"]) },
    },
    {
      name: "active-active: nothing happens while every region is enabled and healthy",
      group: activeActive,
      s: {},
    },
    {
      name: "active-passive: a down primary fails over to the healthy secondary",
      group: activePassive,
      s: { kept: down },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to neu",
      },
    },
    {
      name: "active-passive: the down primary is never its own target, even while its probes pass again",
      group: activePassive,
      s: { kept: down, evidence: { weu: "healthy", neu: "healthy" } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to neu",
      },
    },
    {
      name: "active-passive: a secondary with node pools is woken (scaled, not started)",
      group: warm,
      s: { kept: down },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: false },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to neu",
      },
    },
    {
      name: "active-passive: a secondary whose cluster lists no node pools is not woken",
      group: warmNoPools,
      s: { kept: down },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to neu",
      },
    },
    {
      name: "active-passive: no failover without a healthy region to take the traffic",
      group: activePassive,
      s: { kept: { weu: "down", neu: "suspect" } },
      refusal: {
        rule: "no-target",
        reason: "weu is down, but no other region is healthy to take its traffic",
      },
    },
    {
      name: "active-passive: no failover while paused",
      group: activePassive,
      s: { kept: down, paused: true },
      refusal: { rule: "automation-paused", reason: "automation is paused for this group" },
    },
    {
      name: "active-passive: a suspect primary is only watched (no pre-warm outside passive-cold)",
      group: warm,
      s: { kept: { weu: "suspect", neu: "healthy" }, clusters: { neu: cluster("Stopped") } },
    },
    {
      name: "active-passive: nothing happens when no region receives traffic",
      group: activePassive,
      s: { routing: routing(["weu", "neu"], ["weu", "neu"]) },
      policy: { autoFailback: true },
    },
    {
      name: "active-passive: after a failover, fails back automatically when configured",
      group: activePassive,
      s: { routing: routing(["neu", "weu"]) },
      policy: { autoFailback: true },
      opens: failsBackToWeu,
    },
    {
      name: "active-passive: fails back to the configured primary wherever the configuration lists it",
      group: {
        ...activePassive,
        regions: [
          { name: "neu", role: "secondary" },
          { name: "weu", role: "primary" },
        ],
      },
      s: { routing: routing(["neu", "weu"]) },
      policy: { autoFailback: true },
      opens: failsBackToWeu,
    },
    {
      name: "active-passive: automatic failback is not held back by the failover cap",
      group: activePassive,
      s: { routing: routing(["neu", "weu"]), recent: [pastFailover(NOW - 60_000)] },
      policy: { autoFailback: true },
      opens: failsBackToWeu,
    },
    {
      name: "active-passive: no automatic failback while paused",
      group: activePassive,
      s: { routing: routing(["neu", "weu"]), paused: true },
      policy: { autoFailback: true },
      refusal: { rule: "automation-paused", reason: "automation is paused for this group" },
    },
    {
      name: "active-passive: no failback to a primary that is still recovering",
      group: activePassive,
      s: { routing: routing(["neu", "weu"]), kept: { weu: "recovering", neu: "healthy" } },
      policy: { autoFailback: true },
    },
    {
      name: "active-passive: no failback while the primary already serves",
      group: activePassive,
      s: {},
      policy: { autoFailback: true },
    },
    {
      name: "active-passive: no failback by default",
      group: activePassive,
      s: { routing: routing(["neu", "weu"]) },
    },
    {
      name: "passive-cold: a down primary fails over to the secondary with a cluster, started",
      group: cold,
      s: { kept: { weu: "down", neu: "down" } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: true },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to neu",
      },
    },
    {
      name: "passive-cold: a healthy secondary is preferred to a stopped one",
      group: coldThree,
      s: {
        kept: { weu: "down", neu: "down", sce: "healthy" },
        routing: routing(["weu", "neu", "sce"]),
      },
      opens: {
        kind: "failover",
        from: "weu",
        to: "sce",
        shift: { kind: "promote", region: "sce" },
        wake: { region: "sce", start: true },
        reason: "weu is down",
        step: "detected",
        note: "weu is down: fail over to sce",
      },
    },
    {
      name: "passive-cold: the secondary that serves and is down is never its own target",
      group: coldThree,
      s: {
        kept: { weu: "down", neu: "down", sce: "down" },
        routing: routing(["neu", "sce", "weu"]),
      },
      opens: {
        kind: "failover",
        from: "neu",
        to: "sce",
        shift: { kind: "promote", region: "sce" },
        wake: { region: "sce", start: true },
        reason: "neu is down",
        step: "detected",
        note: "neu is down: fail over to sce",
      },
    },
    {
      name: "passive-cold: fails over to another secondary, not back to the primary",
      group: coldThree,
      s: {
        kept: { weu: "healthy", neu: "down", sce: "healthy" },
        routing: routing(["neu", "weu", "sce"]),
      },
      opens: {
        kind: "failover",
        from: "neu",
        to: "sce",
        shift: { kind: "promote", region: "sce" },
        wake: { region: "sce", start: true },
        reason: "neu is down",
        step: "detected",
        note: "neu is down: fail over to sce",
      },
    },
    {
      name: "passive-cold: no failover to a secondary with no cluster that is not healthy",
      group: {
        ...cold,
        regions: [
          { name: "weu", role: "primary" },
          { name: "neu", role: "secondary" },
        ],
      },
      s: { kept: { weu: "down", neu: "down" } },
      refusal: {
        rule: "no-target",
        reason: "weu is down, but no other region is healthy to take its traffic",
      },
    },
    {
      name: "passive-cold: a suspect primary pre-warms the stopped secondary",
      group: cold,
      s: { kept: { weu: "suspect", neu: "down" }, clusters: { neu: cluster("Stopped") } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: true },
        startedCluster: true,
        reason: "weu is suspect: pre-warm neu",
        step: "prewarming",
        note: "weu is suspect: start neu's cluster while the verdict is confirmed",
      },
      effects: [{ kind: "start-cluster", region: "neu" }],
    },
    {
      name: "passive-cold: a suspect primary does not pre-warm a secondary already running",
      group: cold,
      s: { kept: { weu: "suspect", neu: "healthy" }, clusters: { neu: cluster("Running") } },
    },
    {
      name: "passive-cold: a suspect primary does not pre-warm a secondary of unknown state",
      group: cold,
      s: { kept: { weu: "suspect", neu: "down" } },
    },
    {
      name: "passive-cold: a secondary with no cluster configured is not pre-warmed",
      group: {
        ...cold,
        regions: [
          { name: "weu", role: "primary" },
          { name: "neu", role: "secondary" },
        ],
      },
      s: { kept: { weu: "suspect", neu: "down" }, clusters: { neu: cluster("Stopped") } },
    },
    {
      name: "passive-cold: with nothing to pre-warm, a pause is not reported as a refusal",
      group: cold,
      s: {
        kept: { weu: "suspect", neu: "healthy" },
        clusters: { neu: cluster("Running") },
        paused: true,
      },
    },
    {
      name: "passive-cold: a suspect standby in charge with nothing to pre-warm still fails back home",
      group: cold,
      policy: { autoFailback: true },
      s: { kept: { weu: "healthy", neu: "suspect" }, routing: routing(["neu", "weu"]) },
      opens: failsBackToWeu,
    },
    {
      name: "passive-cold: a healthy primary is left alone",
      group: cold,
      s: { kept: { weu: "healthy", neu: "down" }, clusters: { neu: cluster("Stopped") } },
    },
  ];

  for (const c of cases)
    it(c.name, () => {
      const s = situation(c.s);
      const r = runbookStep(c.group, s, { ...policy, ...c.policy }, "new-1");
      if (c.opens) {
        const { note, ...fields } = c.opens;
        assert.deepEqual(r, {
          opened: true,
          effects: c.effects ?? [],
          incident: {
            id: "new-1",
            group: c.group.name,
            trigger: "automatic",
            ...fields,
            stepStartedAt: NOW,
            openedAt: NOW,
            history: [{ step: fields.step, at: NOW, epoch: 3, note }],
          },
        });
        return;
      }
      assert.deepEqual(r, {
        opened: false,
        effects: [],
        ...(c.refusal ? { refusal: c.refusal } : {}),
      });
    });
});

describe("runbook: the automatic failover cap", () => {
  const down = situation({ kept: WEU_DOWN });
  const cases: { name: string; recent: Incident[]; capped: boolean; max?: number }[] = [
    {
      name: "a failover confirmed within the window counts",
      recent: [pastFailover(NOW - 60_000)],
      capped: true,
    },
    {
      name: "a failover confirmed exactly a window ago still counts",
      recent: [pastFailover(NOW - 3_600_000)],
      capped: true,
    },
    {
      name: "a failover confirmed before the window does not",
      recent: [pastFailover(NOW - 3_600_001)],
      capped: false,
    },
    {
      name: "a failover with no confirmation counts from when it opened",
      recent: [incident("failed", { openedAt: NOW - 60_000, history: [] })],
      capped: true,
    },
    {
      name: "a pre-warm that never confirmed does not count",
      recent: [incident("prewarming", { openedAt: NOW - 60_000, history: [] })],
      capped: false,
    },
    {
      name: "an aborted failover does not count",
      recent: [incident("aborted", { openedAt: NOW - 60_000 })],
      capped: false,
    },
    {
      name: "a failover aborted after its confirmation (before traffic moved) does not count",
      recent: [pastFailover(NOW - 60_000, { step: "aborted" })],
      capped: false,
    },
    {
      name: "a failback does not count",
      recent: [pastFailover(NOW - 60_000, { kind: "failback" })],
      capped: false,
    },
    {
      name: "a manual failover does not count",
      recent: [pastFailover(NOW - 60_000, { trigger: "manual" })],
      capped: false,
    },
    {
      name: "under a cap of two, one failover leaves room",
      recent: [pastFailover(NOW - 60_000)],
      capped: false,
      max: 2,
    },
    {
      name: "under a cap of two, two failovers reach it",
      recent: [pastFailover(NOW - 60_000), pastFailover(NOW - 120_000)],
      capped: true,
      max: 2,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const r = runbookStep(
        activePassive,
        { ...down, recent: c.recent },
        { ...policy, maxAutoFailovers: c.max ?? 1 },
        "n",
      );
      assert.equal(r.refusal?.rule, c.capped ? "failover-cap" : undefined);
      assert.equal(r.opened, !c.capped);
    });

  it("names the cap and the window in minutes", () => {
    const r = runbookStep(
      activePassive,
      { ...down, recent: [pastFailover(NOW - 60_000), pastFailover(NOW - 120_000)] },
      { ...policy, maxAutoFailovers: 2, autoFailoverWindowMs: 1_800_000 },
      "n",
    );
    assert.equal(
      r.refusal?.reason,
      "2 automatic failover(s) already within 30 min: a person must decide",
    );
  });
});

describe("runbook: manual commands", () => {
  interface Manual {
    name: string;
    group: RunbookGroup;
    command: ManualCommand;
    s?: Partial<Situation>;
    opens?: Partial<Incident> & { note: string };
    refusal?: { rule: string; reason: string };
  }
  const failover = (to: string, override = false): ManualCommand => ({
    kind: "failover",
    to,
    override,
    by: "ops@example.test",
    reason: "drill",
  });
  const failback = (to?: string): ManualCommand => ({
    kind: "failback",
    ...(to ? { to } : {}),
    by: "ops@example.test",
    reason: "back home",
  });
  const cases: Manual[] = [
    {
      name: "a failover to a healthy secondary promotes it",
      group: activePassive,
      command: failover("neu"),
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to a secondary with node pools wakes it without starting it",
      group: warm,
      command: failover("neu"),
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: false },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to a secondary whose cluster lists no node pools does not wake it",
      group: warmNoPools,
      command: failover("neu"),
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to a stopped passive-cold secondary starts it, though it is not healthy yet",
      group: cold,
      command: failover("neu"),
      s: { kept: { weu: "healthy", neu: "down" } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: true },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "passive-cold: a failover to a secondary whose cluster lists no node pools still starts it",
      group: {
        ...cold,
        regions: [
          { name: "weu", role: "primary" },
          { name: "neu", role: "secondary", cluster: { nodePools: [] } },
        ],
      },
      command: failover("neu"),
      s: { kept: { weu: "healthy", neu: "down" } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        wake: { region: "neu", start: true },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to an unhealthy active-passive secondary is refused, cluster or not: only passive-cold starts one",
      group: warm,
      command: failover("neu"),
      s: { kept: { weu: "healthy", neu: "suspect" } },
      refusal: {
        rule: "unhealthy-target",
        reason: "neu is not healthy (suspect); use the override to insist",
      },
    },
    {
      name: "a failover to an unhealthy region without a cluster to start is refused",
      group: {
        ...cold,
        regions: [
          { name: "weu", role: "primary" },
          { name: "neu", role: "secondary" },
        ],
      },
      command: failover("neu"),
      s: { kept: { weu: "healthy", neu: "down" } },
      refusal: {
        rule: "unhealthy-target",
        reason: "neu is not healthy (down); use the override to insist",
      },
    },
    {
      name: "a failover to a region nobody can see is refused as unknown",
      group: activePassive,
      command: failover("neu"),
      s: { kept: { weu: "healthy" } },
      refusal: {
        rule: "unhealthy-target",
        reason: "neu is not healthy (unknown); use the override to insist",
      },
    },
    {
      name: "the break-glass override sends traffic to an unhealthy region, and says so",
      group: activePassive,
      command: failover("neu", true),
      s: { kept: { weu: "healthy", neu: "suspect" } },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        override: true,
        note: "ops@example.test asked: drill (override)",
      },
    },
    {
      name: "a failover to a disabled region enables it",
      group: activePassive,
      command: failover("neu"),
      s: { routing: routing(["weu", "neu"], ["neu"]) },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "enable", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to a region the lever does not list yet promotes it: it is not taken as disabled",
      group: activePassive,
      command: failover("neu"),
      s: { routing: routing(["weu"]) },
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "promote", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "active-active: a failover to a region enables it",
      group: activeActive,
      command: failover("neu"),
      opens: {
        kind: "failover",
        from: "weu",
        to: "neu",
        shift: { kind: "enable", region: "neu" },
        requestedBy: "ops@example.test",
        reason: "drill",
        note: "ops@example.test asked: drill",
      },
    },
    {
      name: "a failover to a region the group does not have is refused",
      group: activePassive,
      command: failover("xyz", true),
      refusal: { rule: "no-target", reason: "no region xyz in shop" },
    },
    {
      name: "a failback with no region goes to the configured primary, and wakes nothing",
      group: {
        ...warm,
        regions: [
          { name: "neu", role: "secondary", cluster: { nodePools: pools(2) } },
          { name: "weu", role: "primary", cluster: { nodePools: pools(2) } },
        ],
      },
      command: failback(),
      s: { routing: routing(["neu", "weu"]) },
      opens: {
        kind: "failback",
        from: "neu",
        to: "weu",
        shift: { kind: "promote", region: "weu" },
        requestedBy: "ops@example.test",
        reason: "back home",
        note: "ops@example.test asked: back home",
      },
    },
    {
      name: "active-active: a failback with no region goes to the first active region",
      group: activeActive,
      command: failback(),
      s: { routing: routing(["neu", "weu"], ["weu"]) },
      opens: {
        kind: "failback",
        from: "neu",
        to: "weu",
        shift: { kind: "enable", region: "weu" },
        requestedBy: "ops@example.test",
        reason: "back home",
        note: "ops@example.test asked: back home",
      },
    },
    {
      name: "a failback to an unhealthy region is refused: there is no override for it",
      group: activePassive,
      command: failback("weu"),
      s: { kept: { weu: "recovering", neu: "healthy" }, routing: routing(["neu", "weu"]) },
      refusal: {
        rule: "unhealthy-target",
        reason: "weu is not healthy (recovering); use the override to insist",
      },
    },
    {
      name: "a failback in a group with no primary to return to is refused",
      group: { ...activePassive, regions: [{ name: "neu", role: "secondary" }] },
      command: failback(),
      refusal: { rule: "no-target", reason: "no region to fail back to in shop" },
    },
    {
      name: "nothing is decided when the traffic lever cannot be read",
      group: activePassive,
      command: failover("neu"),
      s: { routing: undefined },
      refusal: { rule: "no-lever", reason: "the traffic lever cannot be read" },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const s = situation(c.s);
      const r = openManual(c.group, c.command, s, "m-1");
      if (c.opens) {
        const { note, ...fields } = c.opens;
        assert.deepEqual(r, {
          opened: true,
          effects: [],
          incident: {
            id: "m-1",
            group: c.group.name,
            trigger: "manual",
            ...fields,
            step: "confirmed",
            stepStartedAt: NOW,
            openedAt: NOW,
            history: [{ step: "confirmed", at: NOW, epoch: 3, note }],
          },
        });
        return;
      }
      assert.deepEqual(r, { opened: false, effects: [], refusal: c.refusal });
    });
});

interface Advance {
  name: string;
  group?: RunbookGroup;
  incident: Incident;
  /** How long the incident has been in its step. */
  elapsed?: number;
  s?: Partial<Situation>;
  policy?: Partial<RunbookPolicy>;
  step: Step;
  note: string;
  effects?: RunbookResult["effects"];
  refusal?: string;
  /** Expected on the incident after the tick. */
  startedCluster?: boolean;
}

function advanceCases(title: string, cases: Advance[]) {
  describe(title, () => {
    for (const c of cases)
      it(c.name, () => {
        const s = situation({
          ...c.s,
          open: c.incident,
          now: c.incident.stepStartedAt + (c.elapsed ?? 10_000),
        });
        const r = runbookStep(c.group ?? activePassive, s, { ...policy, ...c.policy }, "unused");
        const o = outcome(r, c.incident);
        assert.deepEqual(
          { step: o.step, note: o.note, effects: o.effects, refusal: o.refusal?.rule },
          { step: c.step, note: c.note, effects: c.effects ?? [], refusal: c.refusal },
        );
        assert.equal(r.opened, false);
        if (o.refusal)
          assert.equal(o.refusal.reason, o.note, "the refusal is what the history says");
        if (c.startedCluster !== undefined)
          assert.equal((r.incident ?? c.incident).startedCluster, c.startedCluster);
        if (r.incident && r.incident.step !== c.incident.step) {
          assert.equal(r.incident.stepStartedAt, s.now, "a new step starts now");
          assert.equal(
            r.incident.closedAt,
            ["completed", "failed", "aborted"].includes(r.incident.step) ? s.now : undefined,
          );
        }
      });
  });
}

const down: Verdicts = { weu: "down", neu: "healthy" };
const prewarm = (over: Partial<Incident> = {}) =>
  incident("prewarming", { wake: { region: "neu", start: true }, startedCluster: true, ...over });
const waking = (over: Partial<Incident> = {}) =>
  incident("waking", { wake: { region: "neu", start: true }, ...over });

advanceCases("runbook: while automation is paused", [
  {
    name: "an automatic incident waits, and says why",
    incident: incident("shifting-traffic"),
    s: { kept: down, paused: true },
    step: "shifting-traffic",
    note: "automation is paused for this group: the incident waits",
    refusal: "automation-paused",
  },
  {
    name: "an automatic traffic step fails once past the step timeout",
    incident: incident("shifting-traffic"),
    elapsed: 60_001,
    s: { kept: down, paused: true },
    step: "failed",
    note: "automation is paused and the step did not finish within 60 s; routing left as it was",
  },
  {
    name: "an automatic traffic step still waits at exactly the step timeout",
    incident: incident("shifting-traffic"),
    elapsed: 60_000,
    s: { kept: down, paused: true },
    step: "shifting-traffic",
    note: "automation is paused for this group: the incident waits",
    refusal: "automation-paused",
  },
  ...(["waking", "waiting-ready"] as const).map((step) => ({
    name: `a ${step} step gets the wake timeout, not the step timeout`,
    incident: incident(step, { wake: { region: "neu", start: true } }),
    elapsed: 600_000,
    s: { kept: down, paused: true },
    step,
    note: "automation is paused for this group: the incident waits",
    refusal: "automation-paused",
  })),
  {
    name: "a waking step fails once past the wake timeout",
    incident: waking(),
    elapsed: 600_001,
    s: { kept: down, paused: true },
    step: "failed",
    note: "automation is paused and the step did not finish within 600 s; routing left as it was",
  },
  {
    name: "a pre-warm is given up past the wake timeout, without stopping anything",
    group: cold,
    incident: prewarm(),
    elapsed: 600_001,
    s: {
      kept: { weu: "suspect", neu: "down" },
      paused: true,
      clusters: { neu: cluster("Running") },
    },
    step: "aborted",
    note: "automation is paused: pre-warming given up",
  },
  {
    name: "a pre-warm waits within the wake timeout",
    group: cold,
    incident: prewarm(),
    elapsed: 60_001,
    s: { kept: { weu: "suspect", neu: "down" }, paused: true },
    step: "prewarming",
    note: "automation is paused for this group: the incident waits",
    refusal: "automation-paused",
  },
]);

advanceCases("runbook: detected and confirmed", [
  {
    name: "a detected failover is confirmed while the region stays down",
    incident: incident("detected"),
    s: { kept: down },
    step: "confirmed",
    note: "weu confirmed down",
  },
  {
    name: "a confirmed incident with a region to wake wakes it",
    incident: incident("confirmed", { wake: { region: "neu", start: false } }),
    step: "waking",
    note: "waking neu",
  },
  {
    name: "a confirmed incident with nothing to wake shifts traffic",
    incident: incident("confirmed"),
    step: "shifting-traffic",
    note: "shifting traffic: promote neu",
  },
]);

describe("runbook: a detected failover goes on only while the region stays down", () => {
  const groups = [activePassive, activeActive];
  const later: { verdict: Verdict | undefined; step: string; note: RegExp }[] = [
    { verdict: "down", step: "confirmed", note: /^weu confirmed down$/ },
    { verdict: "healthy", step: "aborted", note: /^weu is healthy again: no failover$/ },
    { verdict: "recovering", step: "aborted", note: /^weu is recovering again: no failover$/ },
    { verdict: "suspect", step: "aborted", note: /^weu is suspect again: no failover$/ },
    { verdict: "split-view", step: "aborted", note: /^weu is split-view again: no failover$/ },
    { verdict: undefined, step: "aborted", note: /^weu is unknown again: no failover$/ },
  ];
  for (const group of groups)
    for (const c of later)
      it(`${group.model}: when the region is ${c.verdict ?? "no longer judged"} at the next tick, the incident is ${c.step}`, () => {
        const detected = runbookStep(group, situation({ kept: WEU_DOWN }), policy, "d").incident!;
        assert.equal(detected.step, "detected");
        const kept: Record<string, Verdict> = {
          neu: "healthy",
          ...(c.verdict ? { weu: c.verdict } : {}),
        };
        const r = runbookStep(
          group,
          situation({ kept, open: detected, now: detected.openedAt + 10_000 }),
          policy,
          "x",
        );
        assert.equal(r.incident?.step, c.step);
        assert.match(r.incident!.history.at(-1)!.note, c.note);
        assert.deepEqual(r.effects, []);
      });
});

const suspect: Verdicts = { weu: "suspect", neu: "down" };
advanceCases("runbook: pre-warming", [
  {
    name: "a pre-warm past the wake timeout is aborted and stops the cluster it started",
    group: cold,
    incident: prewarm(),
    elapsed: 600_001,
    s: { kept: suspect, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "pre-warming neu ran past 600 s without a failover; its cluster is stopped again",
    effects: [{ kind: "stop-cluster", region: "neu" }],
  },
  {
    name: "a pre-warm at exactly the wake timeout goes on",
    group: cold,
    incident: prewarm(),
    elapsed: 600_000,
    s: { kept: suspect, clusters: { neu: cluster("Starting") } },
    step: "prewarming",
    note: "neu's cluster is Starting; waiting for the verdict on weu",
  },
  {
    name: "a pre-warm past the wake timeout leaves alone a cluster it did not start",
    group: cold,
    incident: prewarm({ startedCluster: false }),
    elapsed: 600_001,
    s: { kept: suspect, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "pre-warming neu ran past 600 s without a failover",
  },
  {
    name: "a pre-warm past the wake timeout stops nothing when the lever cannot be read",
    group: cold,
    incident: prewarm(),
    elapsed: 600_001,
    s: { kept: suspect, routing: undefined, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "pre-warming neu ran past 600 s without a failover",
  },
  {
    name: "a pre-warm past the wake timeout stops nothing when configured to keep clusters up",
    group: cold,
    incident: prewarm(),
    elapsed: 600_001,
    policy: { stopColdOnClear: false },
    s: { kept: suspect, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "pre-warming neu ran past 600 s without a failover",
  },
  {
    name: "the primary confirmed down turns the pre-warm into a failover",
    group: cold,
    incident: prewarm(),
    s: { kept: { weu: "down", neu: "down" }, clusters: { neu: cluster("Starting") } },
    step: "confirmed",
    note: "weu confirmed down while neu was warming",
  },
  {
    name: "the primary confirmed down waits while automation would exceed the failover cap",
    group: cold,
    incident: prewarm(),
    s: {
      kept: { weu: "down", neu: "down" },
      recent: [pastFailover(NOW - 60_000)],
      clusters: { neu: cluster("Starting") },
    },
    step: "prewarming",
    note: "1 automatic failover(s) already within 60 min: a person must decide",
    refusal: "failover-cap",
  },
  {
    name: "a suspicion that clears while the cluster still starts waits to stop it",
    group: cold,
    incident: prewarm(),
    s: { kept: { weu: "healthy", neu: "down" }, clusters: { neu: cluster("Starting") } },
    step: "prewarming",
    note: "weu is healthy: neu's cluster is still starting; it is stopped again once it runs",
  },
  {
    name: "a primary no longer judged while the cluster still starts waits to stop it",
    group: cold,
    incident: prewarm(),
    s: { kept: { neu: "down" }, clusters: { neu: cluster("Starting") } },
    step: "prewarming",
    note: "weu is unknown: neu's cluster is still starting; it is stopped again once it runs",
  },
  {
    name: "a suspicion that clears while the cluster cannot be read ends the pre-warm and stops the cluster it started",
    group: cold,
    incident: prewarm(),
    s: { kept: { weu: "healthy", neu: "down" } },
    step: "aborted",
    note: "weu is healthy: pre-warming stopped, neu's cluster stopped again",
    effects: [{ kind: "stop-cluster", region: "neu" }],
  },
  {
    name: "a suspicion that clears stops the running cluster it started",
    group: cold,
    incident: prewarm(),
    s: { kept: { weu: "healthy", neu: "down" }, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "weu is healthy: pre-warming stopped, neu's cluster stopped again",
    effects: [{ kind: "stop-cluster", region: "neu" }],
  },
  {
    name: "a primary no longer judged ends the pre-warm too",
    group: cold,
    incident: prewarm(),
    s: { kept: { neu: "down" }, clusters: { neu: cluster("Running") } },
    step: "aborted",
    note: "weu is unknown: pre-warming stopped, neu's cluster stopped again",
    effects: [{ kind: "stop-cluster", region: "neu" }],
  },
  {
    name: "a suspicion that clears does not wait on a starting cluster it will not stop",
    group: cold,
    incident: prewarm({ startedCluster: false }),
    s: { kept: { neu: "down" }, clusters: { neu: cluster("Starting") } },
    step: "aborted",
    note: "weu is unknown: pre-warming stopped",
  },
  {
    name: "a cluster found stopped while suspect is started",
    group: cold,
    incident: prewarm({ startedCluster: false }),
    s: { kept: suspect, clusters: { neu: cluster("Stopped") } },
    step: "prewarming",
    note: "starting neu's cluster",
    effects: [{ kind: "start-cluster", region: "neu" }],
    startedCluster: true,
  },
  {
    name: "a cluster already running waits for the verdict",
    group: cold,
    incident: prewarm({ startedCluster: false }),
    s: { kept: suspect, clusters: { neu: cluster("Running") } },
    step: "prewarming",
    note: "neu's cluster is Running; waiting for the verdict on weu",
    startedCluster: false,
  },
  {
    name: "a cluster that cannot be read waits for the verdict",
    group: cold,
    incident: prewarm(),
    s: { kept: suspect },
    step: "prewarming",
    note: "neu's cluster is unknown; waiting for the verdict on weu",
  },
]);

advanceCases("runbook: waking a cluster", [
  {
    name: "fails past the wake timeout",
    group: cold,
    incident: waking(),
    elapsed: 600_001,
    s: { clusters: { neu: cluster("Starting") } },
    step: "failed",
    note: "neu's cluster did not wake within 600 s; routing left as it was",
  },
  {
    name: "goes on at exactly the wake timeout",
    group: cold,
    incident: waking(),
    elapsed: 600_000,
    s: { clusters: { neu: cluster("Starting") } },
    step: "waking",
    note: "waking neu: Starting",
  },
  {
    name: "waits while the cluster cannot be read",
    group: cold,
    incident: waking(),
    step: "waking",
    note: "neu's cluster cannot be read",
  },
  {
    name: "starts a stopped cluster, and remembers it did",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Stopped") } },
    step: "waking",
    note: "starting neu's cluster",
    effects: [{ kind: "start-cluster", region: "neu" }],
    startedCluster: true,
  },
  {
    name: "waits for a stopping cluster before starting it",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Stopping") } },
    step: "waking",
    note: "neu's cluster is stopping; waiting",
  },
  {
    name: "fails when a cluster it started has failed",
    group: cold,
    incident: waking({ startedCluster: true }),
    s: { clusters: { neu: cluster("Failed", 0, "QuotaExceeded") } },
    step: "failed",
    note: "neu's cluster failed to start (QuotaExceeded); routing left as it was",
  },
  {
    name: "fails when a cluster it started has failed, without details",
    group: cold,
    incident: waking({ startedCluster: true }),
    s: { clusters: { neu: cluster("Failed") } },
    step: "failed",
    note: "neu's cluster failed to start (provisioning failed); routing left as it was",
  },
  {
    name: "tries one start on a cluster left failed by something else",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Failed", 0, "StopFailed") } },
    step: "waking",
    note: "neu's cluster is Failed (StopFailed); trying a start",
    effects: [{ kind: "start-cluster", region: "neu" }],
    startedCluster: true,
  },
  {
    name: "tries one start on a failed cluster with no details",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Failed") } },
    step: "waking",
    note: "neu's cluster is Failed (?); trying a start",
    effects: [{ kind: "start-cluster", region: "neu" }],
  },
  {
    name: "scales a running cluster whose pools are short",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Running", 3) } },
    step: "waking",
    note: "scaling neu's node pools",
    effects: [{ kind: "scale", region: "neu", pools: pools(4) }],
  },
  {
    name: "scales when any one wanted pool is short",
    group: {
      ...cold,
      regions: [
        { name: "weu", role: "primary" },
        {
          name: "neu",
          role: "secondary",
          cluster: {
            nodePools: [
              { name: "system", count: 1 },
              { name: "user", count: 4 },
            ],
          },
        },
      ],
    },
    incident: waking(),
    s: {
      clusters: {
        neu: {
          power: "Running",
          nodePools: [
            { name: "system", count: 1 },
            { name: "user", count: 2 },
          ],
        },
      },
    },
    step: "waking",
    note: "scaling neu's node pools",
    effects: [
      {
        kind: "scale",
        region: "neu",
        pools: [
          { name: "system", count: 1 },
          { name: "user", count: 4 },
        ],
      },
    ],
  },
  {
    name: "scales when a wanted pool is missing from the cluster",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: { power: "Running", nodePools: [{ name: "system", count: 9 }] } } },
    step: "waking",
    note: "scaling neu's node pools",
    effects: [{ kind: "scale", region: "neu", pools: pools(4) }],
  },
  {
    name: "moves on once the cluster runs with its pools",
    group: cold,
    incident: waking(),
    s: { clusters: { neu: cluster("Running", 4) } },
    step: "waiting-ready",
    note: "neu's cluster is running; waiting for its probes to pass",
  },
  {
    name: "moves on when the region's cluster settings are gone meanwhile",
    group: activePassive,
    incident: waking(),
    s: { clusters: { neu: cluster("Running", 0) } },
    step: "waiting-ready",
    note: "neu's cluster is running; waiting for its probes to pass",
  },
  {
    name: "moves on when the region is gone from the group's configuration meanwhile",
    group: { ...activePassive, regions: [{ name: "weu", role: "primary" }] },
    incident: waking(),
    s: { clusters: { neu: cluster("Running", 0) } },
    step: "waiting-ready",
    note: "neu's cluster is running; waiting for its probes to pass",
  },
]);

advanceCases("runbook: waiting for the target to pass its probes", [
  {
    name: "fails past the wake timeout",
    incident: incident("waiting-ready"),
    elapsed: 600_001,
    s: { kept: down, evidence: { weu: "down", neu: "suspect" } },
    step: "failed",
    note: "neu did not pass its probes within 600 s; routing left as it was",
  },
  {
    name: "shifts traffic once the target is healthy",
    incident: incident("waiting-ready"),
    elapsed: 600_000,
    s: { kept: down },
    step: "shifting-traffic",
    note: "neu passes its probes",
  },
  {
    name: "waits while the target fails its probes",
    incident: incident("waiting-ready"),
    s: { kept: down, evidence: { weu: "down", neu: "suspect" } },
    step: "waiting-ready",
    note: "waiting for neu to pass its probes (suspect)",
  },
  {
    name: "waits while nobody sees the target",
    incident: incident("waiting-ready"),
    s: { kept: down, evidence: { weu: "down" } },
    step: "waiting-ready",
    note: "waiting for neu to pass its probes (unknown)",
  },
]);

const disableWeu = { shift: { kind: "disable" as const, region: "weu" }, to: "weu" };
const enableWeu = {
  kind: "failback" as const,
  shift: { kind: "enable" as const, region: "weu" },
  to: "weu",
};
advanceCases("runbook: shifting traffic", [
  {
    name: "waits while the lever cannot be read",
    incident: incident("shifting-traffic"),
    s: { kept: down, routing: undefined },
    step: "shifting-traffic",
    note: "the traffic lever cannot be read",
  },
  {
    name: "verifies once the lever shows the target promoted",
    incident: incident("shifting-traffic"),
    s: { kept: down, routing: routing(["neu", "weu"]) },
    step: "verifying",
    note: "the lever shows the new routing",
  },
  {
    name: "promotes the target",
    incident: incident("shifting-traffic"),
    s: { kept: down },
    step: "shifting-traffic",
    note: "promoting neu",
    effects: [{ kind: "promote", region: "neu" }],
  },
  {
    name: "ends an automatic failover whose source is healthy again before traffic moves, moving nothing",
    incident: incident("shifting-traffic"),
    step: "aborted",
    note: "weu is healthy again before traffic moved: no failover",
  },
  {
    name: "ends an automatic failover whose source is no longer judged before traffic moves",
    incident: incident("shifting-traffic"),
    s: { kept: { neu: "healthy" } },
    step: "aborted",
    note: "weu is unknown again before traffic moved: no failover",
  },
  {
    name: "ending it, says that the standby it started goes cold again after the dwell time",
    group: cold,
    incident: incident("shifting-traffic", {
      wake: { region: "neu", start: true },
      startedCluster: true,
    }),
    step: "aborted",
    note: "weu is healthy again before traffic moved: no failover; neu's cluster goes cold again once weu has been healthy for the dwell time",
  },
  {
    name: "ending it, promises nothing for a standby it woke without starting",
    group: warm,
    incident: incident("shifting-traffic", { wake: { region: "neu", start: false } }),
    step: "aborted",
    note: "weu is healthy again before traffic moved: no failover",
  },
  {
    name: "fails when the lever has not changed past the step timeout",
    incident: incident("shifting-traffic"),
    elapsed: 60_001,
    s: { kept: down },
    step: "failed",
    note: "the lever did not change within 60 s; routing left as it was",
  },
  {
    name: "never promotes a target that is not healthy",
    incident: incident("shifting-traffic"),
    s: { kept: down, evidence: { weu: "down", neu: "recovering" } },
    step: "shifting-traffic",
    note: "neu is recovering, not healthy: it is not given traffic",
    refusal: "unhealthy-target",
  },
  {
    name: "never promotes a target nobody sees",
    incident: incident("shifting-traffic"),
    s: { kept: down, evidence: { weu: "down" } },
    step: "shifting-traffic",
    note: "neu is unknown, not healthy: it is not given traffic",
    refusal: "unhealthy-target",
  },
  {
    name: "promotes an unhealthy target under the break-glass override",
    incident: incident("shifting-traffic", { trigger: "manual", override: true }),
    s: { kept: down, evidence: { weu: "healthy", neu: "suspect" } },
    step: "shifting-traffic",
    note: "promoting neu",
    effects: [{ kind: "promote", region: "neu" }],
  },
  {
    name: "disables a down region while another enabled region is healthy",
    group: activeActive,
    incident: incident("shifting-traffic", disableWeu),
    s: { kept: down },
    step: "shifting-traffic",
    note: "disabling weu",
    effects: [{ kind: "set-enabled", region: "weu", enabled: false }],
  },
  {
    name: "never disables the last healthy region, even once the incident is under way",
    group: activeActive,
    incident: incident("shifting-traffic", disableWeu),
    s: { kept: { weu: "down", neu: "down" } },
    step: "shifting-traffic",
    note: "disabling weu would leave no healthy region",
    refusal: "last-healthy-region",
  },
  {
    name: "verifies once the lever shows the region disabled",
    group: activeActive,
    incident: incident("shifting-traffic", disableWeu),
    s: { kept: { weu: "down", neu: "down" }, routing: routing(["weu", "neu"], ["weu"]) },
    step: "verifying",
    note: "the lever shows the new routing",
  },
  {
    name: "enables a region again",
    group: activeActive,
    incident: incident("shifting-traffic", enableWeu),
    s: { routing: routing(["weu", "neu"], ["weu"]) },
    step: "shifting-traffic",
    note: "enabling weu",
    effects: [{ kind: "set-enabled", region: "weu", enabled: true }],
  },
  {
    name: "verifies once the lever shows the region enabled",
    group: activeActive,
    incident: incident("shifting-traffic", enableWeu),
    step: "verifying",
    note: "the lever shows the new routing",
  },
  {
    name: "a region the lever does not list is never taken as enabled or disabled",
    group: activeActive,
    incident: incident("shifting-traffic", enableWeu),
    s: { routing: routing(["neu"]) },
    step: "shifting-traffic",
    note: "enabling weu",
    effects: [{ kind: "set-enabled", region: "weu", enabled: true }],
  },
  {
    name: "a region the lever does not list is never taken as disabled",
    group: activeActive,
    incident: incident("shifting-traffic", disableWeu),
    s: { kept: down, routing: routing(["neu"]) },
    step: "shifting-traffic",
    note: "disabling weu",
    effects: [{ kind: "set-enabled", region: "weu", enabled: false }],
  },
]);

const PROPAGATING = "the lever is propagating the change to its edge";
const propagating = { ...routing(["neu", "weu"]), propagating: true };
const verifying = (propagated: boolean) =>
  incident("verifying", {
    history: [
      { step: "verifying", at: NOW, epoch: 3, note: "the lever shows the new routing" },
      ...(propagated ? [{ step: "verifying" as const, at: NOW, epoch: 3, note: PROPAGATING }] : []),
    ],
  });
const lagging = { promote: true, enable: true, dataPlaneLag: true };
advanceCases("runbook: verifying", [
  {
    name: "waits while the lever propagates the change",
    incident: verifying(false),
    elapsed: 900_000,
    s: { kept: down, routing: propagating },
    step: "verifying",
    note: PROPAGATING,
  },
  {
    name: "fails when the change does not propagate within the propagation timeout",
    incident: verifying(true),
    elapsed: 900_001,
    s: { kept: down, routing: propagating },
    step: "failed",
    note: "the lever did not deploy the change within 900 s; routing left as it was",
  },
  {
    name: "completes when the entry point answers on the new routing",
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: true },
    step: "completed",
    note: "the global entry point answers on the new routing",
  },
  {
    name: "completes on the lever's word when there is no entry point to ask",
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]) },
    step: "completed",
    note: "the lever shows the new routing",
  },
  {
    name: "waits while the entry point does not follow",
    incident: verifying(false),
    elapsed: 60_000,
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: false },
    step: "verifying",
    note: "waiting for the global entry point to follow",
  },
  {
    name: "fails when the entry point does not follow within the step timeout",
    incident: verifying(false),
    elapsed: 60_001,
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: false },
    step: "failed",
    note: "traffic did not follow through the global entry point; routing left as it was",
  },
  {
    name: "after a propagation, gives the entry point the propagation and step timeouts together",
    incident: verifying(true),
    elapsed: 900_000 + 60_000,
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: false },
    step: "verifying",
    note: "waiting for the global entry point to follow",
  },
  {
    name: "after a propagation, fails past the propagation and step timeouts together",
    incident: verifying(true),
    elapsed: 900_000 + 60_001,
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: false },
    step: "failed",
    note: "traffic did not follow through the global entry point; routing left as it was",
  },
  {
    name: "without a lag, completes on the lever's word while there is no current view of the entry point",
    group: { ...activePassive, entryPoint: true },
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]) },
    step: "completed",
    note: "the lever shows the new routing",
  },
  {
    name: "with a lagging lever, completes once the entry point answers, saying how long its edge took",
    incident: verifying(false),
    elapsed: 125_000,
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: true, lever: lagging },
    step: "completed",
    note: "the global entry point answers on the new routing, 125 s after the lever took the change (its API gives no sign of the edge's propagation; the entry point's probes are the evidence)",
  },
  {
    name: "with a lagging lever and an entry point, completes once the entry point answers",
    group: { ...activePassive, entryPoint: true },
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]), entryHealthy: true, lever: lagging },
    step: "completed",
    note: "the global entry point answers on the new routing, 10 s after the lever took the change (its API gives no sign of the edge's propagation; the entry point's probes are the evidence)",
  },
  {
    name: "with a lagging lever and an entry point, waits while there is no current view of the entry point",
    group: { ...activePassive, entryPoint: true },
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]), lever: lagging },
    step: "verifying",
    note: "the lever took the change; waiting for its edge to serve it: the global entry point's probes do not pass on the new routing yet (the lever's API gives no sign of propagation)",
  },
  {
    name: "with a lagging lever and no entry point to ask, completes on the lever's word and says so",
    incident: verifying(false),
    s: { kept: down, routing: routing(["neu", "weu"]), lever: lagging },
    step: "completed",
    note: "the lever shows the new routing; no global entry point is configured to see its edge follow",
  },
  {
    name: "waits past the step timeout while the lever cannot be read: its DNS TTL is not known",
    incident: verifying(false),
    elapsed: 60_001,
    s: { kept: down, routing: undefined },
    step: "verifying",
    note: "waiting for the global entry point to follow",
  },
  {
    name: "fails once the step and propagation timeouts have passed with the lever unreadable",
    incident: verifying(false),
    elapsed: 960_001,
    s: { kept: down, routing: undefined },
    step: "failed",
    note: "traffic did not follow through the global entry point within 960 s, and the lever could not be read; routing left as it was",
  },
  {
    name: "waits while the lever shows the old routing",
    incident: verifying(false),
    s: { kept: down, entryHealthy: true },
    step: "verifying",
    note: "waiting for the global entry point to follow",
  },
]);

describe("runbook: what a step keeps", () => {
  it("a step that waits with the same note as before leaves the incident as it was", () => {
    const first = runbookStep(
      activePassive,
      situation({
        kept: down,
        evidence: { weu: "down", neu: "suspect" },
        open: incident("waiting-ready"),
      }),
      policy,
      "x",
    );
    assert.ok(first.incident, "the first wait is noted");
    const again = runbookStep(
      activePassive,
      situation({
        kept: down,
        evidence: { weu: "down", neu: "suspect" },
        open: first.incident,
        now: NOW + 20_000,
      }),
      policy,
      "x",
    );
    assert.equal(again.incident, undefined, "nothing new to persist");
    const changed = runbookStep(
      activePassive,
      situation({ kept: down, evidence: { weu: "down" }, open: first.incident, now: NOW + 30_000 }),
      policy,
      "x",
    );
    assert.equal(changed.incident?.history.length, first.incident.history.length + 1);
  });

  for (const step of ["completed", "failed", "aborted"] as const)
    it(`a ${step} incident takes no further step`, () => {
      assert.deepEqual(
        runbookStep(activePassive, situation({ kept: down, open: incident(step) }), policy, "x"),
        { opened: false, effects: [] },
      );
    });
});
