// The sandbox's printed timeline says what happened to a group's data: each store asked to move,
// with what a forced failover costs, and each store left where it was, with why.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EventBody, TandemEvent } from "../../src/core/events.js";
import { timeline } from "../../src/sandbox/timeline.js";

const origin = { id: "i/1", observer: "westeurope", instance: "i", at: 0, operation: "i:1" };
const printed = (body: EventBody) => {
  const lines: string[] = [];
  void timeline((l) => lines.push(l)).fn({ ...origin, ...body } as TandemEvent);
  return lines.map((l) => l.replace(/^\S+ {2}/, ""));
};
const store = { group: "catalog", incident: "inc-1", store: "products", region: "northeurope" };

describe("the sandbox timeline's data lines", () => {
  it("says a store was asked to move, and what a forced failover costs", () => {
    assert.deepEqual(printed({ type: "data.failover-asked", ...store, mode: "forced" }), [
      "catalog data products    northeurope asked to take the primary: forced, writes not yet replicated there are lost (allowDataLoss)",
    ]);
    assert.deepEqual(printed({ type: "data.failover-asked", ...store, mode: "planned" }), [
      "catalog data products    northeurope asked to take the primary: planned, no data lost",
    ]);
  });

  it("says a store was not moved, and why", () => {
    const reason = "products's primary copy in westeurope cannot be reached";
    assert.deepEqual(printed({ type: "data.refused", ...store, reason }), [
      `catalog data products    not moved to northeurope: ${reason}`,
    ]);
  });
});
