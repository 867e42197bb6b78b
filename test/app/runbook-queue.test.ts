// An open incident whose lever reads the tick's share of ARM keeps withholding (other incidents
// came first, or ARM reports its bucket empty) waits its turn without counting the wait against
// its timeout, but not for ever: past its wall-time ceiling it ends failed, with nothing changed.
import assert from "node:assert/strict";
import { it } from "node:test";
import { tickLease } from "../../src/app/lease-keeper.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import { LEVER_ALLOWANCE_MS } from "../../src/core/index.js";
import { evidenceOf, keptOf, openWithFailedChange, shopHolder } from "../helpers/shop-runbook.js";

it("an incident never given a read waits its turn past its timeout, then ends failed at its wall-time ceiling", async () => {
  const w = await shopHolder({ stepTimeoutSeconds: 10 });
  // Opened at shifting-traffic, whose first change failed: it needs a read of the routing.
  await openWithFailedChange(w);
  w.router.fault = undefined;
  const evidence = evidenceOf("down");
  const queued = async () => {
    w.clock.advance(w.intervalMs);
    assert.ok((await tickLease(w.rt)).leader, "the holder renews every tick");
    const views = await w.store.readLeverViews();
    return runbookTick(w.rt, w.rt.config.groups[0]!, evidence, keptOf(evidence), true, w.epoch, {
      deadline: w.clock.now() + w.intervalMs,
      verdictChanged: false,
      operation: "test",
      budget: { take: () => false },
      ...(views["shop"] ? { view: views["shop"] } : {}),
    });
  };
  // Well past its 10 s timeout, the incident still waits, and has written nothing meanwhile.
  const before = (await w.store.readIncidents("shop"))[0]!.incident;
  for (let i = 0; i < 6; i++) {
    const out = await queued();
    assert.match((out.waiting ?? []).join(), /waits its turn for a lever read/);
  }
  const waiting = (await w.store.readIncidents("shop"))[0]!.incident;
  assert.equal(waiting.step, "shifting-traffic");
  assert.equal(waiting.history.length, before.history.length, "no step was taken in the queue");

  let last;
  const ticks = (10_000 + LEVER_ALLOWANCE_MS) / w.intervalMs + 2;
  for (let i = 0; i < ticks && last?.incident?.step !== "failed"; i++) last = await queued();
  const ended = (await w.store.readIncidents("shop"))[0]!.incident;
  assert.equal(ended.step, "failed", "it does not wait for ever");
  const waited = ended.history.at(-1)!.at - waiting.stepStartedAt;
  assert.ok(waited >= 10_000 + LEVER_ALLOWANCE_MS, `ended after ${waited} ms`);
  assert.deepEqual(w.router.changes, [], "nothing was changed without a read");
});
