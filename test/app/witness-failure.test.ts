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
import { ManualClock, SteppedClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

/** A prober for one observer: it sees westeurope failing, or not. */
const seeing = (westeuropeFails: boolean): Prober => ({
  probe: async (request): Promise<ProbeOutcome> =>
    westeuropeFails && request.kind === "http" && request.url.includes("/weu")
      ? { ok: false, latencyMs: 5, error: { kind: "http-status", message: "503" } }
      : { ok: true, latencyMs: 5, statusCode: 200 },
});

const INTERVAL_MS = 2000;

/**
 * Two observers tied over westeurope (inside, westeurope sees itself up; outside, northeurope
 * sees it failing), with west ready to ask the witness.
 */
async function tied(clock: ManualClock, witness: Witness) {
  const store = new MemoryStateStore();
  const config = {
    ...twoRegionConfig({
      westeurope: "http://127.0.0.1:9/weu",
      northeurope: "http://127.0.0.1:9/neu",
    }),
    policy: {
      intervalSeconds: INTERVAL_MS / 1000,
      probeTimeoutSeconds: 1,
      failureThreshold: 2,
      confirmRetries: 0,
    },
  };
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
    clock.advance(INTERVAL_MS);
    await runProbeTick(west);
    await runProbeTick(north);
    // West watches north's heartbeat change (so north counts as live), without asking yet.
    await observeAgreement(west, {}, { witness: "cached" });
  }
  return west;
}

describe("a witness that does not answer", () => {
  it("is asked again an interval later, and its later answer decides", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const witness: Witness = {
      signals: async () => {
        calls++;
        if (calls === 1) throw new Error("503 ServerBusy");
        return new Map<string, WitnessSignal>([["westeurope", "down"]]);
      },
    };
    const west = await tied(clock, witness);
    const weu = async () =>
      (await observeAgreement(west)).groups[0]!.evidence.find((e) => e.region === "westeurope")!;

    const first = await weu();
    assert.equal(calls, 1, JSON.stringify(first));
    assert.notEqual(first.verdict, "down", "no witness answer: the tie stands");
    await weu();
    assert.equal(calls, 1, "not asked again within the interval");
    clock.advance(INTERVAL_MS);
    const second = await weu();
    assert.equal(calls, 2, "asked again: the failure was not kept as an answer");
    assert.equal(second.verdict, "down", "the witness's answer breaks the tie");
  });
});

describe("the wait for the witness's answer", () => {
  it("ends when the runtime's clock has run a fifth of the interval, not the wall clock", async () => {
    const clock = new SteppedClock();
    let answer = (_: Map<string, WitnessSignal>) => {};
    const witness: Witness = { signals: () => new Promise((resolve) => (answer = resolve)) };
    const west = await tied(clock, witness);
    let judged: "down" | "not down" | undefined;
    const looking = observeAgreement(west).then((view) => {
      const weu = view.groups[0]!.evidence.find((e) => e.region === "westeurope")!;
      judged = weu.verdict === "down" ? "down" : "not down";
    });
    // The wall clock runs past the wait (a fifth of 2 s); the runtime's clock does not move.
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS / 5 + 200));
    assert.equal(judged, undefined, "still waiting: the runtime's clock has not moved");
    clock.advance(INTERVAL_MS / 5 - 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(judged, undefined, "still waiting, 1 ms before the end of the wait");
    clock.advance(1);
    await looking;
    assert.equal(judged, "not down", "no answer in time: the tie stands");
    assert.equal(clock.sleeping, 0, "nothing waits on");
    answer(new Map([["westeurope", "down"]]));
  });
});
