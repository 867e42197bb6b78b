// The history rows every StateStore keeps (ADR 0025): read by a range of days, replaced whole,
// pruned by day. Run by the store contract against each implementation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RollupDay } from "../../../src/core/rollup.js";
import { addObservation, addVerdictTime, emptyRollup } from "../../../src/core/rollup.js";
import type { StoreFixture } from "./contract.js";

const AT = Date.parse("2026-12-05T13:20:00Z");

function day(date: string, group: string, probes = 1): RollupDay {
  const row = emptyRollup(date, group);
  for (let i = 0; i < probes; i++)
    addObservation(
      row,
      {
        observer: "northeurope",
        group,
        target: "westeurope",
        tick: { instance: "i1", seq: i },
        ok: i % 2 === 0,
        consecutiveFailures: 0,
        consecutiveSuccesses: 1,
        failuresBefore: 0,
        latencyMs: 40,
        phases: { dnsMs: 1, connectMs: 3, tlsMs: 9, firstByteMs: 30, totalMs: 40 },
        at: AT,
      },
      AT,
    );
  addVerdictTime(row, "westeurope", true, AT, 10_000);
  return row;
}

const keys = (rows: RollupDay[]) => rows.map((r) => `${r.day}|${r.group}`);

export function rollupStoreContract(name: string, fixture: StoreFixture): void {
  describe(`StateStore contract, history rows: ${name}`, () => {
    it("reads back the rows of the days asked for, as written, every group, oldest day first", async () => {
      const store = await fixture.create();
      const rows = [
        day("2026-12-04", "shop"),
        day("2026-12-05", "shop", 3),
        day("2026-12-05", "catalog"),
        day("2026-12-06", "shop"),
      ];
      await store.writeRollups(rows);
      const read = await store.readRollups("2026-12-05", "2026-12-06");
      assert.deepEqual(keys(read), ["2026-12-05|catalog", "2026-12-05|shop", "2026-12-06|shop"]);
      assert.deepEqual(read[1], rows[1]);
      assert.deepEqual(await store.readRollups("2026-12-07", "2026-12-08"), []);
    });

    it("reads one group's days alone, not those of a group whose name starts alike or looks like a day", async () => {
      const store = await fixture.create();
      const rows = [
        day("2026-12-04", "shop"),
        day("2026-12-05", "shop", 3),
        day("2026-12-06", "shop"),
        day("2026-12-07", "shop"),
        day("2026-12-05", "shop-eu"),
        day("2026-12-05", "sho"),
        day("2026-12-05", "2026-12-05"),
      ];
      await store.writeRollups(rows);
      const read = await store.readRollups("2026-12-05", "2026-12-06", { group: "shop" });
      assert.deepEqual(keys(read), ["2026-12-05|shop", "2026-12-06|shop"]);
      assert.deepEqual(read[0], rows[1]);
      assert.deepEqual(
        keys(await store.readRollups("2026-12-01", "2026-12-31", { group: "2026-12-05" })),
        ["2026-12-05|2026-12-05"],
      );
      assert.deepEqual(await store.readRollups("2026-12-05", "2026-12-06", { group: "cart" }), []);
    });

    it("a write replaces a group's day whole, and a writer's later changes are not in the store", async () => {
      const store = await fixture.create();
      const row = day("2026-12-05", "shop", 1);
      await store.writeRollups([row]);
      addVerdictTime(row, "westeurope", false, AT, 5_000);
      assert.equal(
        (await store.readRollups("2026-12-05", "2026-12-05"))[0]!.verdicts["westeurope"]!
          .seenMs[13],
        10_000,
      );
      await store.writeRollups([row]);
      const [read] = await store.readRollups("2026-12-05", "2026-12-05");
      assert.equal(read!.verdicts["westeurope"]!.seenMs[13], 15_000);
      assert.equal(read!.verdicts["westeurope"]!.downMs[13], 10_000);
    });

    it("writes more than one transaction's worth of groups at once", async () => {
      const store = await fixture.create();
      const rows = Array.from({ length: 130 }, (_, i) =>
        day("2026-12-05", `g${String(i).padStart(3, "0")}`),
      );
      await store.writeRollups(rows);
      assert.equal((await store.readRollups("2026-12-05", "2026-12-05")).length, 130);
    });

    it("prunes the days before the one given, and only those", async () => {
      const store = await fixture.create();
      await store.writeRollups([
        day("2026-11-04", "shop"),
        day("2026-11-05", "catalog"),
        day("2026-11-06", "shop"),
      ]);
      assert.equal(await store.pruneRollups("2026-11-06"), 2);
      assert.deepEqual(keys(await store.readRollups("2026-01-01", "2026-12-31")), [
        "2026-11-06|shop",
      ]);
      assert.equal(await store.pruneRollups("2026-11-06"), 0);
    });
  });
}
