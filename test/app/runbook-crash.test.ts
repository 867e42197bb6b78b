// Crash points: a passive-cold failover driven through the runbook tick by one lease holder that
// crashes after any tick, between recording a step and carrying out its effect, or after any one
// of its writes (so between the steps one tick takes in a row); a new holder takes over and
// finishes. Every run must end in the same state, with no effect applied twice.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { primaryOf } from "../../src/core/index.js";
import type { World } from "../helpers/catalog-runbook.js";
import { holder, lead, stepsOf, verdicts, world } from "../helpers/catalog-runbook.js";
import { WAKING_FAILOVER } from "../helpers/runbook-fixtures.js";

/** Whether a holder's process has died: every call it makes fails from then on. */
interface Death {
  /** Writes to the store it makes before it dies (undefined: it does not die). */
  writesLeft?: number;
  dead: boolean;
}

const STORE_WRITES = new Set([
  "writeIncident",
  "appendAction",
  "writeRegionStates",
  "writeLeverView",
  "createLease",
  "replaceLease",
]);

/** `target` as the dying process sees it: calls fail once it is dead; a store write may kill it. */
function mortal<T extends object>(target: T, death: Death, store: boolean): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (death.dead) throw new Error("the process died");
        if (store && STORE_WRITES.has(String(property)) && death.writesLeft !== undefined) {
          if (death.writesLeft === 0) {
            death.dead = true;
            throw new Error("the process died");
          }
          death.writesLeft--;
        }
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}

const dying = (w: World, name: string, instance: string, death?: Death) =>
  holder(
    w,
    name,
    instance,
    death
      ? {
          store: mortal(w.store, death, true),
          router: mortal(w.router, death, false),
          clusters: mortal(w.clusters, death, false),
        }
      : {},
  );

/** One tick of the holder: renew, then its runbook steps. Returns the incident's history. */
async function tick(w: World, rt: Runtime): Promise<{ step: string }[] | undefined> {
  w.clock.advance(10_000);
  const lease = await tickLease(rt);
  assert.ok(lease.leader, "the holder keeps its lease while it ticks");
  const { evidence, kept } = await verdicts(w);
  const outcome = await runbookTick(rt, rt.config.groups[0]!, evidence, kept, true, lease.epoch!, {
    deadline: rt.clock.now() + 10_000,
    verdictChanged: true,
    operation: "test",
  });
  return outcome.incident?.history.slice();
}

async function run(
  crashAfter: number | undefined,
  dropEffects: boolean,
): Promise<{ w: World; ticks: number; steps: string[] }> {
  const w = world();
  let rt = await holder(w, "northeurope", "a");
  await lead(w, rt);
  let steps: string[] = [];
  for (let i = 0; i < 40; i++) {
    if (crashAfter === i) {
      if (dropEffects) {
        // The holder records the step, then dies before its effect: make this tick's effects fail.
        w.router.fault = () => new Error("process died");
        w.clusters.fault = (call) => (call === "read" ? undefined : new Error("process died"));
        await tick(w, rt);
        w.router.fault = undefined;
        w.clusters.fault = undefined;
      }
      rt = await takeOver(w, `b${i}`);
    }
    const history = await tick(w, rt);
    if (history) steps = stepsOf(history);
    const step = steps.at(-1);
    if (step === "completed" || step === "failed") return { w, ticks: i + 1, steps };
  }
  return { w, ticks: 40, steps };
}

/** A second holder, once the first one's lease has run out. */
async function takeOver(w: World, instance: string): Promise<Runtime> {
  const rt = await holder(w, "swedencentral", instance);
  w.clock.advance(leaseTiming(rt).durationMs);
  await lead(w, rt);
  return rt;
}

/**
 * The first holder dies at its `writes`-th store write (the write is not made; nothing it does
 * after succeeds), wherever that falls: inside a tick, between two steps taken in a row.
 */
async function runDying(writes: number): Promise<{ w: World; steps: string[]; died: boolean }> {
  const w = world();
  const death: Death = { dead: false };
  let rt = await dying(w, "northeurope", "a", death);
  await lead(w, rt);
  death.writesLeft = writes;
  let steps: string[] = [];
  for (let i = 0; i < 40; i++) {
    let history: { step: string }[] | undefined;
    try {
      history = await tick(w, rt);
    } catch {
      history = undefined;
    }
    if (history) steps = stepsOf(history);
    if (death.dead && rt.instance === "a") {
      rt = await takeOver(w, "b");
      continue;
    }
    const step = steps.at(-1);
    if (step === "completed" || step === "failed") break;
  }
  return { w, steps, died: death.dead };
}

describe("runbook crash points", () => {
  it("an uninterrupted passive-cold failover wakes, scales, waits and promotes, each effect once", async () => {
    const { w, steps } = await run(undefined, false);
    assert.deepEqual(steps, WAKING_FAILOVER);
    assert.equal(primaryOf(w.router.peek("catalog")), "northeurope");
    assert.deepEqual(w.clusters.changes, ["start northeurope", "scale northeurope"]);
    assert.deepEqual(w.router.changes, ["promote catalog/northeurope"]);
  });

  it("a crash after any step, or between recording a step and its effect, reaches the same end with no effect twice", async () => {
    const { ticks } = await run(undefined, false);
    for (let k = 0; k < ticks; k++) {
      for (const dropEffects of [false, true]) {
        const { w, steps } = await run(k, dropEffects);
        const label = `crash after tick ${k}${dropEffects ? " (effect lost)" : ""}`;
        assert.equal(steps.at(-1), "completed", `${label}: ${steps.join(" > ")}`);
        assert.equal(primaryOf(w.router.peek("catalog")), "northeurope", label);
        assert.deepEqual(w.clusters.changes, ["start northeurope", "scale northeurope"], label);
        assert.deepEqual(w.router.changes, ["promote catalog/northeurope"], label);
        const incidents = await w.store.readIncidents("catalog");
        assert.equal(incidents.length, 1, `${label}: one incident, resumed, not a second one`);
      }
    }
  });

  it("a holder that dies at any one of its writes, between steps of one tick too, leaves a failover the next holder finishes with no effect twice", async () => {
    let writes = 0;
    for (; writes < 200; writes++) {
      const { w, steps, died } = await runDying(writes);
      const label = `died at write ${writes}: ${steps.join(" > ")}`;
      assert.equal(steps.at(-1), "completed", label);
      assert.equal(primaryOf(w.router.peek("catalog")), "northeurope", label);
      assert.deepEqual(w.clusters.changes, ["start northeurope", "scale northeurope"], label);
      assert.deepEqual(w.router.changes, ["promote catalog/northeurope"], label);
      assert.equal((await w.store.readIncidents("catalog")).length, 1, label);
      if (!died) break;
    }
    // Every write of the whole failover was a crash point, the chained steps' among them.
    assert.ok(writes > 20, `only ${writes} writes were crash points`);
  });
});
