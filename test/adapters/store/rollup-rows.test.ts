// History rows on Table Storage (Azurite): a row larger than one String property is cut and put
// back together, and a row that does not decode is skipped and named, not taken.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TableClient } from "@azure/data-tables";
import { tableStoreFromConnectionString } from "../../../src/adapters/store/table/table-store.js";
import { addObservation, addVerdictTime, emptyRollup } from "../../../src/core/rollup.js";
import type { Log } from "../../../src/ports/log.js";
import type { Azurite } from "../../../src/sandbox/azurite.js";
import { startAzurite } from "../../../src/sandbox/azurite.js";

const AT = Date.parse("2026-12-07T09:30:00Z");

describe("history rows on Table Storage", () => {
  let azurite: Azurite;
  before(async () => {
    azurite = await startAzurite(0);
  });
  after(async () => azurite.stop());

  /** A store on a fresh table holding `group`'s day (westeurope down for a second), and the table. */
  const storeWithDay = async (table: string, group: string, log?: Log) => {
    const store = tableStoreFromConnectionString(
      azurite.connectionString,
      table,
      log ? { log } : {},
    );
    await store.initialise();
    const day = emptyRollup("2026-12-07", group);
    addVerdictTime(day, "westeurope", false, AT, 1000);
    await store.writeRollups([day]);
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
      allowInsecureConnection: true,
    });
    return { store, day, raw };
  };

  it("a group's day longer than a String property holds is cut, and read back whole", async () => {
    const store = tableStoreFromConnectionString(azurite.connectionString, "rollupbig");
    await store.initialise();
    const day = emptyRollup("2026-12-07", "big");
    // 20 regions seen by 6 observers: 120 series, three String properties of JSON.
    for (let r = 0; r < 20; r++)
      for (let o = 0; o < 6; o++)
        for (let h = 0; h < 24; h++)
          addObservation(
            day,
            {
              observer: `observer${o}`,
              group: "big",
              target: `region${r}`,
              tick: { instance: "i", seq: h },
              ok: true,
              consecutiveFailures: 0,
              consecutiveSuccesses: 1,
              failuresBefore: 0,
              latencyMs: 50,
              phases: { dnsMs: 1.25, connectMs: 3.5, tlsMs: 9.75, firstByteMs: 41.5, totalMs: 50 },
              at: 0,
            },
            Date.parse("2026-12-07T00:00:00Z") + h * 3_600_000,
          );
    assert.ok(JSON.stringify(day).length > 60_000);
    await store.writeRollups([day]);
    assert.deepEqual(await store.readRollups("2026-12-07", "2026-12-07"), [day]);
  });

  it("skips a row that does not decode, says which and why, and returns the others", async () => {
    const warnings: string[] = [];
    const log: Log = { info: () => {}, error: () => {}, warn: (m) => warnings.push(m) };
    const { store, day: good, raw } = await storeWithDay("rollupbad", "shop", log);
    await raw.upsertEntity({
      partitionKey: "rollup",
      rowKey: "catalog|2026-12-07",
      day: "2026-12-07",
      d00: "{",
    });
    await raw.upsertEntity({
      partitionKey: "rollup",
      rowKey: "other|2026-12-07",
      day: "2026-12-07",
      d00: JSON.stringify({ ...good, group: "other", verdicts: { westeurope: { seenMs: [1] } } }),
    });
    assert.deepEqual(await store.readRollups("2026-12-07", "2026-12-07"), [good]);
    assert.deepEqual(warnings, [
      "state store: skipped a malformed rollup row (catalog|2026-12-07): not JSON",
      "state store: skipped a malformed rollup row (other|2026-12-07): malformed verdict hours of westeurope",
    ]);
  });

  it("a row of the layout before ADR 31 ({day}|{group}, no day property) is read by nobody, and the next prune deletes it", async () => {
    const { store, day: today, raw } = await storeWithDay("rollupold", "shop");
    const old = emptyRollup("2026-12-07", "catalog");
    await raw.upsertEntity({
      partitionKey: "rollup",
      rowKey: "2026-12-07|catalog",
      d00: JSON.stringify(old),
    });
    assert.deepEqual(await store.readRollups("2026-12-07", "2026-12-07"), [today]);
    assert.equal(await store.pruneRollups("2026-11-08"), 1);
    const left = [];
    for await (const row of raw.listEntities()) left.push(row.rowKey);
    assert.deepEqual(left, ["shop|2026-12-07"]);
  });
});
