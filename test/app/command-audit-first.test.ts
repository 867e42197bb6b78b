// No change without its record: an operator's failover whose intent cannot be audited writes no
// incident, so the lease holder has nothing to act on (src/app/commands.ts, recordManual).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { manualCommand } from "../../src/app/commands.js";
import type { ActionRecord } from "../../src/ports/state-store.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

/** A store whose audit log refuses every row. */
class NoAuditStore extends MemoryStateStore {
  override appendAction(_record: ActionRecord): Promise<void> {
    return Promise.reject(new Error("503 ServerBusy"));
  }
}

describe("a command whose intent cannot be audited", () => {
  it("is answered 'unavailable' and writes no incident", async () => {
    const store = new NoAuditStore();
    const rt = await runtimeFor(
      twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
      "westeurope",
      { store, clock: new ManualClock(), instance: "w", router: shopRouter() },
    );
    const caller = { name: "ops@contoso.com", via: "test" };
    const outcome = await manualCommand(
      rt,
      caller,
      "shop",
      { kind: "failover", to: "northeurope", override: true, by: caller.name, reason: "try it" },
      { dryRun: false },
    );
    assert.deepEqual(outcome, {
      kind: "unavailable",
      message: "the audit log cannot be written: nothing was changed",
    });
    assert.deepEqual(await store.readIncidents("shop"), [], "no incident for the holder to act on");
  });
});
