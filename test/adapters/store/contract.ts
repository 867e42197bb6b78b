// The behaviour every StateStore must have. Run against each implementation (memory, Azurite).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Heartbeat, Observation } from "../../../src/core/index.js";
import type { StateStore } from "../../../src/ports/state-store.js";

export interface StoreFixture {
  /** A fresh, empty, initialised store. */
  create(): Promise<StateStore>;
  close?(): Promise<void>;
}

const AT = 1_800_000_000_123;

function observation(
  observer: string,
  group: string,
  target: string,
  extra: Partial<Observation> = {},
): Observation {
  return {
    observer,
    group,
    target,
    ok: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    latencyMs: 12.5,
    at: AT,
    ...extra,
  };
}

const sortObs = (list: Observation[]) =>
  [...list].sort((a, b) => `${a.target}|${a.observer}`.localeCompare(`${b.target}|${b.observer}`));

export function stateStoreContract(name: string, fixture: StoreFixture): void {
  describe(`StateStore contract: ${name}`, () => {
    after(async () => fixture.close?.());

    it("starts empty", async () => {
      const store = await fixture.create();
      assert.deepEqual(await store.readObservations("shop"), []);
      assert.deepEqual(await store.readHeartbeats(), []);
    });

    it("can be initialised again without losing rows", async () => {
      const store = await fixture.create();
      await store.recordHeartbeat({ observer: "a", at: AT, version: "1", tickMs: 5 });
      await store.initialise();
      assert.equal((await store.readHeartbeats()).length, 1);
    });

    it("returns an observation exactly as written, failure details included", async () => {
      const store = await fixture.create();
      const failed = observation("westeurope", "shop", "northeurope", {
        ok: false,
        consecutiveFailures: 4,
        consecutiveSuccesses: 0,
        statusCode: 503,
        error: { kind: "http-status", message: "answered 503, expected 2xx" },
        latencyMs: 7,
      });
      await store.recordObservations([failed]);
      assert.deepEqual(await store.readObservations("shop"), [failed]);
    });

    it("keeps one row per observer and target: a new observation replaces the old", async () => {
      const store = await fixture.create();
      await store.recordObservations([
        observation("a", "shop", "westeurope", { consecutiveSuccesses: 1 }),
      ]);
      await store.recordObservations([
        observation("a", "shop", "westeurope", { consecutiveSuccesses: 2, at: AT + 10_000 }),
        observation("b", "shop", "westeurope"),
      ]);
      const rows = sortObs(await store.readObservations("shop"));
      assert.deepEqual(
        rows.map((o) => [o.observer, o.consecutiveSuccesses, o.at]),
        [
          ["a", 2, AT + 10_000],
          ["b", 1, AT],
        ],
      );
    });

    it("reads only the asked group's observations", async () => {
      const store = await fixture.create();
      await store.recordObservations([
        observation("a", "shop", "westeurope"),
        observation("a", "catalog", "westeurope"),
      ]);
      const rows = await store.readObservations("catalog");
      assert.deepEqual(
        rows.map((o) => o.group),
        ["catalog"],
      );
    });

    it("writes and reads more observations than one batch holds", async () => {
      const store = await fixture.create();
      const many = Array.from({ length: 250 }, (_, i) =>
        observation("a", "big", `region-${String(i).padStart(3, "0")}`),
      );
      await store.recordObservations(many);
      assert.deepEqual(sortObs(await store.readObservations("big")), sortObs(many));
    });

    it("keeps one heartbeat per observer, the latest", async () => {
      const store = await fixture.create();
      const beats: Heartbeat[] = [
        { observer: "westeurope", at: AT, version: "0.1.0", tickMs: 20 },
        { observer: "northeurope", at: AT + 1, version: "0.1.0", tickMs: 30 },
        { observer: "westeurope", at: AT + 10_000, version: "0.2.0", tickMs: 25 },
      ];
      for (const beat of beats) await store.recordHeartbeat(beat);
      const read = (await store.readHeartbeats()).sort((a, b) =>
        a.observer.localeCompare(b.observer),
      );
      assert.deepEqual(read, [beats[1], beats[2]]);
    });

    it("keeps times to the millisecond", async () => {
      const store = await fixture.create();
      const at = 1_799_999_999_999;
      await store.recordObservations([observation("a", "shop", "westeurope", { at })]);
      await store.recordHeartbeat({ observer: "a", at, version: "1", tickMs: 0 });
      assert.equal((await store.readObservations("shop"))[0]?.at, at);
      assert.equal((await store.readHeartbeats())[0]?.at, at);
    });

    it("does not share rows between two stores", async () => {
      const one = await fixture.create();
      const two = await fixture.create();
      await one.recordObservations([observation("a", "shop", "westeurope")]);
      assert.deepEqual(await two.readObservations("shop"), []);
    });
  });
}
