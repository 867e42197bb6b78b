// Decisions an operator can trust, through the real ticks of two observers (memory store and
// levers, a prober the test steers, virtual time): a stale failover stops before it moves
// traffic and its standby goes cold again; a passive-cold failover and failback end with the
// standby stopped, in the audit log; a manual failover stays put past the dwell time until a
// person fails back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { manualCommand, setPause } from "../../src/app/commands.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { ProbeOutcome } from "../../src/core/index.js";
import { primaryOf } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Prober } from "../../src/ports/prober.js";
import { ManualClock, runtimeFor } from "../helpers/runtime.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const INTERVAL = 10_000;
const DWELL_S = 60;

function world(model: "active-passive" | "passive-cold") {
  const clock = new ManualClock();
  const store = new MemoryStateStore();
  const router = new MemoryTrafficRouter([
    {
      name: "g",
      model,
      regions: [
        { name: "westeurope", role: "primary" },
        { name: "northeurope", role: "secondary" },
      ],
    },
  ]);
  const clusters = new MemoryClusterControl(clock, { startMs: 30_000, stopMs: 10_000 });
  if (model === "passive-cold")
    clusters.add("g", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
  const down = new Set<string>();
  const prober: Prober = {
    probe: async (request): Promise<ProbeOutcome> => {
      const host = request.kind === "http" ? new URL(request.url).hostname : "";
      const region = host === "entry.test" ? primaryOf(router.peek("g")) : host.split(".")[0];
      const cold =
        model === "passive-cold" &&
        region === "northeurope" &&
        clusters.peek("g", "northeurope") !== "Running";
      return region && !down.has(region) && !cold
        ? { ok: true, latencyMs: 5, statusCode: 200 }
        : { ok: false, latencyMs: 5, error: { kind: "http-status", message: "503" } };
    },
  };
  const raw: TandemConfigInput = {
    observers: [{ region: "westeurope" }, { region: "northeurope" }],
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    policy: {
      intervalSeconds: INTERVAL / 1000,
      confirmRetries: 0,
      failureThreshold: 2,
      successThreshold: 2,
      dwellSeconds: DWELL_S,
      autoFailback: true,
      maxAutoFailovers: 5,
      wakeTimeoutSeconds: 600,
    },
    groups: [
      {
        name: "g",
        model,
        entryPoint: { url: "http://entry.test/healthz" },
        regions: ["westeurope", "northeurope"].map((name, i) => ({
          name,
          role: i === 0 ? ("primary" as const) : ("secondary" as const),
          probe: { url: `http://${name}.test/healthz` },
          ...(model === "passive-cold" && i === 1
            ? {
                cluster: {
                  resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/neu`,
                  nodePools: [{ name: "user", count: 3 }],
                },
              }
            : {}),
        })),
      },
    ],
  };
  let runtimes: Runtime[] = [];
  const start = async () => {
    runtimes = [
      await runtimeFor(raw, "westeurope", {
        store,
        clock,
        router,
        clusters,
        prober,
        instance: "w",
      }),
      await runtimeFor(raw, "northeurope", {
        store,
        clock,
        router,
        clusters,
        prober,
        instance: "n",
      }),
    ];
  };
  const tick = async () => {
    for (const rt of runtimes) await runProbeTick(rt);
    for (const rt of runtimes) await runOrchestrateTick(rt);
    clock.advance(INTERVAL);
  };
  const incidents = async () => (await store.readIncidents("g")).map((s) => s.incident);
  /** Ticks until `done` says so, or fails after `max` ticks saying what it saw. */
  const until = async (what: string, done: () => Promise<boolean>, max = 60) => {
    for (let i = 0; i < max; i++) {
      if (await done()) return;
      await tick();
    }
    assert.fail(`${what} did not happen in ${max} ticks: ${JSON.stringify(await incidents())}`);
  };
  return {
    clock,
    store,
    router,
    clusters,
    down,
    start,
    tick,
    until,
    incidents,
    runtimes: () => runtimes,
  };
}

const holder = (w: ReturnType<typeof world>) => w.runtimes()[0]!;
const caller = { name: "ops@example", via: "test" };

describe("decisions an operator can trust", () => {
  it("both regions down, standby woken, both back before the shift: the failover aborts, no traffic moves, the standby goes cold again", async () => {
    const w = world("passive-cold");
    await w.start();
    for (let i = 0; i < 8; i++) await w.tick();
    w.down.add("westeurope");
    w.down.add("northeurope");
    await w.until("the failover to wake the standby and wait for it to serve", async () =>
      (await w.incidents()).some((i) => i.step === "waiting-ready"),
    );
    // Both come back while the failover waits for the standby, before any traffic moved.
    w.down.clear();
    await w.until("the failover to end", async () =>
      (await w.incidents()).every((i) => ["completed", "failed", "aborted"].includes(i.step)),
    );
    const [failover] = await w.incidents();
    assert.equal(failover?.step, "aborted", JSON.stringify(failover?.history));
    assert.match(
      failover!.history.at(-1)!.note,
      /westeurope is (recovering|healthy) again before traffic moved/,
    );
    assert.deepEqual(w.router.changes, [], "no traffic moved");
    await w.until(
      "the standby to be stopped again",
      async () => w.clusters.peek("g", "northeurope") === "Stopped",
    );
    assert.deepEqual(
      w.clusters.changes.filter((c) => !c.startsWith("scale")),
      ["start northeurope", "stop northeurope"],
      "woken once, stopped once",
    );
    const refreshed = (await w.incidents()).find((i) => i.id === failover!.id);
    assert.ok(refreshed?.returnedToColdAt, "the incident that woke it says it went cold again");
  });

  it("a passive-cold failover and failback end with the standby stopped, and the audit log shows the stop", async () => {
    const w = world("passive-cold");
    await w.start();
    for (let i = 0; i < 8; i++) await w.tick();
    w.down.add("westeurope");
    await w.until("the failover to complete", async () =>
      (await w.incidents()).some((i) => i.kind === "failover" && i.step === "completed"),
    );
    assert.equal(primaryOf(w.router.peek("g")), "northeurope");
    w.down.clear();
    await w.until(
      "the failback to complete",
      async () =>
        (await w.incidents()).some((i) => i.kind === "failback" && i.step === "completed"),
      80,
    );
    assert.equal(primaryOf(w.router.peek("g")), "westeurope");
    assert.equal(w.clusters.peek("g", "northeurope"), "Running", "not stopped at once");
    await w.until(
      "the standby to be stopped again",
      async () => w.clusters.peek("g", "northeurope") === "Stopped",
    );
    const stops = (await w.store.readActions()).filter(
      (a) => a.name === "stop-cluster northeurope",
    );
    assert.deepEqual(
      stops.map((a) => a.outcome),
      ["started", "done"],
      "the stop is in the audit log, intent and outcome",
    );
    assert.equal(
      w.clusters.changes.filter((c) => c === "stop northeurope").length,
      1,
      "stopped once",
    );
  });

  it("a manual failover with autoFailback on stays put past the dwell time, then fails back when a person says so", async () => {
    const w = world("active-passive");
    await w.start();
    for (let i = 0; i < 8; i++) await w.tick();
    const outcome = await manualCommand(
      holder(w),
      caller,
      "g",
      {
        kind: "failover",
        to: "northeurope",
        override: false,
        by: caller.name,
        reason: "maintenance",
      },
      { dryRun: false },
    );
    assert.equal(outcome.kind, "accepted");
    await w.until("the manual failover to complete", async () =>
      (await w.incidents()).some((i) => i.trigger === "manual" && i.step === "completed"),
    );
    // Three dwell times with both regions healthy: automatic failback would have undone it.
    for (let i = 0; i < (3 * DWELL_S * 1000) / INTERVAL; i++) await w.tick();
    assert.equal(primaryOf(w.router.peek("g")), "northeurope", "the person's routing held");
    assert.equal((await w.incidents()).length, 1, "no automatic failback was opened");
    const refusals = (await w.store.readActions()).filter((a) => a.name === "rule manual-routing");
    assert.equal(refusals.length, 1, "the standing refusal is audited once");

    await setPause(holder(w), caller, "g", false, "maintenance over: automation may fail back");
    await w.until(
      "traffic to return to westeurope",
      async () => primaryOf(w.router.peek("g")) === "westeurope",
    );
    const last = (await w.incidents()).at(-1);
    assert.equal(last?.kind, "failback");
    assert.equal(last?.trigger, "automatic");
  });
});
