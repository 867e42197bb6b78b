// An effect runs only while its incident is what the tick read: when the row of the step that
// starts the change cannot be written, the lever is not touched (runbook-tick.ts, recordStep).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downTick, shopHolder } from "../helpers/shop-runbook.js";

describe("the incident row before its effect", () => {
  it("a step whose row cannot be written changes no lever, and says why", async () => {
    const w = await shopHolder();
    const write = w.store.writeIncident.bind(w.store);
    w.store.writeIncident = (incident, etag, options) =>
      incident.history.at(-1)?.note === "promoting northeurope"
        ? Promise.reject(new Error("503 ServerBusy"))
        : write(incident, etag, options);
    const out = await downTick(w, true);
    assert.deepEqual(w.router.changes, [], "no lever moved");
    assert.ok(
      out.problems.some((p) => /^shop: incident .* not recorded \(.*\): its effects wait$/.test(p)),
      out.problems.join("; "),
    );
  });
});
