// A lever change that fails is handed to its incident's next step, which records the attempt and
// tries again after the backoff, in the same incident; and the time the change spent on Azure is
// not counted against the step's timeout. Through the runbook tick, with in-memory levers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downTick, failFirst, shopHolder } from "../helpers/shop-runbook.js";

/** Ticks until shop's failover has asked for its change (`asked` says when). */
async function toShift(w: Awaited<ReturnType<typeof shopHolder>>, asked: () => boolean) {
  for (let i = 0; i < 6; i++) {
    await downTick(w, i === 0);
    if (asked()) return;
  }
  throw new Error("no promotion was asked for");
}

describe("a failing lever change, through the runbook tick", () => {
  it("is recorded on its incident as a failed attempt and tried again after the backoff, in the same incident", async () => {
    const w = await shopHolder();
    const promotes = failFirst(w, "promote");
    await toShift(w, () => promotes() > 0);
    assert.equal(promotes(), 1);
    const next = await downTick(w);
    const incident = next.incident!;
    assert.equal(incident.attempts, 1, "the failure reached the incident");
    const line = incident.history.find((h) => h.attempt === 1)!;
    assert.match(line.note, /^promote northeurope failed \(attempt 1\): .*500 InternalServerError/);
    // The backoff (2 s) has passed by the next tick (an interval of 2 s): the change is tried again.
    for (let i = 0; i < 4 && promotes() < 2; i++) await downTick(w);
    assert.equal(promotes(), 2, "tried again");
    for (let i = 0; i < 4; i++) await downTick(w);
    const all = await w.store.readIncidents("shop");
    assert.equal(all.length, 1, "one incident");
    assert.equal(all[0]!.incident.step, "completed");
  });

  it("a change that took longer than the step's timeout on Azure, then failed, does not end the step", async () => {
    const w = await shopHolder({ stepTimeoutSeconds: 10 });
    let promotes = 0;
    w.router.fault = (call) => {
      if (call !== "promote" || ++promotes > 1) return undefined;
      // The call hangs on ARM for 15 s (the runtime's clock moves while it is in flight), then fails.
      w.clock.advance(15_000);
      return new Error("no answer from Azure Resource Manager within 15 s");
    };
    await toShift(w, () => promotes > 0);
    const next = await downTick(w);
    assert.equal(next.incident?.step, "shifting-traffic", JSON.stringify(next.incident?.history));
    assert.equal(next.incident?.attempts, 1);
    assert.ok((next.incident?.leverMs ?? 0) >= 15_000, "the time on ARM is kept with the incident");
  });
});
