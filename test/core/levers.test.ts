// Reading a group's routing: which region traffic goes to first, and which share the top.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoutingState } from "../../src/core/index.js";
import { primaryOf, solePrimary, topRegions } from "../../src/core/index.js";

const route = (region: string, priority: number, enabled = true) => ({ region, priority, enabled });

describe("routing: who gets traffic first", () => {
  const cases: {
    name: string;
    routing: RoutingState;
    primary: string | undefined;
    top: string[];
    sole: string | undefined;
  }[] = [
    {
      name: "the enabled region with the lowest priority, wherever it is listed",
      routing: { regions: [route("c", 3), route("b", 2), route("a", 1), route("d", 4)] },
      primary: "a",
      top: ["a"],
      sole: "a",
    },
    {
      name: "a disabled region is passed over, whatever its priority",
      routing: { regions: [route("a", 1, false), route("b", 2), route("c", 3)] },
      primary: "b",
      top: ["b"],
      sole: "b",
    },
    {
      name: "regions tied at the top all receive traffic, and none is the sole primary",
      routing: { regions: [route("a", 1), route("b", 1), route("c", 2)] },
      primary: "a",
      top: ["a", "b"],
      sole: undefined,
    },
    {
      name: "nobody, when every region is disabled",
      routing: { regions: [route("a", 1, false), route("b", 2, false)] },
      primary: undefined,
      top: [],
      sole: undefined,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(primaryOf(c.routing), c.primary);
      assert.deepEqual(topRegions(c.routing), c.top);
      assert.equal(solePrimary(c.routing), c.sole);
    });

  it("reading the routing does not reorder it", () => {
    const routing = { regions: [route("b", 2), route("a", 1)] };
    primaryOf(routing);
    assert.deepEqual(
      routing.regions.map((r) => r.region),
      ["b", "a"],
    );
  });
});
