// From the verdict to the lever in the tick that decides: where nothing is left to wait for, the
// holder records `detected` and `confirmed` and starts the shift in one tick, each step written
// before the next (the crash points are in runbook-crash.test.ts). Where something is left to
// wait for, the chain stops there.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downTick, shopHolder } from "../helpers/shop-runbook.js";

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
  });
});
