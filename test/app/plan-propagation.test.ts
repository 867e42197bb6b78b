// A plan says how the group's traffic lever propagates a change in the lever's own words and
// assumes the lever's own time: the router's declared capabilities are the one source, so a
// lever kind added from outside says its own text and the planner names no lever.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { manualCommand } from "../../src/app/commands.js";
import type { LeverCapabilities } from "../../src/core/levers.js";
import { FULL_LEVER } from "../../src/core/levers.js";
import { FRONT_DOOR_LEVER } from "../../src/providers/front-door/capabilities.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

async function planAssumptions(can: LeverCapabilities): Promise<readonly string[]> {
  const router = shopRouter();
  router.can = can;
  const rt = await runtimeFor(
    twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
    "westeurope",
    { store: new MemoryStateStore(), clock: new ManualClock(), instance: "w", router },
  );
  const caller = { name: "ops@contoso.com", via: "test" };
  const command = {
    kind: "failover" as const,
    to: "northeurope",
    override: true,
    by: caller.name,
    reason: "plan",
  };
  const outcome = await manualCommand(rt, caller, "shop", command, { dryRun: true });
  assert.equal(outcome.kind, "planned", JSON.stringify(outcome));
  return outcome.kind === "planned" ? outcome.plan.assumptions : [];
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
