// The history's arithmetic (ADR 0025): uptime from probe counts and from verdict time over
// hour, week and month windows, and quantile bounds from the fixed phase buckets.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Observation } from "../../src/core/observation.js";
import {
  addObservation,
  addVerdictTime,
  compactDay,
  emptyRollup,
  mergedBuckets,
  probeUptime,
  quantileBound,
  rollupProblem,
  verdictUptime,
} from "../../src/core/rollup.js";

const T = (iso: string) => Date.parse(iso);

function probe(ok: boolean, firstByteEnd = 30): Observation {
  return {
    observer: "northeurope",
    group: "shop",
    target: "westeurope",
    tick: { instance: "i", seq: 1 },
    ok,
    consecutiveFailures: ok ? 0 : 1,
    consecutiveSuccesses: ok ? 1 : 0,
    failuresBefore: 0,
    latencyMs: firstByteEnd + 5,
    phases: {
      dnsMs: 2,
      connectMs: 5,
      tlsMs: 12,
      firstByteMs: firstByteEnd,
      totalMs: firstByteEnd + 5,
    },
    at: 0,
  };
}

describe("history arithmetic", () => {
  it("each phase's duration is the time from the previous phase's end", () => {
    const day = emptyRollup("2026-12-07", "shop");
    addObservation(day, probe(true, 30), T("2026-12-07T09:00:00Z"));
    addObservation(day, { ...probe(true), phases: undefined }, T("2026-12-07T09:00:00Z"));
    const slot = day.observed["westeurope"]!["northeurope"]!;
    assert.deepEqual(
      slot.phaseSums.map((hours) => hours[9]),
      [2, 3, 7, 18],
    );
    assert.deepEqual([slot.probes[9], slot.up[9], slot.timed[9]], [2, 2, 1], "one without phases");
  });

  it("probe uptime counts passes over probes, in the hours of the window only", () => {
    const today = emptyRollup("2026-12-07", "shop");
    const yesterday = emptyRollup("2026-12-06", "shop");
    // Yesterday 10:00: 4 probes, all failing; today 09:00: 3 of 4 passed.
    for (let i = 0; i < 4; i++) addObservation(yesterday, probe(false), T("2026-12-06T10:30:00Z"));
    for (let i = 0; i < 4; i++) addObservation(today, probe(i > 0), T("2026-12-07T09:10:00Z"));
    const rows = [yesterday, today];
    const since = (iso: string) => ({ since: T(iso) });
    assert.deepEqual(
      probeUptime(rows, "westeurope", "northeurope", since("2026-12-07T00:00:00Z")),
      {
        probes: 4,
        uptime: 0.75,
      },
    );
    assert.deepEqual(
      probeUptime(rows, "westeurope", "northeurope", since("2026-12-06T10:00:00Z")),
      {
        probes: 8,
        uptime: 3 / 8,
      },
    );
    assert.deepEqual(probeUptime(rows, "westeurope", "westeurope", since("2026-12-01T00:00:00Z")), {
      probes: 0,
      uptime: null,
    });
  });

  it("verdict uptime is the share of observed time not down", () => {
    const day = emptyRollup("2026-12-07", "shop");
    addVerdictTime(day, "westeurope", false, T("2026-12-07T08:00:05Z"), 90_000);
    addVerdictTime(day, "westeurope", true, T("2026-12-07T09:00:05Z"), 10_000);
    assert.equal(verdictUptime([day], "westeurope", { since: T("2026-12-07T00:00:00Z") }), 0.9);
    assert.equal(verdictUptime([day], "westeurope", { since: T("2026-12-07T09:00:00Z") }), 0);
    assert.equal(verdictUptime([day], "northeurope", { since: 0 }), null);
  });

  it("a failed probe counts as a probe but adds no latency", () => {
    const day = emptyRollup("2026-12-07", "shop");
    addObservation(day, probe(false), T("2026-12-07T09:00:00Z"));
    const slot = day.observed["westeurope"]!["northeurope"]!;
    assert.deepEqual([slot.probes[9], slot.up[9], slot.timed[9]], [1, 0, 0]);
    assert.equal(
      slot.buckets.flat().reduce((a, b) => a + b, 0),
      0,
    );
  });

  it("quantiles are the bound of the bucket the rank falls in, null above the last bound", () => {
    // A bound belongs to its bucket: 5 ms is "at most 5", 5.1 ms "at most 10".
    const edges = emptyRollup("2026-12-07", "shop");
    for (const firstByte of [17, 17.1, 10_013])
      addObservation(edges, probe(true, firstByte), T("2026-12-07T09:00:00Z"));
    const edgeBuckets = mergedBuckets([edges.observed["westeurope"]!["northeurope"]], 3);
    assert.equal(quantileBound(edgeBuckets, 0.3), 5);
    assert.equal(quantileBound(edgeBuckets, 0.6), 10);
    assert.equal(quantileBound(edgeBuckets, 1), null, "above 10 s");
    const day = emptyRollup("2026-12-07", "shop");
    // First byte (phase 3) takes 18 ms in 90 probes and 488 ms in 10.
    for (let i = 0; i < 90; i++) addObservation(day, probe(true, 30), T("2026-12-07T09:00:00Z"));
    for (let i = 0; i < 10; i++) addObservation(day, probe(true, 500), T("2026-12-07T09:00:00Z"));
    const firstByte = mergedBuckets([day.observed["westeurope"]!["northeurope"]], 3);
    assert.equal(quantileBound(firstByte, 0.5), 25);
    assert.equal(quantileBound(firstByte, 0.9), 25);
    assert.equal(quantileBound(firstByte, 0.91), 500, "the 91st of 100 is the first slow one");
    assert.equal(quantileBound(firstByte, 0.95), 500);
    assert.equal(quantileBound([0, 0, 0], 0.5), null);
    const over = new Array<number>(11).fill(0); // 10 bounds, and the bucket above them
    over[10] = 3;
    assert.equal(quantileBound(over, 0.5), null);
  });

  it("buckets merge across days", () => {
    const a = emptyRollup("2026-12-06", "shop");
    const b = emptyRollup("2026-12-07", "shop");
    addObservation(a, probe(true, 30), T("2026-12-06T09:00:00Z"));
    addObservation(b, probe(true, 30), T("2026-12-07T09:00:00Z"));
    const merged = mergedBuckets(
      [
        a.observed["westeurope"]!["northeurope"],
        b.observed["westeurope"]!["northeurope"],
        undefined,
      ],
      3,
    );
    assert.equal(merged[2], 2, "18 ms, twice, in the bucket of at most 25 ms");
  });

  it("a compacted day reads the same over whole days, keeps its buckets, and is much smaller", () => {
    const day = emptyRollup("2026-12-05", "shop");
    for (let h = 0; h < 24; h++) {
      const at = T("2026-12-05T00:10:00Z") + h * 3_600_000;
      addObservation(day, probe(h % 5 !== 0, 30 + h), at);
      addVerdictTime(day, "westeurope", h % 6 === 0, at, 60_000);
    }
    const compact = compactDay(day);
    const week = { since: T("2026-12-01T00:00:00Z") };
    assert.deepEqual(
      probeUptime([compact], "westeurope", "northeurope", week),
      probeUptime([day], "westeurope", "northeurope", week),
    );
    assert.equal(
      verdictUptime([compact], "westeurope", week),
      verdictUptime([day], "westeurope", week),
    );
    assert.equal(verdictUptime([compact], "westeurope", week), 20 / 24);
    assert.deepEqual(
      compact.observed["westeurope"]!["northeurope"]!.buckets,
      day.observed["westeurope"]!["northeurope"]!.buckets,
    );
    assert.equal(
      compact.observed["westeurope"]!["northeurope"]!.phaseSums[3]![0],
      day.observed["westeurope"]!["northeurope"]!.phaseSums[3]!.reduce((a, b) => a + b),
    );
    assert.equal(rollupProblem(structuredClone(compact)), undefined);
    assert.ok(JSON.stringify(compact).length * 2 < JSON.stringify(day).length);
    assert.equal(compactDay(compact), compact, "compacting twice changes nothing");
  });

  it("a stored row of another shape is named, not taken", () => {
    const good = emptyRollup("2026-12-07", "shop");
    addObservation(good, probe(true), T("2026-12-07T09:00:00Z"));
    assert.equal(rollupProblem(structuredClone(good)), undefined);
    assert.equal(rollupProblem({ ...good, day: "today" }), "no day");
    const bad = structuredClone(good) as {
      observed: Record<string, Record<string, { probes: number[] }>>;
    };
    bad.observed["westeurope"]!["northeurope"]!.probes = [1, 2];
    assert.equal(rollupProblem(bad), "a malformed day of westeurope seen by northeurope");
  });
});
