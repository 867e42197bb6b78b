// Observations packed into page rows (ADR 0023), on Azurite: what a tick of 1,000 groups costs,
// that no older observation outlives a tick, and that a store of the layout before is carried on.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TableClient } from "@azure/data-tables";
import { TableStateStore } from "../../../src/adapters/store/table/table-store.js";
import { observationToEntity } from "../../../src/adapters/store/table/entities.js";
import type { Heartbeat, Observation } from "../../../src/core/observation.js";
import type { Incident } from "../../../src/core/incident.js";
import type { Azurite } from "../../../src/sandbox/azurite.js";
import { startAzurite } from "../../../src/sandbox/azurite.js";
import { countingTableClient } from "../../helpers/counting-table.js";

const AT = 1_800_000_000_000;
let azurite: Azurite;
let tables = 0;

before(async () => {
  azurite = await startAzurite(0);
});
after(async () => azurite.stop());

function fresh() {
  const table = `pages${++tables}`;
  const counted = countingTableClient(azurite.connectionString, table);
  const raw = TableClient.fromConnectionString(azurite.connectionString, table, {
    allowInsecureConnection: true,
  });
  return { ...counted, raw, table, store: new TableStateStore(counted.client) };
}

const beat = (seq: number): Heartbeat => ({
  observer: "westeurope",
  tick: { instance: "i1", seq },
  at: AT + seq * 10_000,
  version: "0.3.0",
  tickMs: 20,
  impaired: false,
});

/** Every target of `groups` groups (two regions and an entry point), as seen at tick `seq`. */
function tick(groups: number, seq: number, error?: string): Observation[] {
  return Array.from({ length: groups }, (_, g) =>
    ["westeurope", "northeurope", "_entry"].map((target): Observation => ({
      observer: "westeurope",
      group: `g${String(g).padStart(3, "0")}`,
      target,
      tick: { instance: "i1", seq },
      ok: error === undefined,
      consecutiveFailures: error === undefined ? 0 : seq,
      consecutiveSuccesses: error === undefined ? seq : 0,
      failuresBefore: 0,
      latencyMs: 12.5,
      ...(error === undefined
        ? { statusCode: 200 }
        : { error: { kind: "http-status", message: error } }),
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: 5.5 },
      at: AT + seq * 10_000,
      timeline: `29999999:${"+".repeat(60)}`,
    })),
  ).flat();
}

const byKey = (list: readonly Observation[]) =>
  [...list].sort((a, b) => `${a.group}|${a.target}`.localeCompare(`${b.group}|${b.target}`));

async function rowKeys(raw: TableClient, partition: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const row of raw.listEntities({
    queryOptions: { filter: `PartitionKey eq '${partition}'` },
  }))
    keys.push(row.rowKey!);
  return keys;
}

describe("observations in page rows (ADR 0023)", () => {
  it("writes a tick of 1,000 groups in one transaction with its heartbeat, and reads it back whole in one query", async () => {
    const { store, requests } = fresh();
    await store.initialise();
    const first = await store.recordTick(beat(1), tick(1000, 1), { expected: {} });
    const before = requests();
    const second = tick(1000, 2);
    await store.recordTick(beat(2), second, { expected: { etag: first } });
    assert.equal(requests() - before, 1, "one transaction: heartbeat and every page");
    const read = requests();
    const all = await store.readAllObservations();
    assert.equal(requests() - read, 1, "one query");
    assert.deepEqual(all.heartbeats, [beat(2)]);
    assert.deepEqual(byKey(all.observations), byKey(second));
  });

  it("leaves no older observation behind when a tick needs fewer pages, in a new process too", async () => {
    const { store, raw, client } = fresh();
    await store.initialise();
    // Long error texts (with characters outside the BMP, never cut in half) fill more pages.
    const long = `503 ${"🔥 upstream unavailable ".repeat(80)}`;
    const v1 = await store.recordTick(beat(1), tick(200, 1, long), { expected: {} });
    const pagesThen = (await rowKeys(raw, "observer-westeurope")).length - 1;
    const restarted = new TableStateStore(client);
    const own = await restarted.readObserver("westeurope");
    assert.equal(own.version, v1);
    assert.deepEqual(byKey(own.observations), byKey(tick(200, 1, long)));
    await restarted.recordTick(beat(2), tick(200, 2), { expected: { etag: v1 } });
    const all = await store.readAllObservations();
    assert.deepEqual(byKey(all.observations), byKey(tick(200, 2)));
    let emptied = 0;
    for await (const row of raw.listEntities({
      queryOptions: { filter: "PartitionKey eq 'observer-westeurope'" },
    }))
      if (row["d00"] === "[]") emptied++;
    assert.ok(pagesThen > 2, `the long texts took ${pagesThen} pages`);
    assert.ok(emptied > 0, "the pages no longer needed hold nothing");
  });

  it("carries a store of the layout before on: the lease, kept verdicts and incidents as they were, the rows per target removed", async () => {
    const { store, raw } = fresh();
    await raw.createTable();
    // The layout before ADR 0023: a heartbeat without pages and a row per target.
    await raw.createEntity({
      partitionKey: "observer-westeurope",
      rowKey: "~heartbeat",
      observer: "westeurope",
      instance: "old",
      seq: { value: "9", type: "Double" },
      atMs: { value: String(AT), type: "Double" },
      version: "0.2.0",
      tickMs: 20,
      impaired: false,
    });
    for (const o of tick(3, 9)) {
      const { atMs: _a, seq: _s, latencyMs: _l, ...row } = observationToEntity(o);
      await raw.createEntity({
        ...row,
        atMs: { value: String(o.at), type: "Double" },
        seq: { value: "9", type: "Double" },
        latencyMs: { value: "12.5", type: "Double" },
      });
    }
    const leaseEtag = await store.createLease({
      holder: "westeurope-1",
      epoch: 4,
      durationMs: 30_000,
      writeId: "w1",
      renewedAt: AT,
    });
    const down = { verdict: "down" as const, since: AT, epoch: 4, reason: "every observer agrees" };
    await store.writeRegionStates("g000", { westeurope: down }, undefined);
    const incident: Incident = {
      id: "001800000000000-abcd1234",
      group: "g000",
      kind: "failover",
      trigger: "automatic",
      from: "westeurope",
      to: "northeurope",
      step: "shifting-traffic",
      openedAt: AT,
      stepStartedAt: AT,
      shift: { kind: "promote", region: "northeurope" },
      reason: "westeurope is down",
      history: [],
    };
    await store.writeIncident(incident, undefined);
    const kept = await store.readRunbookState();

    await store.initialise();

    assert.deepEqual(await rowKeys(raw, "observer-westeurope"), ["~heartbeat"]);
    assert.deepEqual((await store.readLease())?.etag, leaseEtag, "the lease is untouched");
    assert.deepEqual(await store.readRunbookState(), kept, "verdicts and incidents as they were");
    const read = await store.readObserver("westeurope");
    assert.equal(read.heartbeat?.tick.instance, "old");
    assert.deepEqual(read.observations, [], "rows per target are not read");
    await store.recordTick(beat(10), tick(3, 10), { expected: { etag: read.version } });
    assert.deepEqual(byKey((await store.readAllObservations()).observations), byKey(tick(3, 10)));
  });
});
