// The lease keeper's reads and writes around the pure lease rules: when it waits, creates, renews
// and takes over, and how it tells a write whose reply was lost from a race it lost. The store is
// the memory store with scripted failures; time is a manual clock.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { LeaseStatus } from "../../src/app/lease-keeper.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import type { Runtime } from "../../src/app/runtime.js";
import { holderId } from "../../src/app/runtime.js";
import type { LeaseRecord } from "../../src/core/index.js";
import { isLeader } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { StoreError } from "../../src/ports/state-store.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

// 2 s ticks: lease 6 s, renew deadline 4 s.
const CONFIG = twoRegionConfig({
  westeurope: "http://127.0.0.1:9/a",
  northeurope: "http://127.0.0.1:9/b",
});
const LEASE_MS = 6000;

type Write = "createLease" | "replaceLease";

/**
 * A memory store whose calls can fail: `fail` queues what a call's next invocations do. An error
 * fails the call without writing; `{ lostReply }` writes, then fails as if the reply never came.
 */
class ScriptedStore extends MemoryStateStore {
  readonly calls: string[] = [];
  readonly script = new Map<string, (Error | { lostReply: Error })[]>();
  writeTakesMs = 0;
  constructor(private readonly clock: ManualClock) {
    super();
  }

  fail(call: "readLease" | "readEpochFloor" | Write, ...errors: (Error | { lostReply: Error })[]) {
    this.script.set(call, [...(this.script.get(call) ?? []), ...errors]);
  }

  async #run<T>(call: string, work: () => Promise<T>): Promise<T> {
    this.calls.push(call);
    const next = this.script.get(call)?.shift();
    if (next instanceof Error) throw next;
    const value = await work();
    if (next) throw next.lostReply;
    return value;
  }

  /** Another process's lease row, written past the script and the call log. */
  async writeOthers(epoch: number, durationMs = LEASE_MS): Promise<void> {
    const existing = await super.readLease();
    const record = { holder: "northeurope#n1", epoch, durationMs, writeId: "theirs", renewedAt: 0 };
    if (existing) await super.replaceLease(record, existing.etag);
    else await super.createLease(record);
  }

  override readLease() {
    return this.#run("readLease", () => super.readLease());
  }
  override readEpochFloor() {
    return this.#run("readEpochFloor", () => super.readEpochFloor());
  }
  override createLease(record: LeaseRecord) {
    return this.#run("createLease", () => {
      this.clock.advance(this.writeTakesMs);
      return super.createLease(record);
    });
  }
  override replaceLease(record: LeaseRecord, etag: string) {
    return this.#run("replaceLease", () => {
      this.clock.advance(this.writeTakesMs);
      return super.replaceLease(record, etag);
    });
  }
}

const unavailable = () => new StoreError("unavailable", "state store: ECONNRESET");
const conflict = () => new StoreError("conflict", "state store: 412 UpdateConditionNotSatisfied");

async function contender(
  store: ScriptedStore,
  clock: ManualClock,
  instance = "w1",
  config: TandemConfigInput = CONFIG,
) {
  return runtimeFor(config, "westeurope", { store, clock, instance });
}

async function setup() {
  const clock = new ManualClock();
  const store = new ScriptedStore(clock);
  const rt = await contender(store, clock);
  return { clock, store, rt, me: holderId(rt) };
}

/** Takes the lease on an empty store: wait one lease duration, then create it. */
async function acquire(rt: Runtime, clock: ManualClock): Promise<LeaseStatus> {
  await tickLease(rt);
  clock.advance(LEASE_MS);
  return tickLease(rt);
}

/** A holder of epoch 1, one renewal period (2 s) after it took the lease. */
async function holding() {
  const rig = await setup();
  await acquire(rig.rt, rig.clock);
  rig.clock.advance(2000);
  return rig;
}

/** What a holder's tick says when it renewed epoch 1. */
const renewed = (me: string): LeaseStatus => ({
  leader: true,
  holder: me,
  epoch: 1,
  outcome: "renewed",
});

/** What a contender's tick says while `holder` holds `epoch` (or nobody does, at 0). */
const waitingOn = (holder: string, epoch: number): LeaseStatus => ({
  leader: false,
  holder,
  epoch,
  outcome: "waiting",
});

/** Ticks at once, a millisecond before `waitMs` has passed, and when it has. */
async function ticksOver(rt: Runtime, clock: ManualClock, waitMs: number) {
  const first = await tickLease(rt);
  clock.advance(waitMs - 1);
  const before = await tickLease(rt);
  clock.advance(1);
  return { first, before, after: await tickLease(rt) };
}

describe("lease keeper: taking and keeping the lease", () => {
  it("reads its timing from the policy, in milliseconds", async () => {
    const { store, clock } = await setup();
    const rt = await contender(store, clock, "w2", {
      ...CONFIG,
      policy: {
        ...CONFIG.policy,
        intervalSeconds: 5,
        leaseSeconds: 40,
        leaseRenewDeadlineSeconds: 25,
      },
    });
    assert.deepEqual(leaseTiming(rt), {
      durationMs: 40_000,
      renewDeadlineMs: 25_000,
      retryPeriodMs: 5_000,
    });
  });

  it("waits on an absent row for the lease duration, then creates it at epoch 1", async () => {
    const { store, clock, rt, me } = await setup();
    const ticks = await ticksOver(rt, clock, LEASE_MS);
    assert.deepEqual(ticks.first, waitingOn("(nobody)", 0));
    assert.equal(ticks.before.outcome, "waiting");
    assert.deepEqual(ticks.after, { leader: true, holder: me, epoch: 1, outcome: "acquired" });
    const row = (await store.readLease())!;
    assert.deepEqual([row.record.holder, row.record.epoch], [me, 1]);
    assert.equal(isLeader(rt.memory.lease, clock.now(), leaseTiming(rt)), true);
  });

  const floors: { name: string; seen: number; floor: number; epoch: number }[] = [
    { name: "above the store's epoch floor when the floor is higher", seen: 3, floor: 7, epoch: 8 },
    {
      name: "above the store's epoch floor when it equals the next epoch",
      seen: 6,
      floor: 7,
      epoch: 8,
    },
    { name: "above the epochs it has seen when those are higher", seen: 9, floor: 7, epoch: 10 },
  ];
  for (const c of floors)
    it(`recreates a deleted row ${c.name}`, async () => {
      const { store, clock, rt } = await setup();
      await store.writeOthers(c.floor);
      store.deleteLease();
      rt.memory.lease = { highestEpoch: c.seen };
      const status = await acquire(rt, clock);
      assert.equal(status.outcome, "acquired");
      assert.equal(status.epoch, c.epoch);
      assert.equal((await store.readLease())!.record.epoch, c.epoch);
    });

  it("renews what it holds at the same epoch, and its term starts before the write", async () => {
    const { store, clock, rt, me } = await holding();
    store.writeTakesMs = 500;
    const started = clock.now();
    assert.deepEqual(await tickLease(rt), renewed(me));
    assert.equal(rt.memory.lease.held?.renewedAt, started);
    assert.deepEqual(store.calls.slice(-2), ["readLease", "replaceLease"]);
  });

  it("takes over a row nobody renewed for the lease duration, at the next epoch", async () => {
    const { store, clock, rt, me } = await setup();
    await store.writeOthers(4);
    const ticks = await ticksOver(rt, clock, LEASE_MS);
    assert.deepEqual(ticks.first, waitingOn("northeurope#n1", 4));
    assert.equal(ticks.before.leader, false);
    assert.deepEqual(ticks.after, { leader: true, holder: me, epoch: 5, outcome: "took-over" });
  });

  it("waits as long as the row's own lease duration says, longer than its own", async () => {
    const { store, clock, rt } = await setup();
    await store.writeOthers(4, 3 * LEASE_MS);
    const ticks = await ticksOver(rt, clock, 3 * LEASE_MS);
    assert.equal(ticks.before.outcome, "waiting");
    assert.equal(ticks.after.outcome, "took-over");
  });
});

describe("lease keeper: when the store fails", () => {
  const down = (problem: string) => ({
    leader: false,
    outcome: "store-unavailable",
    problem: `lease: ${problem}`,
  });

  it("a holder that cannot read the row does not act, and says why", async () => {
    const { store, rt } = await holding();
    store.fail("readLease", unavailable());
    assert.deepEqual(await tickLease(rt), down("state store: ECONNRESET"));
  });

  it("does not create the row when the epoch floor cannot be read", async () => {
    const { store, clock, rt } = await setup();
    await tickLease(rt);
    clock.advance(LEASE_MS);
    store.fail("readEpochFloor", new StoreError("denied", "state store: 403 AuthorizationFailure"));
    assert.deepEqual(await tickLease(rt), down("state store: 403 AuthorizationFailure"));
    assert.equal(await store.readLease(), undefined);
    assert.equal(store.calls.includes("createLease"), false);
  });

  it("a write whose reply was lost is sent again, and succeeds", async () => {
    const { store, rt, me } = await holding();
    store.fail("replaceLease", unavailable());
    assert.deepEqual(await tickLease(rt), renewed(me));
    assert.equal(store.calls.filter((c) => c === "replaceLease").length, 2, "sent twice");
  });

  it("a write that landed but whose reply was lost is recognised by its write id on re-reading", async () => {
    const { store, clock, rt, me } = await holding();
    store.fail("replaceLease", { lostReply: unavailable() });
    assert.deepEqual(await tickLease(rt), renewed(me));
    const row = (await store.readLease())!;
    assert.equal(rt.memory.lease.held?.etag, row.etag, "it holds the row's current version");
    assert.equal(isLeader(rt.memory.lease, clock.now(), leaseTiming(rt)), true);
  });

  it("a write with no answer twice leaves it pending and not acting; the next read settles it", async () => {
    const { store, clock, rt, me } = await holding();
    store.fail("replaceLease", { lostReply: unavailable() }, unavailable());
    assert.deepEqual(await tickLease(rt), down("state store: ECONNRESET"));
    assert.equal(rt.memory.lease.pending?.record.holder, me);
    clock.advance(2000);
    assert.deepEqual(await tickLease(rt), renewed(me));
  });

  it("a race lost to another contender is reported with the winner, without sending the write again", async () => {
    const { store, rt } = await holding();
    // Between our read and our write, someone else writes the row.
    const read = store.readLease.bind(store);
    store.readLease = async () => {
      const seen = await read();
      store.readLease = read;
      await store.writeOthers(2);
      return seen;
    };
    assert.deepEqual(await tickLease(rt), {
      leader: false,
      holder: "northeurope#n1",
      epoch: 2,
      outcome: "lost-race",
    });
    assert.equal(store.calls.filter((c) => c === "replaceLease").length, 1);
    assert.equal(rt.memory.lease.held, undefined);
    assert.equal(rt.memory.lease.highestEpoch, 2);
  });

  it("a race lost to a deleted row is reported with no holder", async () => {
    const { store, rt } = await holding();
    store.fail("replaceLease", conflict());
    const read = store.readLease.bind(store);
    let reads = 0;
    // The first read still sees the row; it is deleted just after.
    const row = (await read())!;
    store.deleteLease();
    store.readLease = async () => (reads++ === 0 ? row : read());
    assert.deepEqual(await tickLease(rt), { leader: false, outcome: "lost-race" });
  });

  it("a lost race whose re-read fails is a store outage", async () => {
    const { store, rt } = await holding();
    store.fail("replaceLease", conflict());
    const read = store.readLease.bind(store);
    let reads = 0;
    store.readLease = async () => {
      if (reads++ === 0) return read();
      throw unavailable();
    };
    assert.deepEqual(await tickLease(rt), down("state store: ECONNRESET"));
  });

  const otherErrors: { name: string; error: () => Error }[] = [
    { name: "a refusal of access", error: () => new StoreError("denied", "state store: 403") },
    { name: "a failure that is not the store's", error: () => new TypeError("fetch failed") },
  ];
  for (const c of otherErrors)
    it(`a write that fails with ${c.name} is not sent again, and nobody acts`, async () => {
      const { store, rt } = await holding();
      const error = c.error();
      store.fail("replaceLease", error);
      assert.deepEqual(await tickLease(rt), down(error.message));
      assert.equal(store.calls.filter((x) => x === "replaceLease").length, 1);
    });
});
