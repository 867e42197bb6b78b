// The witness (Traffic Manager's own monitor, read over ARM) breaks a tie between the observers
// outside a region and the one inside it. A question it did not answer is not an answer: nothing
// keeps it as the witness's latest word, and it is asked again an interval later (not at every
// look in between: a failing control plane is not hammered).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { observeAgreement } from "../../src/app/agreement.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { ProbeOutcome, WitnessSignal } from "../../src/core/index.js";
import type { Prober } from "../../src/ports/prober.js";
import type { Witness } from "../../src/ports/witness.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

/** A prober for one observer: it sees westeurope failing, or not. */
const seeing = (westeuropeFails: boolean): Prober => ({
  probe: async (request): Promise<ProbeOutcome> =>
    westeuropeFails && request.kind === "http" && request.url.includes("/weu")
      ? { ok: false, latencyMs: 5, error: { kind: "http-status", message: "503" } }
      : { ok: true, latencyMs: 5, statusCode: 200 },
});

describe("a witness that does not answer", () => {
  it("is asked again an interval later, and its later answer decides", async () => {
    const clock = new ManualClock();
    const store = new MemoryStateStore();
    let calls = 0;
    const witness: Witness = {
      signals: async () => {
        calls++;
        if (calls === 1) throw new Error("503 ServerBusy");
        return new Map<string, WitnessSignal>([["westeurope", "down"]]);
      },
    };
    const config = {
      ...twoRegionConfig({
        westeurope: "http://127.0.0.1:9/weu",
        northeurope: "http://127.0.0.1:9/neu",
      }),
      policy: {
        intervalSeconds: 2,
        probeTimeoutSeconds: 1,
        failureThreshold: 2,
        confirmRetries: 0,
      },
    };
    // Inside, westeurope sees itself up; outside, northeurope sees it failing: a tie.
    const west = await runtimeFor(config, "westeurope", {
      store,
      clock,
      prober: seeing(false),
      witness,
      instance: "w",
    });
    const north = await runtimeFor(config, "northeurope", {
      store,
      clock,
      prober: seeing(true),
      witness,
      instance: "n",
    });
    for (let i = 0; i < 3; i++) {
      clock.advance(2000);
      await runProbeTick(west);
      await runProbeTick(north);
      // West watches north's heartbeat change (so north counts as live), without asking yet.
      await observeAgreement(west, {}, { witness: "cached" });
    }
    const weu = async () =>
      (await observeAgreement(west)).groups[0]!.evidence.find((e) => e.region === "westeurope")!;

    const first = await weu();
    assert.equal(calls, 1, JSON.stringify(first));
    assert.notEqual(first.verdict, "down", "no witness answer: the tie stands");
    await weu();
    assert.equal(calls, 1, "not asked again within the interval");
    clock.advance(2000);
    const second = await weu();
    assert.equal(calls, 2, "asked again: the failure was not kept as an answer");
    assert.equal(second.verdict, "down", "the witness's answer breaks the tie");
  });
});
