import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LeaseMemory, StoredLease } from "../../src/core/index.js";
import {
  EMPTY_LEASE_MEMORY,
  LeaseTimingError,
  actingTimeLeft,
  checkLeaseTiming,
  decideLease,
  isLeader,
  lost,
  writing,
  wrote,
} from "../../src/core/index.js";

const timing = { durationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 10_000 };
const theirs = (etag: string, epoch = 4): StoredLease => ({
  record: { holder: "b#2", epoch, durationMs: 30_000, writeId: "x", renewedAt: 999_999_999 },
  etag,
});

describe("lease rules", () => {
  it("creates the lease only after seeing no row for the lease duration, above any epoch it has seen", () => {
    let { memory, decision } = decideLease({ highestEpoch: 7 }, undefined, "a#1", 0, timing, "w");
    assert.deepEqual(decision, { kind: "wait", holder: "(nobody)", epoch: 0, expiresInMs: 30_000 });
    ({ memory, decision } = decideLease(memory, undefined, "a#1", 29_999, timing, "w"));
    assert.equal(decision.kind, "wait", "a deleted row may still have a holder acting on it");
    ({ decision } = decideLease(memory, undefined, "a#1", 30_000, timing, "w"));
    assert.equal(decision.kind, "create");
    assert.equal(decision.kind === "create" && decision.record.epoch, 8);
  });

  it("recognises its own write that got no answer when a later read shows it", () => {
    const record = { holder: "a#1", epoch: 5, durationMs: 30_000, writeId: "w-lost", renewedAt: 0 };
    const memory = writing({ highestEpoch: 4 }, record, 1000);
    const { memory: after, decision } = decideLease(
      memory,
      { record, etag: "v5" },
      "a#1",
      3000,
      timing,
      "w-next",
    );
    assert.equal(decision.kind, "renew");
    assert.deepEqual(
      after.held,
      { epoch: 5, etag: "v5", renewedAt: 1000 },
      "its term counts from the lost write's start",
    );
    assert.equal(after.pending, undefined);
  });

  it("waits from its own first sighting of a version, whatever time the row carries", () => {
    let memory: LeaseMemory = EMPTY_LEASE_MEMORY;
    const at = (now: number, etag = "v1") => {
      const r = decideLease(memory, theirs(etag), "a#1", now, timing, "w");
      memory = r.memory;
      return r.decision;
    };
    assert.deepEqual(at(1000), { kind: "wait", holder: "b#2", epoch: 4, expiresInMs: 30_000 });
    assert.equal(at(30_999).kind, "wait");
    const takeover = at(31_000);
    assert.equal(takeover.kind, "takeover");
    assert.equal(takeover.kind === "takeover" && takeover.record.epoch, 5);
  });

  it("starts waiting again when the holder renews (a new version)", () => {
    let { memory } = decideLease(EMPTY_LEASE_MEMORY, theirs("v1"), "a#1", 0, timing, "w");
    ({ memory } = decideLease(memory, theirs("v2"), "a#1", 29_000, timing, "w"));
    const { decision } = decideLease(memory, theirs("v2"), "a#1", 40_000, timing, "w");
    assert.equal(decision.kind, "wait", "only 11 s since v2 was first seen");
  });

  it("renews what it holds, and acts only until the renew deadline from the start of its last write", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 5_000);
    assert.equal(isLeader(memory, 24_999, timing), true);
    assert.equal(isLeader(memory, 25_000, timing), false);
    const { decision } = decideLease(memory, { record, etag: "v9" }, "a#1", 26_000, timing, "w2");
    assert.equal(decision.kind, "renew");
    assert.equal(
      decision.kind === "renew" && decision.record.epoch,
      3,
      "a renewal keeps the epoch",
    );
  });

  it("does not renew a lease whose version changed under it", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 0);
    const { decision, memory: after } = decideLease(
      memory,
      theirs("v10", 4),
      "a#1",
      1000,
      timing,
      "w2",
    );
    assert.equal(decision.kind, "wait");
    assert.equal(after.held, undefined);
    assert.equal(isLeader(after, 1000, timing), false);
  });

  it("refuses timing that would let a holder act after a takeover", () => {
    assert.throws(
      () =>
        checkLeaseTiming({ durationMs: 20_000, renewDeadlineMs: 20_000, retryPeriodMs: 10_000 }),
      /duration > renew deadline > retry period/,
    );
    assert.throws(() =>
      checkLeaseTiming({ durationMs: 30_000, renewDeadlineMs: 10_000, retryPeriodMs: 10_000 }),
    );
    checkLeaseTiming(timing);
  });
});

describe("lease rules: what a contender waits for", () => {
  const row = (durationMs: number, etag = "v1"): StoredLease => ({
    record: { holder: "b#2", epoch: 4, durationMs, writeId: "x", renewedAt: 0 },
    etag,
  });
  /** Ticks a contender at each time in `times` against the same row; returns the last decision. */
  const watch = (stored: StoredLease | undefined, times: number[]) => {
    let memory: LeaseMemory = EMPTY_LEASE_MEMORY;
    let decision;
    for (const now of times)
      ({ memory, decision } = decideLease(memory, stored, "a#1", now, timing, "w"));
    return decision!;
  };

  const cases: {
    name: string;
    stored: StoredLease | undefined;
    times: number[];
    kind: string;
    expiresInMs?: number;
  }[] = [
    {
      name: "a row written with a longer lease is waited on for its own duration",
      stored: row(90_000),
      times: [0, 89_999],
      kind: "wait",
      expiresInMs: 1,
    },
    {
      name: "and is taken over once that duration has passed",
      stored: row(90_000),
      times: [0, 90_000],
      kind: "takeover",
    },
    {
      name: "a row written with a shorter lease is taken over after that duration",
      stored: row(12_000),
      times: [0, 12_000],
      kind: "takeover",
    },
    {
      name: "the time left shrinks as the contender waits",
      stored: row(30_000),
      times: [0, 10_000],
      kind: "wait",
      expiresInMs: 20_000,
    },
    {
      name: "an absent row is waited on for the contender's own duration",
      stored: undefined,
      times: [0, 29_999],
      kind: "wait",
      expiresInMs: 1,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const decision = watch(c.stored, c.times);
      assert.equal(decision.kind, c.kind);
      if (c.expiresInMs !== undefined)
        assert.equal(decision.kind === "wait" && decision.expiresInMs, c.expiresInMs);
    });

  it("a takeover writes a full record: this contender, the next epoch, its own lease duration and write id", () => {
    const decision = watch(row(12_000, "v7"), [0, 50_000]);
    assert.deepEqual(decision, {
      kind: "takeover",
      etag: "v7",
      record: { holder: "a#1", epoch: 5, durationMs: 30_000, writeId: "w", renewedAt: 50_000 },
    });
  });

  it("a new row is created with a full record at the next epoch", () => {
    const decision = watch(undefined, [1000, 31_000]);
    assert.deepEqual(decision, {
      kind: "create",
      record: { holder: "a#1", epoch: 1, durationMs: 30_000, writeId: "w", renewedAt: 31_000 },
    });
  });

  it("a renewal writes a full record with the held epoch and the row's version", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 0);
    const { decision } = decideLease(memory, { record, etag: "v9" }, "a#1", 10_000, timing, "w2");
    assert.deepEqual(decision, {
      kind: "renew",
      etag: "v9",
      record: { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w2", renewedAt: 10_000 },
    });
  });
});

describe("lease rules: recognising its own writes", () => {
  const mine = { holder: "a#1", epoch: 5, durationMs: 30_000, writeId: "w-lost", renewedAt: 0 };
  const cases: { name: string; row: typeof mine; held: boolean }[] = [
    { name: "a row carrying its pending write id and its name is its own", row: mine, held: true },
    {
      name: "a row with another write id is not, even under its name",
      row: { ...mine, writeId: "w-other" },
      held: false,
    },
    {
      name: "a row with its write id under another name is not",
      row: { ...mine, holder: "b#2" },
      held: false,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const memory = writing({ highestEpoch: 4 }, mine, 1000);
      const { memory: after, decision } = decideLease(
        memory,
        { record: c.row, etag: "v5" },
        "a#1",
        2000,
        timing,
        "w",
      );
      assert.equal(decision.kind, c.held ? "renew" : "wait");
      assert.equal(after.held !== undefined, c.held);
      assert.equal(isLeader(after, 2000, timing), c.held);
    });

  it("a row under its own name that it did not write (another version) is not held", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 0);
    const rewritten = { record: { ...record, writeId: "not-mine" }, etag: "v10" };
    const { memory: after, decision } = decideLease(memory, rewritten, "a#1", 1000, timing, "w2");
    assert.equal(decision.kind, "wait");
    assert.equal(isLeader(after, 1000, timing), false);
  });

  it("a held lease whose row is gone is no longer held", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 0);
    const { memory: after, decision } = decideLease(memory, undefined, "a#1", 1000, timing, "w2");
    assert.equal(decision.kind, "wait");
    assert.equal(isLeader(after, 1000, timing), false);
  });

  it("a pending write and no row at all: not held, and the absent row is waited on", () => {
    const memory = writing({ highestEpoch: 4 }, mine, 1000);
    const { memory: after, decision } = decideLease(memory, undefined, "a#1", 2000, timing, "w");
    assert.equal(decision.kind, "wait");
    assert.equal(after.held, undefined);
  });

  it("a held version under another holder's name is not held", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = wrote(EMPTY_LEASE_MEMORY, record, "v9", 0);
    const { decision } = decideLease(
      memory,
      { record: { ...record, holder: "b#2" }, etag: "v9" },
      "a#1",
      1000,
      timing,
      "w2",
    );
    assert.equal(decision.kind, "wait");
  });

  it("remembers a write in flight without forgetting the epochs it has seen", () => {
    const record = { holder: "a#1", epoch: 2, durationMs: 30_000, writeId: "w", renewedAt: 0 };
    const memory = writing({ highestEpoch: 9 }, record, 500);
    assert.equal(memory.highestEpoch, 9);
    assert.deepEqual(memory.pending, { record, startedAt: 500 });
  });

  it("a successful write never lowers the highest epoch seen, so a later row is recreated above it", () => {
    const record = { holder: "a#1", epoch: 2, durationMs: 30_000, writeId: "w", renewedAt: 0 };
    const memory = wrote({ highestEpoch: 9 }, record, "v1", 0);
    const { memory: next } = decideLease(memory, undefined, "a#1", 1000, timing, "w2");
    const { decision } = decideLease(next, undefined, "a#1", 31_000, timing, "w2");
    assert.equal(decision.kind === "create" && decision.record.epoch, 10);
    assert.equal(wrote({ highestEpoch: 1 }, record, "v1", 0).highestEpoch, 2);
  });
});

describe("lease rules: after losing a race", () => {
  it("waits a full lease duration from when it lost, at an epoch above the winner's", () => {
    let memory = lost({ highestEpoch: 2 }, theirs("v3", 6), 10_000);
    assert.equal(memory.highestEpoch, 6);
    let decision;
    ({ memory, decision } = decideLease(memory, theirs("v3", 6), "a#1", 39_999, timing, "w"));
    assert.equal(decision.kind, "wait");
    ({ decision } = decideLease(memory, theirs("v3", 6), "a#1", 40_000, timing, "w"));
    assert.equal(decision.kind === "takeover" && decision.record.epoch, 7);
  });

  it("keeps counting from its first sighting when the winner's version is one it already saw", () => {
    let { memory } = decideLease(EMPTY_LEASE_MEMORY, theirs("v3"), "a#1", 0, timing, "w");
    memory = lost(memory, theirs("v3"), 10_000);
    const { decision } = decideLease(memory, theirs("v3"), "a#1", 30_000, timing, "w");
    assert.equal(decision.kind, "takeover");
  });

  it("losing to a deleted row keeps the highest epoch and waits a full duration on the absent row", () => {
    let memory = lost({ highestEpoch: 6 }, undefined, 10_000);
    assert.equal(memory.highestEpoch, 6);
    let decision;
    ({ memory, decision } = decideLease(memory, undefined, "a#1", 10_000, timing, "w"));
    assert.equal(decision.kind, "wait");
    ({ decision } = decideLease(memory, undefined, "a#1", 40_000, timing, "w"));
    assert.equal(decision.kind === "create" && decision.record.epoch, 7);
  });

  it("forgets that it held the lease", () => {
    const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
    const memory = lost(wrote(EMPTY_LEASE_MEMORY, record, "v9", 0), theirs("v10", 4), 1000);
    assert.equal(isLeader(memory, 1000, timing), false);
    assert.equal(actingTimeLeft(memory, 1000, timing), 0);
  });
});

describe("lease rules: acting time", () => {
  const record = { holder: "a#1", epoch: 3, durationMs: 30_000, writeId: "w1", renewedAt: 0 };
  const cases: { name: string; memory: LeaseMemory; now: number; left: number }[] = [
    { name: "nothing when it holds no lease", memory: EMPTY_LEASE_MEMORY, now: 0, left: 0 },
    {
      name: "the renew deadline less the time since the write began",
      memory: wrote(EMPTY_LEASE_MEMORY, record, "v", 5000),
      now: 12_000,
      left: 13_000,
    },
    {
      name: "nothing once the deadline has passed",
      memory: wrote(EMPTY_LEASE_MEMORY, record, "v", 5000),
      now: 40_000,
      left: 0,
    },
  ];
  for (const c of cases)
    it(`is ${c.name}`, () => {
      assert.equal(actingTimeLeft(c.memory, c.now, timing), c.left);
      assert.equal(isLeader(c.memory, c.now, timing), c.left > 0);
    });
});

describe("lease timing", () => {
  const cases: {
    name: string;
    t: { durationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
    ok: boolean;
  }[] = [
    { name: "duration > renew deadline > retry period > 0 is accepted", t: timing, ok: true },
    {
      name: "a renew deadline equal to the duration is refused",
      t: { ...timing, renewDeadlineMs: 30_000 },
      ok: false,
    },
    {
      name: "a retry period equal to the renew deadline is refused",
      t: { ...timing, retryPeriodMs: 20_000 },
      ok: false,
    },
    { name: "a retry period of zero is refused", t: { ...timing, retryPeriodMs: 0 }, ok: false },
    {
      name: "a renew deadline longer than the duration is refused",
      t: { ...timing, renewDeadlineMs: 40_000 },
      ok: false,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      if (c.ok) checkLeaseTiming(c.t);
      else
        assert.throws(
          () => checkLeaseTiming(c.t),
          (e: Error) =>
            e instanceof LeaseTimingError &&
            e.message ===
              `lease timing must satisfy duration > renew deadline > retry period > 0 (got ${c.t.durationMs} ms, ${c.t.renewDeadlineMs} ms, ${c.t.retryPeriodMs} ms)`,
        );
    });
});
