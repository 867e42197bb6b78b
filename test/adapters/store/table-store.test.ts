import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TableClient } from "@azure/data-tables";
import {
  TableStateStore,
  tableStoreFromConnectionString,
} from "../../../src/adapters/store/table/table-store.js";
import type { Log } from "../../../src/ports/log.js";
import { isStoreError } from "../../../src/ports/state-store.js";
import type { Azurite } from "../../../src/sandbox/azurite.js";
import { startAzurite } from "../../../src/sandbox/azurite.js";
import { countingTableClient } from "../../helpers/counting-table.js";
import { hangingServer } from "../../helpers/servers.js";
import { stateStoreContract } from "./contract.js";

let azurite: Azurite;
let tables = 0;

before(async () => {
  azurite = await startAzurite(0);
});
after(async () => azurite.stop());

/** The table itself, to write what the store would not: old layouts, rows that do not decode. */
const rawTable = (table: string) =>
  TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
  });

/** The row keys left in a partition, under `filter`. */
async function rowKeysLeft(raw: TableClient, filter: string): Promise<unknown[]> {
  const left = [];
  for await (const row of raw.listEntities({ queryOptions: { filter } })) left.push(row.rowKey);
  return left;
}

/** An action log row of the layout before ADR 0017: row key `<at>-000000001-<suffix>`. */
const oldActionRow = (at: number, suffix: string, fields: Record<string, unknown>) => ({
  partitionKey: "action",
  rowKey: `${String(at).padStart(15, "0")}-000000001-${suffix}`,
  atMs: { value: String(at), type: "Double" },
  actor: "a",
  epoch: { value: "1", type: "Double" },
  outcome: "done",
  ...fields,
});

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
    const raw = rawTable(table);
    await raw.upsertEntity({
      partitionKey: "observer-northeurope",
      rowKey: "~heartbeat",
      atMs: "yesterday",
    });
    const beats = (await store.readAllObservations()).heartbeats;
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
    const raw = rawTable(table);
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
    assert.deepEqual(
      await rowKeysLeft(raw, "PartitionKey eq 'incident-shop'"),
      [],
      "the old rows are gone",
    );
    const moved = await raw.getEntity<{ atMs: unknown }>("state", "alert-0123456789");
    assert.equal(moved.atMs, 1_800_000_000_000, "a time stays a double");
  });

  it("moves action log rows of the layout before ADR 0017 into the log as it prunes, and deletes the old ones", async () => {
    const table = `oldlog${++tables}`;
    const store = tableStoreFromConnectionString(azurite.connectionString, table);
    await store.initialise();
    const raw = rawTable(table);
    const old = (at: number, name: string, extra: Record<string, unknown> = {}) =>
      raw.createEntity(
        oldActionRow(at, name.replace(/\W/g, ""), {
          actor: "westeurope#1",
          epoch: { value: "2", type: "Double" },
          name,
          ...extra,
        }),
      );
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
    assert.deepEqual(
      await rowKeysLeft(raw, "PartitionKey eq 'action' and RowKey lt ':'"),
      [],
      "no row of the old layout is left",
    );
    assert.equal((await store.pruneAudit({ before: at + 1, maxRows: 10 })).moved, 0);
  });

  describe("the audit log on Table Storage", () => {
    const MINUTE = 1_800_000_000_000;
    const calls = (from: string, count = 1) => ({
      minute: MINUTE,
      actor: "anonymous",
      from,
      count,
      firstAt: MINUTE,
      lastAt: MINUTE,
      name: "api pause",
      reason: "401",
    });
    const fresh = async (prefix: string, log?: Log) => {
      const table = `${prefix}${++tables}`;
      const counting = countingTableClient(azurite.connectionString, table);
      const store = new TableStateStore(counting.client, log ? { log } : {});
      await store.initialise();
      return { store, raw: rawTable(table), requests: counting.requests };
    };
    /** `count` log entries a millisecond apart from MINUTE, the i-th named `name(i)`. */
    const appendActions = async (
      store: TableStateStore,
      count: number,
      name: (i: number) => string,
      incident?: string,
    ) => {
      for (let i = 0; i < count; i++)
        await store.appendAction({
          at: MINUTE + i,
          actor: "a",
          epoch: 1,
          name: name(i),
          outcome: "done",
          ...(incident ? { incident } : {}),
        });
    };

    it("two processes counting at once: every call counted once, the cap held across both", async () => {
      const { store } = await fresh("race");
      const other = tableStoreFromConnectionString(azurite.connectionString, `race${tables}`);
      const cap = { callersPerMinute: 3 };
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          (i % 2 ? store : other).addRefusedCalls(
            Array.from({ length: 6 }, (_, c) => calls(`192.0.2.${c}`)),
            cap,
          ),
        ),
      );
      const rows = (await store.readRefusedCalls({ limit: 50 })).entries;
      assert.equal(rows.filter((r) => r.actor !== "others").length, 3, "three callers, no more");
      assert.equal(rows.filter((r) => r.actor === "others").length, 1);
      assert.equal(
        rows.reduce((n, r) => n + r.count, 0),
        48,
      );
    });

    it("a process that knows nothing of a minute others filled: no caller listed twice, no write it does not need", async () => {
      const { store: first } = await fresh("late");
      const table = `late${tables}`;
      const late = countingTableClient(azurite.connectionString, table);
      const second = new TableStateStore(late.client);
      const cap = { callersPerMinute: 2 };
      await first.addRefusedCalls([calls("192.0.2.1")], cap);
      await second.addRefusedCalls([calls("192.0.2.1")], cap);
      await second.addRefusedCalls([calls("192.0.2.2")], cap);
      const third = countingTableClient(azurite.connectionString, table);
      const before = third.requests();
      await new TableStateStore(third.client).addRefusedCalls([calls("192.0.2.3")], cap);
      assert.equal(
        third.requests() - before,
        3,
        "a newcomer to a minute another process filled: the list read, not written; the others' row",
      );
      assert.deepEqual(
        (await first.readRefusedCalls({ limit: 10 })).entries
          .map((r) => `${r.actor}@${r.from}: ${r.count}`)
          .sort(),
        ["anonymous@192.0.2.1: 2", "anonymous@192.0.2.2: 1", "others@: 1"],
        "the caller already listed is not listed again: the second still found room",
      );
    });

    it("costs a page one request; a known caller's count two; a newcomer to a minute known full two", async () => {
      const { store, requests } = await fresh("cost");
      await appendActions(store, 30, () => "n");
      const cost = async (work: () => Promise<unknown>) => {
        const before = requests();
        await work();
        return requests() - before;
      };
      assert.equal(await cost(() => store.readActionPage({ limit: 10 })), 1, "a page");
      const cap = { callersPerMinute: 2 };
      const add = (from: string) => cost(() => store.addRefusedCalls([calls(from)], cap));
      assert.equal(
        await add("192.0.2.1"),
        4,
        "a first caller: the minute's list read and written, its row read and written",
      );
      assert.equal(await add("192.0.2.1"), 2, "a caller the process knows: its row only");
      assert.equal(await add("192.0.2.2"), 4, "a second caller: the list again, then its row");
      assert.equal(
        await add("192.0.2.3"),
        2,
        "a newcomer to a minute the process knows is full: the others' row only",
      );
      assert.equal(await add("192.0.2.2"), 2);
    });

    it("overwrites a refused-call row that does not decode, and says so", async () => {
      const warnings: string[] = [];
      const log = { info: () => {}, error: () => {}, warn: (m: string) => warnings.push(m) };
      const { store, raw } = await fresh("badcount", log);
      await store.addRefusedCalls([calls("192.0.2.1")], { callersPerMinute: 5 });
      const [row] = (await store.readRefusedCalls({ limit: 5 })).entries;
      const rowKey = row!.id!.replace("-", "|");
      await raw.updateEntity({ partitionKey: "refused", rowKey, count: "many" }, "Replace");
      await store.addRefusedCalls([calls("192.0.2.1", 5)], { callersPerMinute: 5 });
      assert.equal((await store.readRefusedCalls({ limit: 5 })).entries[0]?.count, 5);
      assert.deepEqual(warnings, [
        `state store: a malformed refused-call row (${rowKey}) is overwritten`,
      ]);
    });

    it("skips a log row that does not decode in a page, and its cursor still leads on", async () => {
      const warnings: string[] = [];
      const log = { info: () => {}, error: () => {}, warn: (m: string) => warnings.push(m) };
      const { store, raw } = await fresh("badlog", log);
      await appendActions(store, 3, (i) => `n${i}`);
      const [, middle] = (await store.readActionPage({ limit: 3 })).entries;
      await raw.updateEntity(
        { partitionKey: "action", rowKey: `log|${middle!.id}`, atMs: "never" },
        "Replace",
      );
      const first = await store.readActionPage({ limit: 2 });
      assert.deepEqual(
        first.entries.map((e) => e.name),
        ["n2"],
      );
      assert.equal(first.next, middle!.id, "the cursor is the last row's place, read or not");
      assert.deepEqual(
        (await store.readActionPage({ limit: 2, before: first.next! })).entries.map((e) => e.name),
        ["n0"],
      );
      assert.deepEqual(warnings, [
        `state store: skipped a malformed action row (action/log|${middle!.id})`,
      ]);
    });

    it("a prune finishes what an interrupted one left: an incident row already gone, an old row already moved", async () => {
      const { store, raw } = await fresh("redo");
      const incident = "001800000000000-dddd4444";
      await appendActions(store, 3, (i) => `old ${i}`, incident);
      const [gone] = (await store.readActionPage({ limit: 1, incident })).entries;
      await raw.deleteEntity("action", `inc|${incident}|${gone!.id}`);
      // A row of the old layout whose move was written, but not its deletion.
      const at = MINUTE + 86_400_000;
      const row = oldActionRow(at, "eeee", { name: "moved twice" });
      await raw.createEntity(row);
      await raw.createEntity({
        ...row,
        rowKey: `log|${String(999_999_999_999_999 - at).padStart(15, "0")}-000000001-eeee`,
      });
      const pruned = await store.pruneAudit({ before: MINUTE + 1000, maxRows: 10 });
      assert.deepEqual([pruned.actions, pruned.moved, pruned.more], [3, 1, false]);
      assert.deepEqual(
        (await store.readActions()).map((a) => a.name),
        ["moved twice"],
        "moved once, the old row gone",
      );
      assert.deepEqual((await store.readActionPage({ limit: 5, incident })).entries, []);
    });

    it("moves an old row written exactly at the horizon, and deletes one a millisecond before", async () => {
      const { store, raw } = await fresh("edge");
      const horizon = MINUTE + 5000;
      for (const [at, name] of [
        [horizon, "at the horizon"],
        [horizon - 1, "just before"],
      ] as const)
        await raw.createEntity(oldActionRow(at, String(at % 10), { name }));
      await raw.createEntity({ partitionKey: "action", rowKey: "000000000000001-bad", atMs: "?" });
      const pruned = await store.pruneAudit({ before: horizon, maxRows: 10 });
      assert.deepEqual(
        [pruned.actions, pruned.moved, pruned.oldest, pruned.newest],
        [1, 1, horizon - 1, horizon - 1],
        "an old row that does not decode is left; the others are handled",
      );
      assert.deepEqual(
        (await store.readActionPage({ limit: 5 })).entries.map((a) => a.name),
        ["at the horizon"],
      );
    });

    it("a prune of more than one transaction's rows (120 here) deletes them all, each entry's incident row with it", async () => {
      const { store, requests } = await fresh("bulk");
      await appendActions(store, 60, (i) => `n${i}`, "001800000000000-ffff");
      const before = requests();
      const pruned = await store.pruneAudit({ before: MINUTE + 1000, maxRows: 500 });
      assert.deepEqual([pruned.actions, pruned.oldest, pruned.newest], [60, MINUTE, MINUTE + 59]);
      assert.equal(
        requests() - before,
        6,
        "four queries (log, old layout, refused calls, callers) and two transactions of at most 100",
      );
      assert.deepEqual(await store.readActions(), []);
      assert.deepEqual(
        (await store.readActionPage({ limit: 5, incident: "001800000000000-ffff" })).entries,
        [],
      );
    });
  });

  it("turns a refused connection into an 'unavailable' StoreError", async () => {
    const gone = await startAzurite(0);
    const store = tableStoreFromConnectionString(gone.connectionString, "gone", {
      timeoutMs: 3000,
    });
    await gone.stop();
    await assert.rejects(store.readAllObservations(), (error: unknown) => {
      assert.ok(isStoreError(error), `expected a StoreError, got ${String(error)}`);
      assert.equal(error.kind, "unavailable");
      assert.match(error.message, /^state store: reading observations failed: /);
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
      await assert.rejects(store.readAllObservations(), (error: unknown) => {
        assert.ok(isStoreError(error));
        assert.equal(error.kind, "unavailable");
        assert.equal(
          error.message,
          "state store: reading observations failed: timed out or was cancelled",
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
