import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  ClusterState,
  Incident,
  RoutingState,
  RunbookGroup,
  RunbookPolicy,
  Situation,
  Verdict,
} from "../../src/core/index.js";
import { openManual, runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import {
  catalog,
  cluster,
  primaryOn as routing,
  search as activeActive,
  shop,
  situationAt,
  standby,
  WAKING_FAILOVER,
  WEU_DOWN,
} from "../helpers/runbook-fixtures.js";

const activePassive = shop();
const warmWithPools = shop(standby(6));
const passiveCold = catalog([standby(4)]);
const policy: RunbookPolicy = TEST_POLICY;

const situation = situationAt(1_000_000, 3);

/**
 * Runs the runbook tick by tick against a small world that the effects change, and returns the
 * steps the incident went through and the effects applied.
 */
function drive(group: RunbookGroup, first: Situation, p = policy, max = 20) {
  let s = first;
  let routes = s.routing!;
  const clusters: Record<string, ClusterState | undefined> = { ...s.clusters };
  const steps: string[] = [];
  const effects: string[] = [];
  let incident: Incident | undefined;
  for (let i = 0; i < max; i++) {
    const r = runbookStep(group, s, p, "inc-1");
    incident = r.incident ?? incident;
    for (const e of r.effects) {
      effects.push(`${e.kind} ${e.region}`);
      if (e.kind === "promote")
        routes = routing(
          e.region,
          routes.regions.filter((x) => !x.enabled).map((x) => x.region),
        );
      if (e.kind === "scale") clusters[e.region] = { power: "Running", nodePools: [...e.pools] };
    }
    if (!incident) break;
    if (steps.at(-1) !== incident.step) steps.push(incident.step);
    if (["completed", "failed", "aborted"].includes(incident.step)) break;
    s = { ...s, routing: routes, clusters: { ...clusters }, open: incident, now: s.now + 10_000 };
  }
  return { steps, effects, incident };
}

describe("runbook: deployment models", () => {
  it("active-passive: a down primary fails over to the healthy secondary, verified through the entry point", () => {
    const r = drive(
      activePassive,
      situation({ kept: { weu: "down", neu: "healthy" }, entryHealthy: true }),
    );
    assert.deepEqual(r.steps, [
      "detected",
      "confirmed",
      "shifting-traffic",
      "verifying",
      "completed",
    ]);
    assert.deepEqual(
      r.effects,
      ["promote neu"],
      "one effect, once: the next tick sees the lever changed",
    );
    assert.match(r.incident!.history.at(-1)!.note, /global entry point answers/);
  });

  it("active-passive: verification waits while the entry point still fails, and fails the incident at the timeout", () => {
    const r = drive(
      activePassive,
      situation({ kept: { weu: "down", neu: "healthy" }, entryHealthy: false }),
    );
    assert.deepEqual(r.steps, ["detected", "confirmed", "shifting-traffic", "verifying", "failed"]);
    assert.match(
      r.incident!.history.at(-1)!.note,
      /traffic did not follow through the global entry point/,
    );
  });

  it("active-passive: a secondary with node pools is scaled before it takes traffic", () => {
    const r = drive(
      warmWithPools,
      situation({
        kept: { weu: "down", neu: "healthy" },
        clusters: { neu: cluster("Running", 2) },
      }),
    );
    assert.deepEqual(r.steps, WAKING_FAILOVER);
    assert.deepEqual(r.effects, ["scale neu", "promote neu"]);
  });

  it("active-passive: failback is manual by default, automatic when configured", () => {
    const after = situation({ kept: { weu: "healthy", neu: "healthy" }, routing: routing("neu") });
    assert.equal(runbookStep(activePassive, after, policy, "x").incident, undefined);
    const back = runbookStep(activePassive, after, { ...policy, autoFailback: true }, "x");
    assert.equal(back.incident?.kind, "failback");
    assert.deepEqual(back.incident?.shift, { kind: "promote", region: "weu" });
  });

  it("passive-cold: pre-warms on suspect, and wakes, waits and promotes once down", () => {
    let power: ClusterState = cluster("Stopped");
    const first = situation({
      kept: { weu: "suspect", neu: "down" },
      evidence: { weu: "suspect", neu: "down" },
      clusters: { neu: power },
    });
    const opened = runbookStep(passiveCold, first, policy, "inc-1");
    assert.equal(opened.incident?.step, "prewarming");
    assert.deepEqual(opened.effects, [{ kind: "start-cluster", region: "neu" }]);
    power = cluster("Starting");
    let s: Situation = {
      ...first,
      open: opened.incident!,
      clusters: { neu: power },
      kept: { weu: "down", neu: "down" },
      now: first.now + 10_000,
    };
    const confirmed = runbookStep(passiveCold, s, policy, "x");
    assert.equal(confirmed.incident?.step, "confirmed");
    s = { ...s, open: confirmed.incident!, now: s.now + 10_000 };
    const waking = runbookStep(passiveCold, s, policy, "x");
    assert.equal(waking.incident?.step, "waking");
    s = { ...s, open: waking.incident!, now: s.now + 10_000 };
    assert.deepEqual(
      runbookStep(passiveCold, s, policy, "x").effects,
      [],
      "Starting: wait, no second start",
    );
    s = { ...s, clusters: { neu: cluster("Running", 0) } };
    assert.deepEqual(runbookStep(passiveCold, s, policy, "x").effects, [
      { kind: "scale", region: "neu", pools: [{ name: "user", count: 4 }] },
    ]);
    s = { ...s, clusters: { neu: cluster("Running", 4) } };
    const ready = runbookStep(passiveCold, s, policy, "x");
    assert.equal(ready.incident?.step, "waiting-ready");
    s = { ...s, open: ready.incident!, now: s.now + 10_000 };
    const waiting = runbookStep(passiveCold, s, policy, "x");
    assert.deepEqual(
      [waiting.incident?.step ?? "waiting-ready", waiting.effects],
      ["waiting-ready", []],
      "still waiting while neu fails its probes",
    );
    s = { ...s, evidence: { weu: "down", neu: "healthy" } };
    const shifting = runbookStep(passiveCold, s, policy, "x");
    assert.equal(shifting.incident?.step, "shifting-traffic");
  });

  it("passive-cold: a suspicion that clears stops pre-warming and stops the cluster it started", () => {
    const s = situation({
      kept: { weu: "suspect", neu: "down" },
      clusters: { neu: cluster("Stopped") },
    });
    const opened = runbookStep(passiveCold, s, policy, "inc-1").incident!;
    const cleared = runbookStep(
      passiveCold,
      {
        ...s,
        open: opened,
        kept: { weu: "healthy", neu: "down" },
        clusters: { neu: cluster("Running") },
      },
      policy,
      "x",
    );
    assert.equal(cleared.incident?.step, "aborted");
    assert.deepEqual(cleared.effects, [{ kind: "stop-cluster", region: "neu" }]);
    const keep = runbookStep(
      passiveCold,
      { ...s, open: opened, kept: { weu: "healthy", neu: "down" } },
      { ...policy, stopColdOnClear: false },
      "x",
    );
    assert.deepEqual(keep.effects, [], "with stopColdClusterOnClear off, the cluster stays up");
  });

  it("active-active: a down region is disabled, and enabled again once healthy", () => {
    const down = runbookStep(activeActive, situation({ kept: WEU_DOWN }), policy, "x");
    assert.deepEqual(
      [down.incident?.kind, down.incident?.shift],
      ["failover", { kind: "disable", region: "weu" }],
    );
    const back = runbookStep(
      activeActive,
      situation({ routing: routing("neu", ["weu"]) }),
      policy,
      "x",
    );
    assert.deepEqual(
      [back.incident?.kind, back.incident?.shift],
      ["failback", { kind: "enable", region: "weu" }],
    );
  });
});

describe("runbook: safety rules", () => {
  const refusal = (group: RunbookGroup, s: Situation, p = policy) =>
    runbookStep(group, s, p, "x").refusal?.rule;

  it("never disables the last healthy region", () => {
    assert.equal(
      refusal(activeActive, situation({ kept: { weu: "down", neu: "down" } })),
      "last-healthy-region",
    );
  });

  it("never fails over when no other region is healthy", () => {
    assert.equal(
      refusal(activePassive, situation({ kept: { weu: "down", neu: "suspect" } })),
      "no-target",
    );
  });

  it("never promotes a target that stopped being healthy: the step waits and says why", () => {
    const open = runbookStep(activePassive, situation({ kept: WEU_DOWN }), policy, "x").incident!;
    const shifting = { ...open, step: "shifting-traffic" as const };
    const r = runbookStep(
      activePassive,
      situation({ kept: { weu: "down", neu: "suspect" }, open: shifting }),
      policy,
      "x",
    );
    assert.equal(r.refusal?.rule, "unhealthy-target");
    assert.deepEqual(r.effects, []);
  });

  it("stops after the automatic failover cap and waits for a person", () => {
    const earlier = {
      ...runbookStep(activePassive, situation({ kept: WEU_DOWN }), policy, "e").incident!,
      step: "completed" as const,
    };
    const s = situation({ kept: { weu: "down", neu: "healthy" }, recent: [earlier] });
    assert.equal(refusal(activePassive, s), "failover-cap");
    assert.equal(
      refusal(activePassive, { ...s, now: s.now + 3_600_001 }),
      undefined,
      "the window passes",
    );
  });

  it("does nothing automatic while paused", () => {
    assert.equal(
      refusal(activePassive, situation({ kept: { weu: "down", neu: "healthy" }, paused: true })),
      "automation-paused",
    );
  });

  it("fails a step that exceeds its timeout, with no effect", () => {
    const open = {
      ...runbookStep(activePassive, situation({ kept: WEU_DOWN }), policy, "x").incident!,
      step: "shifting-traffic" as const,
    };
    const r = runbookStep(
      activePassive,
      situation({ kept: { weu: "down", neu: "healthy" }, open, now: open.stepStartedAt + 60_001 }),
      policy,
      "x",
    );
    assert.equal(r.incident?.step, "failed");
    assert.deepEqual(r.effects, []);
  });

  it("decides nothing when the lever cannot be read", () => {
    const s = situation({ kept: WEU_DOWN });
    const { routing: _gone, ...rest } = s;
    assert.deepEqual(runbookStep(activePassive, rest, policy, "x"), { opened: false, effects: [] });
  });

  it("a manual failover to an unhealthy region needs the break-glass override, which is recorded", () => {
    const s = situation({ kept: { weu: "healthy", neu: "suspect" } });
    const refused = openManual(
      activePassive,
      { kind: "failover", to: "neu", override: false, by: "ops@contoso", reason: "drill" },
      s,
      "m",
    );
    assert.equal(refused.refusal?.rule, "unhealthy-target");
    const forced = openManual(
      activePassive,
      {
        kind: "failover",
        to: "neu",
        override: true,
        by: "ops@contoso",
        reason: "region evacuation",
      },
      s,
      "m",
    );
    assert.deepEqual(
      [forced.incident?.trigger, forced.incident?.override, forced.incident?.requestedBy],
      ["manual", true, "ops@contoso"],
    );
    assert.match(forced.incident!.history[0]!.note, /\(override\)$/);
  });
});

describe("runbook: safety rules around pausing, pre-warming and the cap", () => {
  const downA = { kept: { weu: "down", neu: "healthy" } as Record<string, Verdict> };

  it("an automatic incident already open takes no step and sends no effect while paused, and still times out", () => {
    const open = {
      ...runbookStep(activePassive, situation(downA), policy, "x").incident!,
      step: "shifting-traffic" as const,
    };
    const paused = runbookStep(
      activePassive,
      situation({ ...downA, open, paused: true }),
      policy,
      "x",
    );
    assert.deepEqual([paused.effects, paused.refusal?.rule], [[], "automation-paused"]);
    const later = runbookStep(
      activePassive,
      situation({ ...downA, open, paused: true, now: open.stepStartedAt + 60_001 }),
      policy,
      "x",
    );
    assert.equal(later.incident?.step, "failed");
    assert.deepEqual(later.effects, []);
  });

  it("a manual incident goes on while automation is paused", () => {
    const manual = openManual(
      activePassive,
      { kind: "failover", to: "neu", override: false, by: "ops", reason: "drill" },
      situation(),
      "m",
    ).incident!;
    const r = runbookStep(
      activePassive,
      situation({ open: { ...manual, step: "shifting-traffic" }, paused: true }),
      policy,
      "x",
    );
    assert.deepEqual(r.effects, [{ kind: "promote", region: "neu" }]);
  });

  it("an aborted pre-warm never stops a cluster that now serves as primary", () => {
    const s = situation({
      kept: { weu: "suspect", neu: "down" },
      clusters: { neu: cluster("Stopped") },
    });
    const opened = runbookStep(passiveCold, s, policy, "inc-1").incident!;
    const promotedByHand = runbookStep(
      passiveCold,
      { ...s, open: opened, kept: { weu: "healthy", neu: "healthy" }, routing: routing("neu") },
      policy,
      "x",
    );
    assert.equal(promotedByHand.incident?.step, "aborted");
    assert.deepEqual(promotedByHand.effects, []);
  });

  it("a pre-warm passes the pause and the cap before it starts anything", () => {
    const suspect = situation({
      kept: { weu: "suspect", neu: "down" },
      clusters: { neu: cluster("Stopped") },
    });
    assert.equal(
      runbookStep(passiveCold, { ...suspect, paused: true }, policy, "x").refusal?.rule,
      "automation-paused",
    );
    const earlier = {
      ...runbookStep(activePassive, situation(downA), policy, "e").incident!,
      step: "completed" as const,
    };
    const capped = runbookStep(passiveCold, { ...suspect, recent: [earlier] }, policy, "x");
    assert.deepEqual([capped.refusal?.rule, capped.effects], ["failover-cap", []]);
  });

  it("the cap counts a failover from its confirmation, not from the pre-warm that preceded it", () => {
    const prewarmedLongAgo: Incident = {
      ...runbookStep(activePassive, situation(downA), policy, "e").incident!,
      openedAt: 1_000_000 - 4_000_000,
      step: "completed",
      history: [
        { step: "prewarming", at: 1_000_000 - 4_000_000, epoch: 1, note: "" },
        { step: "confirmed", at: 1_000_000 - 300_000, epoch: 1, note: "" },
      ],
    };
    assert.equal(
      runbookStep(activePassive, situation({ ...downA, recent: [prewarmedLongAgo] }), policy, "x")
        .refusal?.rule,
      "failover-cap",
    );
  });

  it("a pre-warm that runs past the wake timeout ends, even when the primary is down and the cap refuses", () => {
    const s = situation({
      kept: { weu: "suspect", neu: "down" },
      clusters: { neu: cluster("Stopped") },
    });
    const opened = runbookStep(passiveCold, s, policy, "inc-1").incident!;
    const earlier = {
      ...runbookStep(activePassive, situation(downA), policy, "e").incident!,
      step: "completed" as const,
    };
    const late = runbookStep(
      passiveCold,
      {
        ...s,
        open: opened,
        kept: { weu: "down", neu: "down" },
        recent: [earlier],
        clusters: { neu: cluster("Running") },
        now: opened.stepStartedAt + 600_001,
      },
      policy,
      "x",
    );
    assert.equal(late.incident?.step, "aborted");
    assert.deepEqual(late.effects, [{ kind: "stop-cluster", region: "neu" }]);
  });
});

describe("runbook: what the Azure levers report", () => {
  it("passive-cold: a cluster whose start failed ends the incident as failed, not waking forever", () => {
    const r = drive(
      passiveCold,
      situation({
        kept: { weu: "down", neu: "down" },
        evidence: { weu: "down", neu: "down" },
        clusters: { neu: cluster("Failed") },
      }),
    );
    // One start is tried (the cluster may be Failed from an earlier operation); it stays Failed.
    assert.deepEqual(r.steps, ["detected", "confirmed", "waking", "failed"]);
    assert.match(r.incident!.history.at(-1)!.note, /neu's cluster failed to start/);
    assert.deepEqual(r.effects, ["start-cluster neu"]);
  });

  it("a promotion that leaves two regions tied at the top is not done yet", () => {
    const tied: RoutingState = {
      regions: [
        { region: "weu", enabled: true, priority: 1 },
        { region: "neu", enabled: true, priority: 1 },
      ],
    };
    const r = drive(
      activePassive,
      situation({ kept: { weu: "down", neu: "healthy" }, routing: tied, entryHealthy: true }),
      policy,
      4,
    );
    assert.ok(!r.steps.includes("verifying"), r.steps.join(", "));
    assert.deepEqual(r.effects.slice(0, 1), ["promote neu"]);
  });

  it("passive-cold: a pre-warm that clears while the cluster is still starting stops it once it runs", () => {
    const suspect = situation({
      kept: { weu: "suspect", neu: "healthy" },
      clusters: { neu: cluster("Stopped") },
    });
    let incident = runbookStep(passiveCold, suspect, policy, "pw").incident!;
    incident = runbookStep(
      passiveCold,
      { ...suspect, open: incident, now: suspect.now + 1 },
      policy,
      "x",
    ).incident!;
    assert.equal(incident.startedCluster, true);
    const cleared = { ...suspect, kept: { weu: "healthy" as Verdict, neu: "healthy" as Verdict } };
    const starting = runbookStep(
      passiveCold,
      { ...cleared, clusters: { neu: cluster("Starting") }, open: incident, now: suspect.now + 2 },
      policy,
      "x",
    );
    assert.equal(starting.incident?.step ?? incident.step, "prewarming");
    assert.deepEqual(starting.effects, []);
    const running = runbookStep(
      passiveCold,
      {
        ...cleared,
        clusters: { neu: cluster("Running") },
        open: starting.incident ?? incident,
        now: suspect.now + 3,
      },
      policy,
      "x",
    );
    assert.equal(running.incident?.step, "aborted");
    assert.deepEqual(running.effects, [{ kind: "stop-cluster", region: "neu" }]);
  });

  /** Drives an active-passive failover up to verifying, then feeds `routings` tick by tick. */
  function verifyWith(ticks: { routing: RoutingState; advanceMs?: number }[]) {
    let s = situation({ kept: { weu: "down", neu: "healthy" }, entryHealthy: true });
    let incident = runbookStep(activePassive, s, policy, "inc-p").incident!;
    const step = (over: Partial<Situation>, advanceMs = 10_000) => {
      s = { ...s, ...over, open: incident, now: s.now + advanceMs };
      incident = runbookStep(activePassive, s, policy, "unused").incident ?? incident;
    };
    while (incident.step !== "shifting-traffic") step({});
    step({}); // asks for the promotion
    for (const t of ticks) step({ routing: t.routing }, t.advanceMs);
    return incident;
  }
  const propagating = { ...routing("neu"), propagating: true };

  it("verifies only once the lever has deployed the change, then completes", () => {
    const incident = verifyWith([
      { routing: propagating },
      { routing: propagating },
      { routing: propagating },
      { routing: routing("neu"), advanceMs: 700_000 },
    ]);
    assert.equal(incident.step, "completed");
    assert.ok(incident.history.some((h) => /propagating/.test(h.note)));
  });

  it("stays verifying while the change propagates, within the propagation timeout", () => {
    const incident = verifyWith([
      { routing: propagating },
      { routing: propagating },
      { routing: propagating, advanceMs: 800_000 },
    ]);
    assert.equal(incident.step, "verifying");
  });

  /** As verifyWith, for a lever whose data plane lags with no signal (Front Door). */
  function verifyLagging(
    ticks: { entryHealthy: boolean | undefined; advanceMs: number }[],
    group: RunbookGroup = activePassive,
  ) {
    const lever = { promote: true, enable: true, dataPlaneLag: true };
    let s = situation({ kept: { weu: "down", neu: "healthy" }, entryHealthy: true, lever });
    let incident = runbookStep(group, s, policy, "inc-l").incident!;
    const step = (over: Partial<Situation>, advanceMs = 10_000) => {
      s = { ...s, ...over, open: incident, now: s.now + advanceMs };
      incident = runbookStep(group, s, policy, "unused").incident ?? incident;
    };
    while (incident.step !== "shifting-traffic") step({});
    step({}); // asks for the promotion
    // The lever shows the new routing at once and says nothing of propagation.
    for (const t of ticks)
      step({ routing: routing("neu"), entryHealthy: t.entryHealthy }, t.advanceMs);
    return incident;
  }

  it("a lever with a data-plane lag: the entry point gets the propagation timeout, whatever the lever's status says", () => {
    const waiting = verifyLagging([
      { entryHealthy: false, advanceMs: 10_000 },
      { entryHealthy: false, advanceMs: 600_000 },
    ]);
    assert.equal(waiting.step, "verifying", "past the 60 s step timeout, within 900 s");
    assert.ok(waiting.history.some((h) => /waiting for its edge to serve it/.test(h.note)));

    const done = verifyLagging([
      { entryHealthy: false, advanceMs: 10_000 },
      { entryHealthy: false, advanceMs: 600_000 },
      { entryHealthy: true, advanceMs: 10_000 },
    ]);
    assert.equal(done.step, "completed");
    assert.match(
      done.history.at(-1)!.note,
      /global entry point answers on the new routing, \d+ s after the lever took the change/,
    );

    const failed = verifyLagging([
      { entryHealthy: false, advanceMs: 10_000 },
      { entryHealthy: false, advanceMs: 1_000_000 },
    ]);
    assert.equal(failed.step, "failed");
    assert.match(
      failed.history.at(-1)!.note,
      /did not follow through the global entry point within 960 s/,
    );
  });

  it("a lever with a data-plane lag and an entry point: no current view of the entry point is no evidence", () => {
    const waiting = verifyLagging(
      [
        { entryHealthy: undefined, advanceMs: 10_000 },
        { entryHealthy: undefined, advanceMs: 10_000 },
      ],
      { ...activePassive, entryPoint: true },
    );
    assert.equal(waiting.step, "verifying");
  });

  it("a lever without that lag gives the entry point the step timeout", () => {
    let s = situation({ kept: { weu: "down", neu: "healthy" }, entryHealthy: true });
    let incident = runbookStep(activePassive, s, policy, "inc-n").incident!;
    const step = (over: Partial<Situation>, advanceMs = 10_000) => {
      s = { ...s, ...over, open: incident, now: s.now + advanceMs };
      incident = runbookStep(activePassive, s, policy, "unused").incident ?? incident;
    };
    while (incident.step !== "shifting-traffic") step({});
    step({});
    step({ routing: routing("neu"), entryHealthy: false });
    step({ routing: routing("neu"), entryHealthy: false }, 120_000);
    assert.equal(incident.step, "failed");
  });

  it("fails when the change does not deploy within the propagation timeout", () => {
    const incident = verifyWith([
      { routing: propagating },
      { routing: propagating },
      { routing: propagating, advanceMs: 950_000 },
    ]);
    assert.equal(incident.step, "failed");
    assert.match(incident.history.at(-1)!.note, /did not deploy the change within 900 s/);
  });
});
