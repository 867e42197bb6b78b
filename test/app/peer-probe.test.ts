// Suspicion travels at once (ADR 18): the observer that sees a region start failing asks the
// others to probe it now; they write what they see into their current tick; the lease holder
// keeps `down` as soon as the confirming observations are in, without waiting for the other
// observers' own timers. Real probes of loopback apps, the memory store, and a clock that runs
// twice as fast as the wall clock (a peer's probe takes real time, which the decision's
// waits must see).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { answerPeer, runObserverTick } from "../../src/app/observer-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Clock } from "../../src/ports/clock.js";
import type { Peers } from "../../src/ports/peers.js";
import { regionalApps, runtimeFor } from "../helpers/runtime.js";

const SPEED = 2;

/** The wall clock, twice as fast, and moved on at will (to wait out the lease). */
class FastClock implements Clock {
  #offset = 1_800_000_000_000;
  readonly #start = performance.now();
  now(): number {
    return Math.round(this.#offset + (performance.now() - this.#start) * SPEED);
  }
  advance(ms: number): void {
    this.#offset += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(resolve, Math.max(0, ms / SPEED));
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

const OBSERVERS = ["westeurope", "northeurope", "swedencentral"];

describe("peers asked to probe now", () => {
  const { weu, neu } = regionalApps();
  const config = (): TandemConfigInput => ({
    observers: OBSERVERS.map((region) => ({ region })),
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    // One failed probe is a confirmed failure at an observer, so each observer's view is settled
    // by the one probe it makes, in its tick or at a peer's request.
    policy: { intervalSeconds: 2, probeTimeoutSeconds: 1, failureThreshold: 1, confirmRetries: 0 },
    groups: [
      {
        name: "shop",
        model: "active-passive",
        regions: [
          { name: "westeurope", role: "primary", probe: { url: weu.healthUrl } },
          { name: "northeurope", role: "secondary", probe: { url: neu.healthUrl } },
        ],
      },
    ],
  });

  /**
   * Three observers on one store; `holder` ticks first, so it takes the lease. `mode`: how they
   * reach each other (`hanging`: swedencentral's app never answers).
   */
  async function world(holder: string, mode: "peers" | "none" | "hanging") {
    const store = new MemoryStateStore();
    const clock = new FastClock();
    const runtimes = new Map<string, Runtime>();
    const peers: Peers = {
      ask: (peer, request, { abortSignal }) =>
        mode === "hanging" && peer === "swedencentral"
          ? new Promise((_, reject) =>
              abortSignal.addEventListener("abort", () => reject(new Error("no answer"))),
            )
          : answerPeer(runtimes.get(peer)!, request, { abortSignal }),
    };
    for (const o of OBSERVERS)
      runtimes.set(
        o,
        await runtimeFor(config(), o, {
          store,
          clock,
          instance: o.slice(0, 1),
          ...(mode === "none" ? {} : { peers }),
        }),
      );
    const order = [holder, ...OBSERVERS.filter((o) => o !== holder)];
    // Rounds until every observer is live (heartbeats seen changing) and the holder acts.
    for (let round = 0; round < 8; round++) {
      clock.advance(2000);
      const results = [];
      for (const o of order) results.push(await runObserverTick(runtimes.get(o)!));
      const acting = results[0]!.orchestrate;
      if (round >= 3 && acting.lease.leader) break;
    }
    const held = await runObserverTick(runtimes.get(holder)!);
    assert.ok(held.orchestrate.lease.leader, `${holder} holds the lease`);
    const verdict = async () =>
      (await store.readRegionStates("shop")).states["westeurope"]?.verdict;
    assert.equal(await verdict(), "healthy");
    /** westeurope's tick, one interval on. */
    const weuTick = () => {
      clock.advance(2000);
      return runObserverTick(runtimes.get("westeurope")!);
    };
    return { store, weuTick, verdict };
  }

  /** `body` with westeurope's app down, and up again after it. */
  const whileWeuDown = async (body: () => Promise<void>) => {
    weu.mode = "down";
    try {
      await body();
    } finally {
      weu.mode = "up";
    }
  };

  const heartbeats = async (store: MemoryStateStore) =>
    Object.fromEntries(
      (await store.readAllObservations()).heartbeats.map((h) => [h.observer, h.tick.seq]),
    );

  it("the holder that sees a region fail has it confirmed by its peers and keeps it down in that one tick", async () => {
    const { store, weuTick, verdict } = await world("westeurope", "peers");
    await whileWeuDown(async () => {
      const before = await heartbeats(store);
      const tick = await weuTick();
      assert.deepEqual(
        tick.peers.map((p) => [p.peer, p.region, p.answer?.written, p.answer?.failing]).sort(),
        [
          ["northeurope", "westeurope", true, 1],
          ["swedencentral", "westeurope", true, 1],
        ],
      );
      assert.equal(await verdict(), "down");
      const after = await heartbeats(store);
      assert.equal(after["northeurope"], before["northeurope"], "northeurope's timer did not run");
      assert.equal(after["swedencentral"], before["swedencentral"]);
    });
  });

  it("without peers, the same tick cannot keep it down: the others have not looked yet", async () => {
    const { weuTick, verdict } = await world("westeurope", "none");
    await whileWeuDown(async () => {
      const tick = await weuTick();
      assert.deepEqual(tick.peers, []);
      // The observer inside sees it fail, the two outside still see it up: a split view.
      assert.equal(await verdict(), "split-view");
    });
  });

  it("a holder asked by a peer keeps the region down as the other observers' confirmations land", async () => {
    const { weuTick, verdict } = await world("northeurope", "peers");
    await whileWeuDown(async () => {
      // Only westeurope's timer runs; it holds no lease. northeurope, asked, probes, writes and
      // decides; swedencentral's observation lands beside it.
      const tick = await weuTick();
      assert.equal(tick.orchestrate.lease.leader, false);
      assert.equal(tick.peers.length, 2);
      assert.equal(await verdict(), "down");
    });
  });

  it("a region that passed is not news: a failing target the observer already saw failing asks nobody", async () => {
    const { weuTick } = await world("westeurope", "peers");
    await whileWeuDown(async () => {
      const first = await weuTick();
      assert.equal(first.peers.length, 2);
      const second = await weuTick();
      assert.deepEqual(second.peers, [], "the peers were asked once, when it started failing");
    });
  });

  it("a peer that does not answer is given up and said; the decision does not pretend it answered", async () => {
    const { weuTick, verdict } = await world("westeurope", "hanging");
    await whileWeuDown(async () => {
      const tick = await weuTick();
      const sweden = tick.peers.find((p) => p.peer === "swedencentral");
      assert.match(sweden?.problem ?? "", /swedencentral was not asked to probe westeurope now: /);
      const north = tick.peers.find((p) => p.peer === "northeurope");
      assert.equal(north?.answer?.written, true);
      // swedencentral's last observation, of a passing region, still stands: not down.
      assert.notEqual(await verdict(), "down");
    });
  });
});
