// A change still running when its tick stops waiting goes on in the background, and the group
// takes no other step until it has ended (src/app/runbook-tick.ts, openStep).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downTick, shopHolder } from "../helpers/shop-runbook.js";

describe("a change that outlives its tick", () => {
  it("holds the group's next step, which neither writes nor changes anything", async () => {
    const w = await shopHolder();
    const promote = w.router.promote.bind(w.router);
    let promotes = 0;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    w.router.promote = async (group, region) => {
      promotes++;
      await released;
      return promote(group, region);
    };
    const first = await downTick(w, true);
    assert.ok(
      first.waiting?.some((x) => /still running at the end of the tick/.test(x)),
      JSON.stringify(first.waiting),
    );
    const before = await w.store.readIncidents("shop");
    const second = await downTick(w);
    assert.deepEqual(second.waiting, [
      "shop: promote northeurope is still running: the next step waits for it",
    ]);
    assert.equal(promotes, 1, "one change at a time");
    assert.deepEqual(await w.store.readIncidents("shop"), before, "no step written meanwhile");
    release();
  });
});
