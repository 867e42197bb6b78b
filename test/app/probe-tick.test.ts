import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import { ENTRY_POINT } from "../../src/core/index.js";
import type { StateStore } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import { RegionalApp } from "../../src/sandbox/regional-app.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

describe("probe tick", () => {
  const weu = new RegionalApp("westeurope");
  const neu = new RegionalApp("northeurope");
  const config = () =>
    twoRegionConfig({
      westeurope: weu.healthUrl,
      northeurope: neu.healthUrl,
      entry: neu.healthUrl,
    });

  before(async () => {
    await weu.start();
    await neu.start();
  });
  after(async () => {
    await weu.stop();
    await neu.stop();
  });

  it("probes every region and the entry point, and records observations and a heartbeat", async () => {
    weu.mode = "up";
    const store = new MemoryStateStore();
    const clock = new ManualClock();
    const rt = await runtimeFor(config(), "westeurope", { store, clock });
    const result = await runProbeTick(rt);

    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.observations.map((o) => [o.target, o.ok, o.statusCode]).sort(), [
      [ENTRY_POINT, true, 200],
      ["northeurope", true, 200],
      ["westeurope", true, 200],
    ]);
    assert.equal((await store.readObservations("shop")).length, 3);
    const [beat] = await store.readHeartbeats();
    assert.equal(beat?.observer, "westeurope");
    assert.equal(beat?.at, clock.time);
    assert.deepEqual(
      result.verdicts[0]?.regions.map((r) => [r.region, r.verdict]),
      [
        ["westeurope", "healthy"],
        ["northeurope", "healthy"],
      ],
    );
  });

  it("reaches 'down' only after both observers saw the threshold of failures in a row", async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock();
    const observers = [
      await runtimeFor(config(), "westeurope", { store, clock }),
      await runtimeFor(config(), "northeurope", { store, clock }),
    ];
    weu.mode = "down";
    try {
      const seen: string[] = [];
      for (let tick = 1; tick <= 3; tick++) {
        clock.advance(2000);
        for (const rt of observers) {
          const result = await runProbeTick(rt);
          seen.push(`${tick}:${rt.observer}:${result.verdicts[0]!.regions[0]!.verdict}`);
        }
      }
      assert.deepEqual(seen, [
        "1:westeurope:suspect",
        "1:northeurope:suspect",
        "2:westeurope:suspect",
        "2:northeurope:suspect",
        "3:westeurope:suspect",
        "3:northeurope:down",
      ]);
      const own = (await store.readObservations("shop")).find(
        (o) => o.observer === "westeurope" && o.target === "westeurope",
      );
      assert.equal(own?.consecutiveFailures, 3);
      assert.equal(own?.error?.kind, "http-status");
    } finally {
      weu.mode = "up";
    }
  });

  it("does not throw when the store fails: it reports the problem and writes nothing it cannot continue", async () => {
    const failing: StateStore = {
      initialise: async () => {},
      readObservations: async () => {
        throw new StoreError(
          "unavailable",
          "state store: reading observations of shop failed: 503",
        );
      },
      recordObservations: async () =>
        assert.fail("must not write observations whose run counts are unknown"),
      recordHeartbeat: async () => {
        throw new StoreError("unavailable", "state store: writing heartbeat failed: 503");
      },
      readHeartbeats: async () => [],
    };
    const rt = await runtimeFor(config(), "westeurope", { store: failing });
    const result = await runProbeTick(rt);
    assert.deepEqual(result.problems, [
      "state store: reading observations of shop failed: 503",
      "state store: writing heartbeat failed: 503",
    ]);
    assert.deepEqual(result.observations, []);
    assert.deepEqual(result.verdicts, []);
  });
});
