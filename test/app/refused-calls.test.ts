// Refused API calls cannot flood the audit log (ADR 0017): they are counted per caller and minute
// in a partition of their own, a bounded number of rows and store requests whatever their number,
// and none in the action log's partition, which a fenced step writes its intent into.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TableClient } from "@azure/data-tables";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { TableStateStore } from "../../src/adapters/store/table/table-store.js";
import type { ApiRequest } from "../../src/app/api/http.js";
import { API_ROUTES, serve } from "../../src/app/api/routes.js";
import {
  CALLERS_PER_MINUTE,
  PENDING_CALLERS,
  noteRefused,
  refusedCallsSettled,
} from "../../src/app/refused-calls.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { RefusedCalls } from "../../src/ports/audit-store.js";
import type { Azurite } from "../../src/sandbox/azurite.js";
import { startAzurite } from "../../src/sandbox/azurite.js";
import { countingTableClient } from "../helpers/counting-table.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const URLS = { westeurope: "http://127.0.0.1:9/w", northeurope: "http://127.0.0.1:9/n" };
const command = API_ROUTES.find((r) => r.name === "command")!;
const quiet = { error: () => {} };

/** An unauthenticated POST to pause the group, from `address` behind a forged chain. */
function pause(address: string, n: number): ApiRequest {
  return {
    method: "POST",
    params: { group: "shop", command: "pause" },
    query: new URLSearchParams(),
    headers: new Headers({
      "content-type": "application/json",
      "x-forwarded-for": `10.9.9.9, 127.0.0.1, ${address}`,
    }),
    bytes: async () => new TextEncoder().encode('{"reason":"let me in"}'),
    id: `flood-${n}`,
  };
}

async function rowsOf(client: TableClient, partition: string) {
  const rows: Record<string, unknown>[] = [];
  for await (const row of client.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partition}'` },
  }))
    rows.push(row);
  return rows;
}

describe("refused calls against Table Storage (Azurite)", () => {
  let azurite: Azurite;
  before(async () => {
    azurite = await startAzurite(0);
  });
  after(async () => azurite.stop());

  // 4,000 calls here; the same bound with 20,000 is in the benchmark (`npm run bench -- --only audit`).
  it("4,000 refused calls from 60 addresses over two minutes: 22 rows a minute, none in the action log's partition, every call counted", async () => {
    const { client, requests } = countingTableClient(azurite.connectionString, "flood");
    const store = new TableStateStore(client);
    await store.initialise();
    const clock = new ManualClock();
    const rt = await runtimeFor(twoRegionConfig(URLS), "westeurope", { store, clock });
    const runtime = async () => rt;
    await store.appendAction({
      at: clock.now(),
      actor: "x",
      epoch: 1,
      name: "before",
      outcome: "done",
    });
    const before = requests();

    const statuses = new Map<number, number>();
    for (let minute = 0; minute < 2; minute++) {
      const answers = await Promise.all(
        Array.from({ length: 2_000 }, (_, i) =>
          serve(command, runtime, pause(`203.0.113.${i % 60}`, i), quiet),
        ),
      );
      for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      await refusedCallsSettled(rt);
      clock.advance(60_000);
    }
    assert.deepEqual([...statuses], [[401, 4_000]]);

    assert.deepEqual(
      (await rowsOf(client, "action")).map((r) => r["name"]),
      ["before"],
      "nothing in the fence's partition",
    );
    const rows = await rowsOf(client, "refused");
    const counted = rows.filter((r) => typeof r["count"] === "number");
    const perMinute = new Map<unknown, number>();
    for (const r of counted) perMinute.set(r["minuteMs"], (perMinute.get(r["minuteMs"]) ?? 0) + 1);
    assert.deepEqual(
      [...perMinute.values()],
      [CALLERS_PER_MINUTE + 1, CALLERS_PER_MINUTE + 1],
      "each minute: the admitted callers and the others",
    );
    assert.equal(rows.length, 2 * (CALLERS_PER_MINUTE + 2), "with each minute's list of callers");
    assert.equal(
      counted.reduce((n, r) => n + (r["count"] as number), 0),
      4_000,
      "every call counted once",
    );
    assert.ok(
      counted.every((r) => r["actor"] === "others" || /^203\.0\.113\.\d+$/.test(String(r["from"]))),
      "from: the address the front end appended, not what the caller put first",
    );
    const sent = requests() - before;
    assert.ok(sent < 200, `${sent} store requests for 4,000 refused calls`);
  });
});

describe("refused calls in one process", () => {
  const at = 1_800_000_000_000;
  let rt: Runtime;
  let writes: (readonly RefusedCalls[])[];
  before(async () => {
    const store = new MemoryStateStore();
    const add = store.addRefusedCalls.bind(store);
    store.addRefusedCalls = async (calls, options) => {
      writes.push(calls);
      return add(calls, options);
    };
    rt = await runtimeFor(twoRegionConfig(URLS), "westeurope", {
      store,
      clock: new ManualClock(at),
    });
  });

  it("writes at once when it has not written for a second, then gathers what comes in the next second into one write", async () => {
    writes = [];
    const caller = { name: "anonymous", via: "none", address: "198.51.100.7" };
    const call = { name: "api pause", group: "shop", reason: "401 Unauthorized: no token" };
    noteRefused(rt, caller, call);
    assert.equal(writes.length, 1, "the first call is written at once");
    for (let i = 0; i < 500; i++) noteRefused(rt, caller, call);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(writes.length, 1, "the next write waits for the rest of the second");
    await refusedCallsSettled(rt);
    assert.equal(writes.length, 2);
    assert.deepEqual(
      writes.map((w) => w.map((c) => c.count)),
      [[1], [500]],
      "one write carries every call since the last",
    );
    const [row] = (await rt.store.readRefusedCalls({ limit: 5 })).entries;
    assert.equal(row?.count, 501);
    const { id: _id, ...first } = writes[0]![0]!;
    assert.deepEqual(first, {
      minute: at - (at % 60_000),
      actor: "anonymous",
      from: "198.51.100.7",
      count: 1,
      firstAt: at,
      lastAt: at,
      name: "api pause",
      group: "shop",
      reason: "401 Unauthorized: no token",
    });
  });

  it("counts a caller with no address as from nowhere, and keeps the name it claimed", async () => {
    writes = [];
    await refusedCallsSettled(rt);
    noteRefused(
      rt,
      { name: "anonymous", via: "none" },
      { name: "api resume", reason: "401", claimed: "mallory" },
    );
    await refusedCallsSettled(rt);
    const { from, claimed, group } = writes.flat().at(-1)!;
    assert.deepEqual({ from, claimed, group }, { from: "", claimed: "mallory", group: undefined });
    assert.equal("group" in writes.flat().at(-1)!, false);
  });

  it("keeps at most PENDING_CALLERS callers apart between writes; the calls of more are counted as others", async () => {
    writes = [];
    await refusedCallsSettled(rt);
    for (let i = 0; i < PENDING_CALLERS + 50; i++)
      noteRefused(
        rt,
        { name: "anonymous", via: "none", address: `192.0.2.${i}` },
        { name: "api pause", reason: "401" },
      );
    await refusedCallsSettled(rt);
    const second = writes.at(-1)!;
    assert.equal(second.length, PENDING_CALLERS + 1, "the callers kept apart, and the others");
    const others = second.find((c) => c.actor === "others")!;
    assert.equal(others.from, "");
    assert.equal(others.count, 50);
    assert.equal(
      writes.flat().reduce((n, c) => n + c.count, 0),
      PENDING_CALLERS + 50,
    );
  });

  it("a caller already kept apart stays apart when the others overflow", async () => {
    writes = [];
    await refusedCallsSettled(rt);
    const caller = (i: number) => ({ name: "anonymous", via: "none", address: `192.0.2.${i}` });
    for (let i = 0; i < PENDING_CALLERS + 5; i++)
      noteRefused(rt, caller(i), { name: "api pause", reason: "401" });
    noteRefused(rt, caller(7), { name: "api pause", reason: "401" });
    await refusedCallsSettled(rt);
    const counts = writes.flat();
    assert.equal(counts.find((c) => c.from === "192.0.2.7")?.count, 2);
    assert.equal(counts.find((c) => c.actor === "others")?.count, 5);
  });
});

describe("refused calls: one write at a time, at most one a second", () => {
  const at = 1_800_000_000_000;
  const caller = { name: "anonymous", via: "none", address: "198.51.100.7" };
  const call = { name: "api pause", reason: "401" };

  /** A store whose writes of counts wait until let go, one gate each. */
  async function gated(warnings: string[] = []) {
    const store = new MemoryStateStore();
    const add = store.addRefusedCalls.bind(store);
    const state = { inFlight: 0, most: 0, batches: [] as number[][], gates: [] as (() => void)[] };
    store.addRefusedCalls = async (calls, options) => {
      state.batches.push(calls.map((c) => c.count));
      state.most = Math.max(state.most, ++state.inFlight);
      await new Promise<void>((resolve) => state.gates.push(resolve));
      state.inFlight--;
      if (calls.some((c) => c.count === 13)) throw new Error("503 ServerBusy");
      return add(calls, options);
    };
    const rt = await runtimeFor(twoRegionConfig(URLS), "westeurope", {
      store,
      clock: new ManualClock(at),
      log: { info: () => {}, warn: (m) => warnings.push(m), error: () => {} },
    });
    return { rt, store, state };
  }
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it("calls that come during a write wait for it, then for the rest of the second, and go without another call", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const { rt, state } = await gated();
    noteRefused(rt, caller, call);
    assert.deepEqual(state.batches, [[1]], "the first call is written at once");
    noteRefused(rt, caller, call);
    noteRefused(rt, caller, call);
    t.mock.timers.tick(5_000);
    assert.equal(state.batches.length, 1, "nothing more while the write is in flight");
    state.gates[0]!();
    await settle();
    t.mock.timers.tick(500);
    assert.equal(state.batches.length, 1, "a second after the last write began, not before");
    t.mock.timers.tick(600);
    assert.deepEqual(state.batches, [[1], [2]], "then written, with no call to start it");
    assert.equal(state.most, 1, "never two writes at once");
    state.gates[1]!();
    await settle();
    assert.equal((await rt.store.readRefusedCalls({ limit: 5 })).entries[0]?.count, 3);
  });

  it("a write that fails says how many calls it lost, and later calls are counted", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const warnings: string[] = [];
    const { rt, state } = await gated(warnings);
    noteRefused(rt, caller, call);
    for (let i = 0; i < 13; i++) noteRefused(rt, caller, call);
    state.gates[0]!();
    await settle();
    t.mock.timers.tick(1_100);
    assert.deepEqual(state.batches, [[1], [13]]);
    state.gates[1]!();
    await settle();
    assert.deepEqual(warnings, ["audit: 13 refused calls could not be counted: 503 ServerBusy"]);
    noteRefused(rt, caller, call);
    t.mock.timers.tick(1_100);
    state.gates[2]!();
    await settle();
    assert.equal((await rt.store.readRefusedCalls({ limit: 5 })).entries[0]?.count, 2);
  });
});
