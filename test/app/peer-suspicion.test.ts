// When an observer stirs its peers (asks them to probe a region now), in virtual time: a refused
// target after its probe and first confirmation failed; a hung one as soon as two probes in a row
// have gone unanswered past the hedge time, seconds before its timeout, unless it was already
// slow to answer last time; and a peer that never answers is given up on after the patience, on
// the runtime's clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import { compose } from "../../src/compose.js";
import { parseConfig } from "../../src/config/index.js";
import type { ProbeOutcome } from "../../src/core/index.js";
import type { Peers } from "../../src/ports/peers.js";
import { World } from "../sim/simulate.js";

const INTERVAL = 10_000;
const TIMEOUT = 2_000;
/** A quarter of the timeout: when a confirming probe starts beside one without an answer. */
const HEDGE = 500;

type Mode = "ok" | "refused" | "hang" | "slow-ok";

async function setup(peers: (world: World) => Peers) {
  const world = new World();
  const modes: Record<string, Mode> = { westeurope: "ok", northeurope: "ok" };
  const rt = await compose({
    config: parseConfig({
      observers: ["westeurope", "northeurope", "swedencentral"].map((region) => ({ region })),
      stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
      policy: {
        intervalSeconds: INTERVAL / 1000,
        probeTimeoutSeconds: TIMEOUT / 1000,
        confirmRetries: 2,
        confirmSpacingSeconds: 0.5,
        failureThreshold: 3,
      },
      groups: [
        {
          name: "shop",
          model: "active-passive",
          regions: ["westeurope", "northeurope"].map((name, i) => ({
            name,
            role: i === 0 ? ("primary" as const) : ("secondary" as const),
            probe: { url: `http://${name}.sim/healthz` },
          })),
        },
      ],
    }),
    observer: "swedencentral",
    store: new MemoryStateStore(),
    clock: { now: () => 1_800_000_000_000 + world.now, sleep: (ms, s) => world.sleep(ms, s) },
    prober: {
      probe: async (request, call): Promise<ProbeOutcome> => {
        const host = request.kind === "http" ? new URL(request.url).hostname : "";
        const mode = modes[host.replace(".sim", "")] ?? "ok";
        const wait = mode === "hang" ? request.timeoutMs : mode === "slow-ok" ? 800 : 1;
        await world.sleep(wait, call?.abortSignal);
        if (call?.abortSignal?.aborted)
          return { ok: false, latencyMs: 0, error: { kind: "aborted", message: "aborted" } };
        return mode === "ok" || mode === "slow-ok"
          ? { ok: true, latencyMs: wait, statusCode: 200 }
          : {
              ok: false,
              latencyMs: wait,
              error: { kind: mode === "hang" ? "timeout" : "connect-refused", message: mode },
            };
      },
    },
    peers: peers(world),
  });
  /** One tick at `at` (virtual ms); resolves with its result once its asks have settled too. */
  const tickAt = async (at: number) => {
    await world.until(at);
    const result = await runProbeTick(rt);
    return { result, asked: await Promise.all(result.asked) };
  };
  return { world, modes, tickAt };
}

/** Peers that answer at once, recording when each was asked. */
function answering(asks: { peer: string; at: number }[]) {
  return (world: World): Peers => ({
    ask: async (peer, request) => {
      asks.push({ peer, at: world.now });
      return { observer: peer, region: request.region, probed: 1, failing: 1, written: true };
    },
  });
}

describe("stirring the peers", () => {
  it("a refused target stirs them once its probe and first confirmation failed", async () => {
    const asks: { peer: string; at: number }[] = [];
    const { modes, tickAt } = await setup(answering(asks));
    await tickAt(0);
    assert.equal(asks.length, 0, "nothing to ask while every target passes");
    modes["westeurope"] = "refused";
    await tickAt(INTERVAL);
    assert.deepEqual(
      asks.map((a) => a.peer),
      ["westeurope", "northeurope"],
    );
    // The probe fails at once, its confirmation 0.5 s later.
    assert.ok(
      asks.every((a) => a.at - INTERVAL < 1000),
      JSON.stringify(asks),
    );
  });

  it("a hung target stirs them at its second hedge, not after two timeouts", async () => {
    const asks: { peer: string; at: number }[] = [];
    const { modes, tickAt } = await setup(answering(asks));
    await tickAt(0);
    modes["westeurope"] = "hang";
    await tickAt(INTERVAL);
    assert.equal(asks.length, 2);
    for (const a of asks) assert.equal(a.at - INTERVAL, 2 * HEDGE, JSON.stringify(asks));
  });

  it("a target that was slow to answer last time stirs them only once it has failed twice", async () => {
    const asks: { peer: string; at: number }[] = [];
    const { modes, tickAt } = await setup(answering(asks));
    modes["westeurope"] = "slow-ok";
    await tickAt(0);
    assert.equal(asks.length, 0, "slow, but it answered");
    modes["westeurope"] = "hang";
    await tickAt(INTERVAL);
    assert.equal(asks.length, 2);
    // The first probe times out at 2 s, its hedge (started at 0.5 s) at 2.5 s.
    for (const a of asks) assert.equal(a.at - INTERVAL, TIMEOUT + HEDGE, JSON.stringify(asks));
  });

  it("a peer that never answers is given up on after 0.8 of the interval, on the runtime's clock", async () => {
    let askedAt = 0;
    const { world, modes, tickAt } = await setup(
      (w) =>
        ({
          ask: (_peer, _request, { abortSignal }) => {
            askedAt = w.now;
            return new Promise((_resolve, reject) =>
              abortSignal.addEventListener("abort", () => reject(abortSignal.reason as Error)),
            );
          },
        }) satisfies Peers,
    );
    await tickAt(0);
    modes["westeurope"] = "refused";
    const { asked } = await tickAt(INTERVAL);
    assert.equal(asked.length, 2);
    assert.ok(
      asked.every((a) => a.problem?.includes("no answer within 8000 ms")),
      JSON.stringify(asked),
    );
    assert.equal(world.now - askedAt, 0.8 * INTERVAL);
  });
});
