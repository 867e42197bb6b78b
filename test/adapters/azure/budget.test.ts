// What ARM's replies say about its budget: a 429's Retry-After is honoured, up to a cap, so that a
// bad or huge header cannot park the reads a failover waits on.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArmBudgetTracker } from "../../../src/adapters/azure/budget.js";

describe("the ARM budget tracker", () => {
  const at = 1_800_000_000_000;
  const reply = (tracker: ArmBudgetTracker, retryAfter: string | undefined) =>
    tracker.record(429, (name) => (name === "retry-after" ? retryAfter : undefined));

  it("holds reads back for a 429's Retry-After", () => {
    const tracker = new ArmBudgetTracker(() => at);
    reply(tracker, "20");
    assert.equal(tracker.throttledUntil(), at + 20_000);
  });

  it("caps a huge Retry-After at five minutes", () => {
    const tracker = new ArmBudgetTracker(() => at);
    reply(tracker, "86400");
    assert.equal(tracker.throttledUntil(), at + 300_000);
  });

  it("takes a minute for a 429 without a usable Retry-After", () => {
    for (const header of [undefined, "soon", "-5"]) {
      const tracker = new ArmBudgetTracker(() => at);
      reply(tracker, header);
      assert.equal(tracker.throttledUntil(), at + 60_000, `Retry-After: ${header}`);
    }
  });
});
