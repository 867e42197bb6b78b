import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleepFor } from "node:timers/promises";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";
import { StoreError } from "../../src/ports/state-store.js";
import type { TrafficRouter } from "../../src/ports/traffic-router.js";
import { ManualClock, regionalApps, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

describe("orchestrate tick", () => {
  const { weu, neu } = regionalApps();

  async function pair(router?: TrafficRouter) {
    const store = new MemoryStateStore();
    const clock = new ManualClock();
    const config = {
      ...twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl }),
      policy: {
        intervalSeconds: 2,
        probeTimeoutSeconds: 1,
        failureThreshold: 3,
        successThreshold: 2,
        dwellSeconds: 6,
        confirmRetries: 0,
      },
    };
    const levers = router ? { router } : {};
    const west = await runtimeFor(config, "westeurope", { store, clock, instance: "w", ...levers });
    const north = await runtimeFor(config, "northeurope", {
      store,
      clock,
      instance: "n",
      ...levers,
    });
    return { store, clock, observers: [west, north] as const };
  }

  async function round(clock: ManualClock, observers: readonly Runtime[]) {
    clock.advance(2000);
    for (const rt of observers) await runProbeTick(rt);
    const results = [];
    for (const rt of observers) results.push(await runOrchestrateTick(rt));
    return results;
  }

  /** Rounds until someone holds the lease: the first holder waits one lease duration (6 s). */
  async function warmUp(clock: ManualClock, observers: readonly Runtime[]) {
    const leaders: boolean[] = [];
    let results = await round(clock, observers);
    for (let i = 0; i < 6 && !results.some((r) => r.lease.leader); i++) {
      leaders.push(results.some((r) => r.lease.leader));
      results = await round(clock, observers);
    }
    assert.ok(
      leaders.length >= 2,
      "nobody acts before the absent lease row has been seen for the lease duration",
    );
    return results;
  }

  it("only the lease holder keeps verdicts, and a region goes down only once both observers agree", async () => {
    const { store, clock, observers } = await pair();
    let results = await warmUp(clock, observers);
    assert.deepEqual(
      results.map((r) => [r.observer, r.lease.leader]),
      [
        ["westeurope", true],
        ["northeurope", false],
      ],
    );
    assert.equal(results[1]!.groups[0]!.states, undefined, "a follower keeps no verdicts");
    assert.equal(results[0]!.groups[0]!.states!["westeurope"]!.verdict, "healthy");

    weu.mode = "down";
    try {
      const seen: string[] = [];
      for (let i = 0; i < 4; i++) {
        results = await round(clock, observers);
        seen.push(results[0]!.groups[0]!.states!["westeurope"]!.verdict);
      }
      assert.deepEqual(seen, ["suspect", "suspect", "down", "down"]);
      assert.equal(
        (await store.readRegionStates("shop")).states["northeurope"]!.verdict,
        "healthy",
      );
    } finally {
      weu.mode = "up";
    }
    const recovery: string[] = [];
    for (let i = 0; i < 6; i++)
      recovery.push((await round(clock, observers))[0]!.groups[0]!.states!["westeurope"]!.verdict);
    assert.deepEqual(recovery.slice(0, 2), ["recovering", "recovering"]);
    assert.equal(
      recovery.at(-1),
      "healthy",
      `recovered after the dwell time: ${recovery.join(", ")}`,
    );
    const recorded = (await store.readActions()).filter((a) => a.name === "record-verdicts");
    assert.ok(
      recorded.every(
        (a) =>
          a.actor === "westeurope#w" &&
          a.epoch === 1 &&
          (a.outcome === "started" || a.outcome === "done"),
      ),
    );
    assert.ok(
      recorded.length < 24,
      `verdicts are written when they change, not every tick (${recorded.length} writes)`,
    );
  });

  it("reports a peer that never wrote as stale only once this process has watched for the stale bound", async () => {
    const { clock, observers } = await pair();
    const [west] = observers;
    const bound = 6000; // three intervals of 2 s: the default observerStaleSeconds
    const reported: [number, readonly string[]][] = [];
    const start = clock.now();
    for (let i = 0; i < 6; i++) {
      clock.advance(2000);
      await runProbeTick(west);
      reported.push([clock.now() - start, (await runOrchestrateTick(west)).stalePeers]);
    }
    const early = reported.filter(([at]) => at - 2000 < bound);
    assert.ok(early.length >= 2);
    for (const [at, stale] of early) assert.deepEqual(stale, [], `reported stale at ${at} ms`);
    assert.deepEqual(reported.at(-1)![1], ["northeurope"]);
  });

  it("takes no action and says so when the store cannot be read", async () => {
    const { store, clock, observers } = await pair();
    await warmUp(clock, observers);
    weu.mode = "down";
    try {
      // Two rounds of failures: the third would confirm westeurope down and record it.
      await round(clock, observers);
      await round(clock, observers);
      const writes = (await store.readActions()).length;
      store.readAllObservations = async () => {
        throw new StoreError("unavailable", "state store: reading heartbeats failed: ECONNREFUSED");
      };
      const [west] = await round(clock, observers);
      assert.deepEqual(west!.groups, []);
      assert.ok(
        west!.problems.includes(
          "state store: reading heartbeats failed: ECONNREFUSED: no action this tick",
        ),
      );
      assert.equal(
        (await store.readActions()).length,
        writes,
        "nothing recorded: the down verdict waits for the store",
      );
      assert.notEqual((await store.readRegionStates("shop")).states["westeurope"]!.verdict, "down");
    } finally {
      weu.mode = "up";
    }
  });

  /**
   * westeurope's holder and northeurope, with Azure holding every read of the levers until
   * `release()`, and a decision waiting for it until its deadline (far away: on this manual clock
   * a sleep passes at once, so the long wait lasts until Azure answers). `order` records the
   * lever reads, the verdicts written and the runbook state read.
   */
  async function slowAzure() {
    const router = shopRouter();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const { store, clock, observers } = await pair(router);
    await warmUp(clock, observers);
    const [west, north] = observers;
    const read = router.read.bind(router);
    router.read = async (...args) => {
      order.push("lever read");
      await gate;
      return read(...args);
    };
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      if (ms >= 30_000) await gate;
      return sleep(ms, signal);
    };
    const readRunbookState = store.readRunbookState.bind(store);
    store.readRunbookState = (...args) => (order.push("state read"), readRunbookState(...args));
    let keptDown = () => {};
    const down = new Promise<void>((resolve) => (keptDown = resolve));
    /** Holds the write of a down verdict until it settles, when set. */
    const hold: { until?: Promise<unknown> } = {};
    const write = store.writeRegionStates.bind(store);
    store.writeRegionStates = async (...args) => {
      const verdicts = Object.values(args[1]).map((s) => s.verdict);
      if (verdicts.includes("down") && hold.until) await hold.until;
      const written = await write(...args);
      order.push(`verdicts ${verdicts.join(",")}`);
      if (verdicts.includes("down")) keptDown();
      return written;
    };
    const probes = async () => {
      clock.advance(2000);
      await runProbeTick(west);
      await runProbeTick(north);
    };
    weu.mode = "down";
    await probes();
    // The first failure moves westeurope to suspect: the runbook reads the levers, and waits.
    const first = runOrchestrateTick(west, { leverDeadline: clock.now() + 60_000 }).then(
      (r) => (order.push("first done"), r),
    );
    while (!order.includes("lever read")) await new Promise((r) => setTimeout(r, 5));
    // Two more failures: the next decision keeps westeurope down.
    await probes();
    await probes();
    return { store, west, order, release, first, down, hold };
  }

  it("keeps a verdict while another decision's runbook step waits on Azure, then runs its own step after it", async () => {
    const { store, west, order, release, first, down } = await slowAzure();
    try {
      const second = runOrchestrateTick(west).then((r) => (order.push("second done"), r));
      // Azure answers when the second decision has kept its verdict, or after 20 s of real time.
      const late = new AbortController();
      await Promise.race([down, first, sleepFor(20_000, undefined, { signal: late.signal })]);
      late.abort();
      release();
      const [a, b] = await Promise.all([first, second]);
      assert.ok(
        order.indexOf("verdicts down,healthy") < order.indexOf("first done"),
        `the second decision kept down while the first waited on Azure: ${order.join(" | ")}`,
      );
      assert.ok(
        order.lastIndexOf("lever read") > order.indexOf("first done"),
        `the second decision's runbook read the levers after the first's steps ended: ${order.join(" | ")}`,
      );
      for (const r of [a, b])
        assert.deepEqual(
          r.problems.filter((p) => p.includes("not recorded")),
          [],
          "neither decision lost its write to the other",
        );
      assert.equal(b.groups[0]!.states!["westeurope"]!.verdict, "down");
      assert.equal((await store.readRegionStates("shop")).states["westeurope"]!.verdict, "down");
    } finally {
      weu.mode = "up";
    }
  });

  it("reads the runbook state again when another decision's steps ended while it kept its verdicts", async () => {
    const { west, order, release, first, hold } = await slowAzure();
    try {
      // The second decision reads the state, then its verdict write waits until the first
      // decision's steps have ended: it finds the runbook's lane free, and what it read is old.
      hold.until = first;
      const second = runOrchestrateTick(west).then((r) => (order.push("second done"), r));
      while (order.filter((o) => o === "state read").length < 2)
        await new Promise((r) => setTimeout(r, 5));
      release();
      await Promise.all([first, second]);
      const after = order.slice(order.indexOf("first done"));
      assert.ok(
        after.includes("state read") && after.indexOf("state read") < after.indexOf("second done"),
        `the second decision read the incidents and lever views again before its steps: ${order.join(" | ")}`,
      );
    } finally {
      weu.mode = "up";
    }
  });
});
