import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TableClient } from "@azure/data-tables";
import { tableStoreFromConnectionString } from "../../../src/adapters/store/table/table-store.js";
import { isStoreError } from "../../../src/ports/state-store.js";
import type { Azurite } from "../../../src/sandbox/azurite.js";
import { startAzurite } from "../../../src/sandbox/azurite.js";
import { stateStoreContract } from "./contract.js";

let azurite: Azurite;
let tables = 0;

before(async () => {
  azurite = await startAzurite(0);
});
after(async () => azurite.stop());

stateStoreContract("Table Storage on Azurite", {
  create: async () => {
    const store = tableStoreFromConnectionString(azurite.connectionString, `contract${++tables}`);
    await store.initialise();
    return store;
  },
});

describe("Table Storage adapter", () => {
  it("skips a malformed row and reports it, instead of failing the read", async () => {
    const table = `malformed${++tables}`;
    const warnings: string[] = [];
    const store = tableStoreFromConnectionString(azurite.connectionString, table, {
      log: { info: () => {}, error: () => {}, warn: (m) => warnings.push(m) },
    });
    await store.initialise();
    await store.recordHeartbeat({ observer: "westeurope", at: 1, version: "1", tickMs: 1 });
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
      allowInsecureConnection: true,
    });
    await raw.upsertEntity({ partitionKey: "heartbeat", rowKey: "northeurope", atMs: "yesterday" });
    const beats = await store.readHeartbeats();
    assert.deepEqual(
      beats.map((b) => b.observer),
      ["westeurope"],
    );
    assert.deepEqual(warnings, [
      "state store: skipped a malformed heartbeat row (heartbeat/northeurope)",
    ]);
  });

  it("turns an unreachable store into an 'unavailable' StoreError within its timeout", async () => {
    const gone = await startAzurite(0);
    const store = tableStoreFromConnectionString(gone.connectionString, "gone", {
      timeoutMs: 3000,
    });
    await gone.stop();
    const started = Date.now();
    await assert.rejects(store.readHeartbeats(), (error: unknown) => {
      assert.ok(isStoreError(error), `expected a StoreError, got ${String(error)}`);
      assert.equal(error.kind, "unavailable");
      assert.match(error.message, /^state store: reading heartbeats failed: /);
      return true;
    });
    assert.ok(Date.now() - started < 10_000, "the call must end within its timeout");
  });

  it("refuses a malformed connection string without quoting it", () => {
    assert.throws(
      () => tableStoreFromConnectionString("AccountKey=S3CRET;nonsense", "tandem"),
      (error: Error) =>
        !error.message.includes("S3CRET") &&
        /not a valid storage connection string/.test(error.message),
    );
  });
});
