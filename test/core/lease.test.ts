import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LeaseMemory, StoredLease } from "../../src/core/index.js";
import {
  EMPTY_LEASE_MEMORY,
  checkLeaseTiming,
  decideLease,
  isLeader,
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
