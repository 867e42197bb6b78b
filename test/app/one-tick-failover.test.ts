// From the verdict to the lever in the tick that decides: where nothing is left to wait for, the
// holder records `detected` and `confirmed` and starts the shift in one tick, each step written
// before the next (the crash points are in runbook-crash.test.ts). Where something is left to
// wait for, the chain stops there.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tickLease } from "../../src/app/lease-keeper.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { StateStore } from "../../src/ports/state-store.js";
import type { Verdict } from "../../src/core/index.js";
import type { World } from "../helpers/catalog-runbook.js";
import {
  holder,
  lead,
  stepsOf as catalogSteps,
  verdicts,
  world,
} from "../helpers/catalog-runbook.js";
import { downTick, shopHolder } from "../helpers/shop-runbook.js";

/** Every history line's step, repeats kept. */
const stepsOf = (history: readonly { step: string }[] | undefined) =>
  (history ?? []).map((h) => h.step);

describe("one tick from verdict to lever", () => {
  it("a down verdict with a healthy, readable standby: detected, confirmed and the promotion in one tick", async () => {
    const w = await shopHolder();
    const out = await downTick(w, true);
    assert.deepEqual(stepsOf(out.incident?.history), [
      "detected",
      "confirmed",
      "shifting-traffic",
      "shifting-traffic",
    ]);
    assert.equal(out.incident?.history.at(-1)?.note, "promoting northeurope");
    assert.deepEqual(w.router.changes, ["promote shop/northeurope"]);
    // Each step was its own write: the store holds the last, and the audit log has every one.
    const [stored] = await w.store.readIncidents("shop");
    assert.equal(stored?.incident.history.length, 4);
    const names = (await w.store.readActions()).map((a) => `${a.name} ${a.outcome}`);
    for (const step of ["detected", "confirmed", "shifting-traffic"])
      assert.ok(names.includes(`incident ${step} done`), `${step} written: ${names.join("; ")}`);
    assert.ok(
      names.indexOf("incident shifting-traffic done") <
        names.indexOf("promote northeurope started"),
      `the step is written before its effect: ${names.join("; ")}`,
    );
    assert.deepEqual(out.problems, []);
  });

  it("the lever read once for the whole chain", async () => {
    const w = await shopHolder();
    let reads = 0;
    w.router.fault = (call) => {
      if (call === "read") reads++;
      return undefined;
    };
    await downTick(w, true);
    assert.equal(reads, 1);
  });

  it("an effect ends the chain: the verification waits for the next tick's read", async () => {
    const w = await shopHolder();
    const first = await downTick(w, true);
    assert.equal(first.incident?.step, "shifting-traffic");
    assert.ok(!stepsOf(first.incident?.history).includes("verifying"));
    const second = await downTick(w);
    assert.ok(stepsOf(second.incident?.history).includes("verifying"));
  });

  it("a refused shift stops the chain where it stands and changes nothing", async () => {
    const w = await shopHolder();
    await w.store.writePause({ all: true, groups: [] });
    const out = await downTick(w, true);
    assert.deepEqual(w.router.changes, []);
    assert.ok((out.incident?.history.length ?? 0) <= 2, stepsOf(out.incident?.history).join(" > "));
    assert.equal(out.refusal?.rule, "automation-paused", "the refusal is the tick's answer");
  });
});

describe("one tick from verdict to lever, passive-cold", () => {
  /** One tick of the holder with westeurope down; returns what the tick left. */
  async function tick(
    w: World,
    rt: Runtime,
    deadlineMs = 10_000,
    before = () => {},
    westeurope: Verdict = "down",
  ) {
    w.clock.advance(10_000);
    const lease = await tickLease(rt);
    assert.ok(lease.leader);
    const { evidence, kept } = await verdicts(w, westeurope);
    before();
    return runbookTick(rt, rt.config.groups[0]!, evidence, kept, true, lease.epoch!, {
      deadline: rt.clock.now() + deadlineMs,
      verdictChanged: true,
      operation: "test",
    });
  }
  async function started(store?: StateStore) {
    const w = world();
    const rt = await holder(w, "northeurope", "a", store ? { store } : {});
    await lead(w, rt);
    return { w, rt };
  }

  it("the tick that keeps down starts the standby's cluster, on one read of the levers", async () => {
    const { w, rt } = await started();
    const reads = { router: 0, clusters: 0 };
    let beforeStart: typeof reads | undefined;
    w.router.fault = (call) => void (call === "read" && reads.router++);
    w.clusters.fault = (call) => {
      if (call === "read") reads.clusters++;
      if (call === "start") beforeStart ??= { ...reads };
      return undefined;
    };
    // Counted from when the runbook starts (the verdicts above look at the cluster too).
    const out = await tick(w, rt, 10_000, () => Object.assign(reads, { router: 0, clusters: 0 }));
    assert.deepEqual(catalogSteps(out.incident?.history), ["detected", "confirmed", "waking"]);
    assert.deepEqual(w.clusters.changes, ["start northeurope"]);
    assert.deepEqual(
      beforeStart,
      { router: 1, clusters: 1 },
      "the three steps decided on one read",
    );
    assert.equal(out.waiting, undefined);
    assert.deepEqual(out.problems, []);
  });

  it("the tick that finds the woken standby ready moves on and starts the promotion in that tick", async () => {
    const { w, rt } = await started();
    let promotedIn: string[] | undefined;
    for (let i = 0; i < 20 && promotedIn === undefined; i++) {
      const before = (await w.store.readIncidents("catalog"))[0]?.incident.history.length ?? 0;
      const out = await tick(w, rt);
      const steps = (out.incident?.history ?? []).slice(before).map((h) => h.step);
      if (w.router.changes.length > 0) promotedIn = steps;
    }
    // The routing was read again for shifting-traffic: the tick's read was of the cluster only.
    assert.deepEqual(promotedIn, ["waiting-ready", "shifting-traffic", "shifting-traffic"]);
    assert.deepEqual(w.router.changes, ["promote catalog/northeurope"]);
  });

  it("a standby pre-warmed at suspect, running with its pools: the tick that keeps down promotes it", async () => {
    const w = world();
    // Stopped with its node count kept (AKS keeps it across stop and start): no scale-up needed.
    w.clusters.add("catalog", "northeurope", "Stopped", [{ name: "user", count: 4 }]);
    const rt = await holder(w, "northeurope", "a");
    await lead(w, rt);
    const warming = await tick(w, rt, 10_000, () => {}, "suspect");
    assert.equal(warming.incident?.step, "prewarming");
    assert.deepEqual(w.clusters.changes, ["start northeurope"]);
    for (let i = 0; i < 5; i++) await tick(w, rt, 10_000, () => {}, "suspect");
    assert.deepEqual(w.router.changes, [], "nothing moves while westeurope is only suspect");
    const down = await tick(w, rt);
    const steps = catalogSteps(down.incident?.history);
    assert.deepEqual(steps.slice(steps.indexOf("confirmed")), [
      "confirmed",
      "waking",
      "waiting-ready",
      "shifting-traffic",
    ]);
    assert.deepEqual(w.router.changes, ["promote catalog/northeurope"]);
  });

  it("a step that waits (the cluster starting) is one step and one read of the incidents a tick", async () => {
    const w = world();
    let reads = 0;
    const store = new Proxy(w.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        if (property === "readIncidents") reads++;
        return (value as () => unknown).bind(target);
      },
    });
    const rt = await holder(w, "northeurope", "a", { store });
    await lead(w, rt);
    await tick(w, rt);
    reads = 0;
    const waiting = await tick(w, rt);
    assert.equal(waiting.incident?.history.at(-1)?.note, "waking northeurope: Starting");
    assert.equal(reads, 1);
  });

  it("a chain stops at the tick's deadline, each step written, and the next tick goes on", async () => {
    const slow = world();
    // Every incident write takes the whole tick's lever time.
    const store = new Proxy(slow.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        if (property !== "writeIncident") return (value as () => unknown).bind(target);
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          slow.clock.advance(5_000);
        };
      },
    });
    const rt = await holder(slow, "northeurope", "a", { store });
    await lead(slow, rt);
    const first = await tick(slow, rt, 5_000);
    assert.deepEqual(catalogSteps(first.incident?.history), ["detected"]);
    assert.deepEqual(slow.clusters.changes, []);
    const second = await tick(slow, rt, 5_000);
    assert.deepEqual(catalogSteps(second.incident?.history), ["detected", "confirmed"]);
  });
});
