// The lease holder's history (ADR 0025): it goes on from the stored day, counts each observer's
// tick once, writes a group at once when a verdict changes and everything every FLUSH_INTERVALS,
// never while it no longer holds the epoch, and compacts and prunes once a day.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { AgreementView } from "../../src/app/agreement.js";
import { keepHistory } from "../../src/app/history-keeper.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { Observation } from "../../src/core/observation.js";
import type { RollupDay } from "../../src/core/rollup.js";
import { addObservation, dayOf, emptyRollup } from "../../src/core/rollup.js";
import type { RegionState } from "../../src/core/verdict.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const NOW = Date.parse("2026-12-07T10:00:00Z");
const INTERVAL_MS = 2000; // twoRegionConfig's
/** The keeper writes every group every 30 intervals (ADR 25). */
const FLUSH_INTERVALS = 30;
/** It writes at most 100 rows a store call (ADR 25). */
const WRITE_BATCH_ROWS = 100;

/** A memory store whose rollup writes can be made to fail, and that records each one's rows. */
class RecordingStore extends MemoryStateStore {
  readonly writes: { readonly rows: number; readonly failed: boolean }[] = [];
  failWrite?: number;
  override async writeRollups(rows: readonly RollupDay[]): Promise<void> {
    const failed = this.writes.length === this.failWrite;
    this.writes.push({ rows: rows.length, failed });
    if (failed) throw new Error("the store's call ran past its limit");
    await super.writeRollups(rows);
  }
}

async function setup() {
  const store = new RecordingStore();
  const clock = new ManualClock(NOW);
  const rt = await runtimeFor(
    twoRegionConfig({ westeurope: "http://127.0.0.1:1/", northeurope: "http://127.0.0.1:2/" }),
    "westeurope",
    { store, clock },
  );
  const hold = (epoch: number) =>
    (rt.memory.lease = { ...rt.memory.lease, held: { epoch, etag: "e", renewedAt: clock.now() } });
  hold(1);
  return { store, clock, rt, hold };
}

function seen(seq: number, ok = true): Observation {
  return {
    observer: "northeurope",
    group: "shop",
    target: "westeurope",
    tick: { instance: "n1", seq },
    ok,
    consecutiveFailures: ok ? 0 : 1,
    consecutiveSuccesses: ok ? 1 : 0,
    failuresBefore: 0,
    latencyMs: 20,
    at: 0,
  };
}

const state = (verdict: RegionState["verdict"], quiet = false): RegionState =>
  ({ verdict, since: 0, epoch: 1, reason: "", ...(quiet ? { quiet: true } : {}) }) as RegionState;

/** One holder tick of group shop, then whatever it started beside. */
async function tick(
  rt: Runtime,
  observations: Observation[],
  decision: { states?: Record<string, RegionState>; changed?: boolean } = {},
  epoch = 1,
): Promise<void> {
  await tickGroups(rt, [{ group: rt.config.groups[0]!, observations }], decision, epoch);
}

/** One holder tick of the given groups, each with the same decision. */
async function tickGroups(
  rt: Runtime,
  groups: { group: Runtime["config"]["groups"][number]; observations: Observation[] }[],
  decision: { states?: Record<string, RegionState>; changed?: boolean } = {},
  epoch = 1,
): Promise<void> {
  const view = {
    observers: [],
    groups: groups.map((g) => ({ ...g, evidence: [] })),
    stalePeers: [],
    problems: [],
  } as unknown as AgreementView;
  await keepHistory(
    rt,
    epoch,
    view,
    groups.map(() => decision),
  );
}

const probesOf = (row: RollupDay | undefined) =>
  row?.observed["westeurope"]?.["northeurope"]?.probes.reduce((a, b) => a + b, 0) ?? 0;
const today = async (store: MemoryStateStore) =>
  (await store.readRollups(dayOf(NOW), dayOf(NOW)))[0];

describe("the history the lease holder keeps", () => {
  it("reads the stored day before it adds anything, and goes on from it", async () => {
    const { store, rt } = await setup();
    const stored = emptyRollup(dayOf(NOW), "shop");
    for (let i = 0; i < 5; i++) addObservation(stored, seen(100 + i), NOW - 60_000);
    await store.writeRollups([stored]);
    await tick(rt, [seen(1)]); // reads the day: counts nothing yet
    await tick(rt, [seen(2)], { changed: true });
    assert.equal(probesOf(await today(store)), 6);
  });

  it("counts each observer tick once, however many holder ticks read it", async () => {
    const { store, rt } = await setup();
    await tick(rt, []);
    await tick(rt, [seen(1)]);
    await tick(rt, [seen(1)]);
    await tick(rt, [seen(1)], { changed: true });
    assert.equal(probesOf(await today(store)), 1);
    await tick(rt, [seen(2, false)], { changed: true });
    const row = await today(store);
    assert.equal(probesOf(row), 2);
    assert.equal(
      row!.observed["westeurope"]!["northeurope"]!.up.reduce((a, b) => a + b),
      1,
    );
  });

  it("writes a group at once when its verdict changes, and every group every FLUSH_INTERVALS intervals", async () => {
    const { store, clock, rt } = await setup();
    await tick(rt, []);
    await tick(rt, [seen(1)]);
    assert.equal(await today(store), undefined, "nothing changed a verdict, nothing is due");
    clock.advance(FLUSH_INTERVALS * INTERVAL_MS - 1);
    await tick(rt, [seen(2)]);
    assert.equal(await today(store), undefined);
    clock.advance(1);
    await tick(rt, [seen(3)]);
    assert.equal(probesOf(await today(store)), 3, "the flush is due");
    await tick(rt, [seen(4)], { changed: true });
    assert.equal(probesOf(await today(store)), 4, "a changed verdict writes at once");
  });

  it("counts the time between holder ticks as the verdicts' kept at the first, none of a cold standby at rest", async () => {
    const { store, clock, rt } = await setup();
    await tick(rt, []);
    clock.advance(INTERVAL_MS);
    const states = { westeurope: state("down"), northeurope: state("down", true) };
    await tick(rt, [], { states });
    clock.advance(INTERVAL_MS);
    await tick(rt, [], { states });
    clock.advance(60_000); // a gap counts at most three intervals
    const healthy = { ...states, westeurope: state("healthy") };
    await tick(rt, [], { states: healthy });
    clock.advance(INTERVAL_MS);
    await tick(rt, [], { states: healthy, changed: true });
    const row = await today(store);
    const west = row!.verdicts["westeurope"]!;
    assert.equal(
      west.seenMs.reduce((a, b) => a + b),
      INTERVAL_MS * 5,
    );
    assert.equal(
      west.downMs.reduce((a, b) => a + b),
      INTERVAL_MS * 4,
      "down until it was not",
    );
    assert.equal(row!.verdicts["northeurope"], undefined);
  });

  it("writes at most WRITE_BATCH_ROWS rows a store call, and a failed call loses no group's counts", async () => {
    const { store, clock, rt } = await setup();
    const names = Array.from({ length: 2 * WRITE_BATCH_ROWS + 50 }, (_, i) => `g${i}`);
    const groups = (seq?: number) =>
      names.map((name) => ({
        group: { ...rt.config.groups[0]!, name },
        observations: seq === undefined ? [] : [{ ...seen(seq), group: name }],
      }));
    await tickGroups(rt, groups(1)); // reads the day
    store.failWrite = 1; // the second call of the write fails
    await tickGroups(rt, groups(1), { changed: true });
    clock.advance(FLUSH_INTERVALS * INTERVAL_MS);
    await tickGroups(rt, groups()); // nothing new: the due flush writes what did not land
    assert.deepEqual(
      store.writes,
      [
        { rows: WRITE_BATCH_ROWS, failed: false },
        { rows: WRITE_BATCH_ROWS, failed: true },
        { rows: WRITE_BATCH_ROWS, failed: false },
        { rows: 50, failed: false },
      ],
      "the first write stops at its failed call; the next carries that call's rows and the rest",
    );
    const rows = await store.readRollups(dayOf(NOW), dayOf(NOW));
    assert.deepEqual(
      rows.map((r) => [r.group, probesOf(r)]).sort(),
      names.map((name) => [name, 1]).sort(),
    );
  });

  it("writes nothing once this process no longer holds the epoch", async () => {
    const { store, rt, hold } = await setup();
    await tick(rt, []);
    hold(2);
    await tick(rt, [seen(1)], { changed: true });
    assert.equal(await today(store), undefined);
  });

  it("compacts the day before yesterday and deletes days past 30, once a day", async () => {
    const { store, rt } = await setup();
    const old = emptyRollup(dayOf(NOW - 31 * 86_400_000), "shop");
    const twoDaysAgo = emptyRollup(dayOf(NOW - 2 * 86_400_000), "shop");
    const yesterday = emptyRollup(dayOf(NOW - 86_400_000), "shop");
    for (const row of [twoDaysAgo, yesterday]) addObservation(row, seen(1), NOW - 86_400_000);
    await store.writeRollups([old, twoDaysAgo, yesterday]);
    await tick(rt, []); // reads today
    await tick(rt, []); // nothing to write: compacts and prunes
    const rows = await store.readRollups("2026-01-01", "2026-12-31");
    assert.deepEqual(
      rows.map((r) => [r.day, r.compact === true]),
      [
        [twoDaysAgo.day, true],
        [yesterday.day, false],
      ],
    );
    assert.equal(probesOf(rows[0]), 1);
  });
});
