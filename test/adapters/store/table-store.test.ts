import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TableClient } from "@azure/data-tables";
import { tableStoreFromConnectionString } from "../../../src/adapters/store/table/table-store.js";
import { isStoreError } from "../../../src/ports/state-store.js";
import type { Azurite } from "../../../src/sandbox/azurite.js";
import { startAzurite } from "../../../src/sandbox/azurite.js";
import { hangingServer } from "../../helpers/servers.js";
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
    await store.recordHeartbeat({
      observer: "westeurope",
      tick: { instance: "i1", seq: 1 },
      at: 1,
      version: "1",
      tickMs: 1,
      impaired: false,
    });
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
      allowInsecureConnection: true,
    });
    await raw.upsertEntity({
      partitionKey: "observer-northeurope",
      rowKey: "~heartbeat",
      atMs: "yesterday",
    });
    const beats = await store.readHeartbeats();
    assert.deepEqual(
      beats.map((b) => b.observer),
      ["westeurope"],
    );
    assert.deepEqual(warnings, [
      "state store: skipped a malformed heartbeat row (observer-northeurope/~heartbeat)",
    ]);
  });

  it("moves incidents and their alerts from the layout before ADR 0014 on initialise, once", async () => {
    const table = `moved${++tables}`;
    const store = tableStoreFromConnectionString(azurite.connectionString, table);
    await store.initialise();
    const incident = {
      id: "001800000000000-abcd1234",
      group: "shop",
      kind: "failover",
      trigger: "automatic",
      from: "westeurope",
      to: "northeurope",
      step: "detected",
      openedAt: 1_800_000_000_000,
      stepStartedAt: 1_800_000_000_000,
      shift: { region: "northeurope" },
      history: [],
    };
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
      allowInsecureConnection: true,
    });
    await raw.createEntity({
      partitionKey: "incident-shop",
      rowKey: incident.id,
      step: "detected",
      openedAtMs: { value: "1800000000000", type: "Double" },
      data: JSON.stringify(incident),
    });
    await raw.createEntity({
      partitionKey: "incident-shop",
      rowKey: "alert-0123456789",
      key: "incident|old",
      atMs: { value: "1800000000000", type: "Double" },
      done: false,
      alert: JSON.stringify({
        key: "incident|old",
        type: "incident.opened",
        title: "t",
        subject: "s",
        at: 1_800_000_000_000,
        group: "shop",
      }),
      deliveries: "{}",
    });
    await store.initialise();
    await store.initialise();
    assert.deepEqual(
      (await store.readIncidents("shop")).map((s) => s.incident.id),
      [incident.id],
    );
    assert.deepEqual(
      (await store.readOutbox(["shop"])).map((r) => r.row.alert.key),
      ["incident|old"],
    );
    const left = [];
    for await (const row of raw.listEntities({
      queryOptions: { filter: "PartitionKey eq 'incident-shop'" },
    }))
      left.push(row.rowKey);
    assert.deepEqual(left, [], "the old rows are gone");
    const moved = await raw.getEntity<{ atMs: unknown }>("state", "alert-0123456789");
    assert.equal(moved.atMs, 1_800_000_000_000, "a time stays a double");
  });

  it("moves action log rows of the layout before ADR 0017 into the log as it prunes, and deletes the old ones", async () => {
    const table = `oldlog${++tables}`;
    const store = tableStoreFromConnectionString(azurite.connectionString, table);
    await store.initialise();
    const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
      allowInsecureConnection: true,
    });
    const old = (at: number, name: string, extra: Record<string, unknown> = {}) =>
      raw.createEntity({
        partitionKey: "action",
        rowKey: `${String(at).padStart(15, "0")}-000000001-${name.replace(/\W/g, "")}`,
        atMs: { value: String(at), type: "Double" },
        actor: "westeurope#1",
        epoch: { value: "2", type: "Double" },
        name,
        outcome: "done",
        ...extra,
      });
    const at = 1_800_000_000_000;
    await old(at, "too old");
    await old(at + 5_000, "kept", { incident: "001800000000000-cccc3333" });
    await store.appendAction({
      at: at + 9_000,
      actor: "x#1",
      epoch: 3,
      name: "new",
      outcome: "done",
    });
    assert.deepEqual(
      (await store.readActions()).map((a) => a.name),
      ["too old", "kept", "new"],
      "the whole log, old rows included, before they move",
    );
    assert.deepEqual(
      (await store.readActionPage({ limit: 10 })).entries.map((a) => a.name),
      ["new"],
    );
    const pruned = await store.pruneAudit({ before: at + 1, maxRows: 10 });
    assert.deepEqual(pruned, {
      actions: 1,
      moved: 1,
      refusedRows: 0,
      refusedCalls: 0,
      oldest: at,
      newest: at,
      more: false,
    });
    assert.deepEqual(
      (await store.readActionPage({ limit: 10 })).entries.map((a) => a.name),
      ["new", "kept"],
      "moved to its place in time",
    );
    assert.deepEqual(
      (await store.readActionPage({ limit: 10, incident: "001800000000000-cccc3333" })).entries.map(
        (a) => a.name,
      ),
      ["kept"],
    );
    const left = [];
    for await (const row of raw.listEntities({
      queryOptions: { filter: "PartitionKey eq 'action' and RowKey lt ':'" },
    }))
      left.push(row.rowKey);
    assert.deepEqual(left, [], "no row of the old layout is left");
    assert.equal((await store.pruneAudit({ before: at + 1, maxRows: 10 })).moved, 0);
  });

  it("turns a refused connection into an 'unavailable' StoreError", async () => {
    const gone = await startAzurite(0);
    const store = tableStoreFromConnectionString(gone.connectionString, "gone", {
      timeoutMs: 3000,
    });
    await gone.stop();
    await assert.rejects(store.readHeartbeats(), (error: unknown) => {
      assert.ok(isStoreError(error), `expected a StoreError, got ${String(error)}`);
      assert.equal(error.kind, "unavailable");
      assert.match(error.message, /^state store: reading heartbeats failed: /);
      return true;
    });
  });

  it("gives up on a store that never answers after its timeout", async () => {
    const silent = await hangingServer();
    try {
      const connection = azurite.connectionString.replace(
        /TableEndpoint=[^;]+/,
        `TableEndpoint=http://127.0.0.1:${silent.port}/devstoreaccount1`,
      );
      const store = tableStoreFromConnectionString(connection, "silent", { timeoutMs: 400 });
      const started = Date.now();
      await assert.rejects(store.readHeartbeats(), (error: unknown) => {
        assert.ok(isStoreError(error));
        assert.equal(error.kind, "unavailable");
        assert.equal(
          error.message,
          "state store: reading heartbeats failed: timed out or was cancelled",
        );
        return true;
      });
      const took = Date.now() - started;
      // Never before the timeout; after it, as soon as a busy machine gets round to it.
      assert.ok(took >= 350 && took < 5000, `took ${took} ms with a 400 ms timeout`);
    } finally {
      await silent.close();
    }
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
