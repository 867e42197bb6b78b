// A command sent before the lease holder has read a group's levers (just after start) is not
// refused for a view that does not exist yet: the levers are read on demand, and when that read
// fails too the answer is 503 with a Retry-After that says when to ask again, never a 409.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { manualCommand } from "../../src/app/commands.js";
import { drill } from "../../src/app/planner.js";
import { answer } from "../../src/app/api/routes.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

async function fresh(fail: boolean) {
  const router = shopRouter();
  if (fail) router.fault = (call) => (call === "read" ? new Error("503 ServerBusy") : undefined);
  const rt = await runtimeFor(
    twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
    "westeurope",
    { store: new MemoryStateStore(), clock: new ManualClock(), instance: "w", router },
  );
  return { rt, router };
}

const caller = { name: "ops@contoso.com", via: "test" };
const failover = {
  kind: "failover" as const,
  to: "northeurope",
  override: true,
  by: caller.name,
  reason: "try it",
};

describe("a command before the first lever view", () => {
  it("a dry run reads the lever itself and answers with its plan", async () => {
    const { rt } = await fresh(false);
    assert.deepEqual(await rt.store.readLeverViews(), {}, "no view kept yet");
    const outcome = await manualCommand(rt, caller, "shop", failover, { dryRun: true });
    assert.equal(outcome.kind, "planned", JSON.stringify(outcome));
    assert.equal(answer(outcome).status, 200);
  });

  it("a failover is accepted from the lever read on demand", async () => {
    const { rt } = await fresh(false);
    const outcome = await manualCommand(rt, caller, "shop", failover, { dryRun: false });
    assert.equal(outcome.kind, "accepted", JSON.stringify(outcome));
  });

  it("when the lever cannot be read either: 503 with Retry-After of one interval, and why", async () => {
    const { rt } = await fresh(true);
    const outcome = await manualCommand(rt, caller, "shop", failover, { dryRun: true });
    const response = answer(outcome);
    assert.equal(response.status, 503);
    assert.deepEqual(response.headers, { "retry-after": "2" });
    assert.match(
      (response.jsonBody as { error: { message: string } }).error.message,
      /^shop: the lease holder has not read shop's traffic lever yet, and reading it now failed \(503 ServerBusy\): ask again/,
    );
  });

  it("a drill answers the same way", async () => {
    const { rt } = await fresh(true);
    const outcome = await drill(rt, caller, "shop", "game day");
    assert.equal(answer(outcome).status, 503);
    assert.equal(answer(outcome).headers?.["retry-after"], "2");
  });

  it("commands at once share one lever read, and its answer stands for an interval", async () => {
    const { rt, router } = await fresh(false);
    let reads = 0;
    router.fault = (call) => void (call === "read" && reads++);
    // (Dry runs also read the lever for their plan; real commands read only to decide.)
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => manualCommand(rt, caller, "shop", failover, { dryRun: false })),
    );
    assert.ok(
      outcomes.some((o) => o.kind === "accepted"),
      JSON.stringify(outcomes),
    );
    assert.equal(reads, 1, "one read for three commands");
  });
});

describe("a failover to where traffic already goes", () => {
  const toPrimary = { ...failover, to: "westeurope", override: false };

  it("is refused with 409 'already primary', audited, and opens no incident", async () => {
    const { rt } = await fresh(false);
    for (const dryRun of [true, false]) {
      const outcome = await manualCommand(rt, caller, "shop", toPrimary, { dryRun });
      const response = answer(outcome);
      assert.equal(response.status, 409, JSON.stringify(outcome));
      assert.match(
        (response.jsonBody as { error: { message: string } }).error.message,
        /^shop: westeurope is already primary, so a failover there would change no routing.*--override/,
      );
    }
    assert.deepEqual(await rt.store.readIncidents("shop"), []);
    const actions = await rt.store.readActions();
    assert.deepEqual(
      actions.map((a) => a.outcome),
      ["refused", "refused"],
    );
  });

  it("runs when forced with the override", async () => {
    const { rt } = await fresh(false);
    const outcome = await manualCommand(
      rt,
      caller,
      "shop",
      { ...toPrimary, override: true },
      { dryRun: false },
    );
    assert.equal(outcome.kind, "accepted", JSON.stringify(outcome));
  });
});
