// A failed read of a lever is not a fresh one: the view keeps what was last read (with its age and
// the error), the runbook never decides on the older routing, and a region judged down with no
// incident is read again at the next tick rather than at the slow reconcile. Found in the sandbox:
// one 500 on the read a verdict change triggered held the failover back for five minutes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import { merged } from "../../src/app/lever-view.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { LeverView, RegionEvidence, RegionState, Verdict } from "../../src/core/index.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const routing = {
  regions: [
    { region: "westeurope", enabled: true, priority: 1 },
    { region: "northeurope", enabled: true, priority: 2 },
  ],
};

describe("the lever view a read leaves", () => {
  const stored: LeverView = { routing, clusters: {}, readAt: 1000, epoch: 2 };
  const read = (ok: boolean) => ({
    ...(ok ? { routing } : {}),
    clusters: {},
    needs: { routing: true, clusters: [] },
    startedAt: 5000,
    endedAt: 9000,
    problems: ok ? [] : ["shop: the traffic lever cannot be read: 500 InternalServerError"],
  });

  it("after a read that answered: the new routing, read at its start, in this epoch", () => {
    assert.deepEqual(merged(stored, read(true), 3), {
      routing,
      clusters: {},
      readAt: 5000,
      epoch: 3,
    });
  });

  it("after a failed read: the last good view with its own time, and the failure beside it", () => {
    assert.deepEqual(merged(stored, read(false), 3), {
      routing,
      clusters: {},
      readAt: 1000,
      epoch: 2,
      problems: ["shop: the traffic lever cannot be read: 500 InternalServerError"],
      failedAt: 5000,
    });
  });

  it("after a failed first read: no routing, and the failure", () => {
    const view = merged(undefined, read(false), 3);
    assert.equal(view.routing, undefined);
    assert.equal(view.failedAt, 5000);
  });
});

describe("the runbook after a failed lever read", () => {
  async function rig() {
    const clock = new ManualClock();
    const store = new MemoryStateStore();
    const router = new MemoryTrafficRouter([
      {
        name: "shop",
        model: "active-passive",
        regions: [
          { name: "westeurope", role: "primary" },
          { name: "northeurope", role: "secondary" },
        ],
      },
    ]);
    const rt = await runtimeFor(
      twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
      "westeurope",
      { store, clock, instance: "w", router },
    );
    await tickLease(rt);
    clock.advance(leaseTiming(rt).durationMs);
    const lease = await tickLease(rt);
    assert.ok(lease.leader);
    return { clock, store, router, rt, epoch: lease.epoch! };
  }

  const evidenceOf = (weu: Verdict): RegionEvidence[] =>
    (
      [
        ["westeurope", weu],
        ["northeurope", "healthy"],
      ] as const
    ).map(([region, verdict]) => ({
      region,
      verdict,
      reason: verdict,
      outside: [],
      blocking: [],
      witness: "unknown",
    }));
  const keptOf = (evidence: RegionEvidence[]): Record<string, RegionState> =>
    Object.fromEntries(
      evidence.map((e) => [e.region, { verdict: e.verdict, since: 0, epoch: 1, reason: e.reason }]),
    );

  async function tick(
    w: { clock: ManualClock; store: MemoryStateStore; rt: Runtime; epoch: number },
    verdictChanged: boolean,
  ) {
    w.clock.advance(2000);
    assert.ok((await tickLease(w.rt)).leader, "the holder renews every tick");
    const evidence = evidenceOf("down");
    const views = await w.store.readLeverViews();
    const out = await runbookTick(
      w.rt,
      w.rt.config.groups[0]!,
      evidence,
      keptOf(evidence),
      true,
      w.epoch,
      {
        deadline: w.clock.now() + 5000,
        verdictChanged,
        operation: "test",
        ...(views["shop"] ? { view: views["shop"] } : {}),
      },
    );
    // The view a read leaves is written beside the tick.
    await new Promise((resolve) => setImmediate(resolve));
    return out;
  }

  it("a 500 on the read the verdict change triggered: the next tick reads again and opens the failover", async () => {
    const w = await rig();
    let reads = 0;
    w.router.fault = (call) =>
      call === "read" && ++reads === 1 ? new Error("500 InternalServerError") : undefined;

    const first = await tick(w, true);
    assert.equal(first.incident, undefined, "no failover without knowing where traffic goes");
    assert.ok(first.problems.some((p) => /traffic lever cannot be read: 500/.test(p)));
    const view = (await w.store.readLeverViews())["shop"];
    assert.equal(view?.routing, undefined);
    assert.ok(view?.failedAt !== undefined, "the view says its read failed");

    // No verdict changes now: only the down region with a view that cannot say where traffic goes.
    const second = await tick(w, false);
    assert.equal(reads, 2, "read again at once, not at the slow reconcile");
    assert.equal(second.incident?.kind, "failover", JSON.stringify(second.problems));
    assert.equal(second.incident?.from, "westeurope");
  });

  it("an open incident whose read fails does not act on the routing read before", async () => {
    const w = await rig();
    const opened = await tick(w, true);
    assert.equal(opened.incident?.kind, "failover");
    // Advance until the incident is at shifting-traffic with the lever failing from then on.
    w.router.fault = (call) => (call === "read" ? new Error("503 ServiceUnavailable") : undefined);
    for (let i = 0; i < 4; i++) await tick(w, false);
    const view = (await w.store.readLeverViews())["shop"];
    assert.deepEqual(view?.routing?.regions, routing.regions, "the last good view is kept");
    assert.deepEqual(
      w.router.changes,
      [],
      "nothing was changed on a routing that could not be read",
    );
    const incident = (await w.store.readIncidents("shop"))[0]!.incident;
    assert.notEqual(incident.step, "completed");
  });
});
