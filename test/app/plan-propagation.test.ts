// A plan (here a drill's failover) says how the group's traffic lever propagates a change in the lever's own words and
// assumes the lever's own time: the router's declared capabilities are the one source, so a
// lever kind added from outside says its own text and the planner names no lever.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DrillResult } from "../../src/app/planner.js";
import { drill } from "../../src/app/planner.js";
import type { LeverCapabilities } from "../../src/core/levers.js";
import { FULL_LEVER } from "../../src/core/levers.js";
import { FRONT_DOOR_LEVER } from "../../src/providers/front-door/capabilities.js";
import { shopHolder } from "../helpers/shop-runbook.js";

async function planAssumptions(can: LeverCapabilities): Promise<readonly string[]> {
  const { rt, router } = await shopHolder();
  router.can = can;
  const outcome = await drill(rt, { name: "ops@contoso.com", via: "test" }, "shop", "game day");
  assert.equal(outcome.kind, "done", JSON.stringify(outcome));
  return outcome.kind === "done" ? (outcome.detail as DrillResult).failover.assumptions : [];
}

describe("a plan's propagation comes from the lever's declaration", () => {
  it("Front Door's words and its usual 10 minutes", async () => {
    const assumptions = await planAssumptions(FRONT_DOOR_LEVER);
    assert.ok(
      assumptions.includes("Front Door deploys a change to its edge in about 10 min"),
      assumptions.join("; "),
    );
  });

  it("another lever's own words and time, and no mention of Front Door", async () => {
    const assumptions = await planAssumptions({
      ...FULL_LEVER,
      dataPlaneLag: true,
      propagation: { says: "the switch is flipped at every edge", typicalMs: 3 * 60_000 },
    });
    assert.ok(
      assumptions.includes("the switch is flipped at every edge in about 3 min"),
      assumptions.join("; "),
    );
    assert.ok(!assumptions.some((a) => a.includes("Front Door")), assumptions.join("; "));
  });

  it("a lever that declares no propagation: the plan assumes none", async () => {
    const assumptions = await planAssumptions(FULL_LEVER);
    assert.ok(!assumptions.some((a) => / in about \d+ min$/.test(a) && !a.includes("AKS")));
  });
});
