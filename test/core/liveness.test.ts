import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Heartbeat, Observation, PeerMemory } from "../../src/core/index.js";
import { isCurrent, livenessOf, rememberPeers, unchangedFor } from "../../src/core/index.js";

const beat = (observer: string, seq: number, writerClock: number): Heartbeat => ({
  observer,
  tick: { instance: "p", seq },
  at: writerClock,
  version: "t",
  tickMs: 1,
  impaired: false,
});

describe("liveness by change, on the reader's clock", () => {
  it("a peer is unknown when first seen, live once its heartbeat changes, and stale once it stops", () => {
    let memory = rememberPeers(new Map(), [beat("b", 1, 0)], 0);
    assert.equal(livenessOf(memory, "b", 0, 30_000), "unknown");
    memory = rememberPeers(memory, [beat("b", 2, 0)], 10_000);
    assert.equal(livenessOf(memory, "b", 40_000, 30_000), "live");
    memory = rememberPeers(memory, [beat("b", 2, 0)], 40_001);
    assert.equal(livenessOf(memory, "b", 40_001, 30_000), "stale");
  });

  it("a peer first seen and never changing becomes stale after the bound", () => {
    const memory = rememberPeers(new Map(), [beat("b", 7, 0)], 0);
    assert.equal(livenessOf(memory, "b", 30_000, 30_000), "unknown");
    assert.equal(livenessOf(memory, "b", 30_001, 30_000), "stale");
  });

  it("ignores the time a peer writes, so a peer whose clock is 30 s behind is not stale", () => {
    let memory: PeerMemory = new Map();
    for (let t = 0; t <= 60_000; t += 10_000)
      memory = rememberPeers(memory, [beat("b", t / 10_000, t - 30_000)], t);
    assert.equal(livenessOf(memory, "b", 60_000, 30_000), "live");
  });

  it("counts a peer it has never seen as stale", () => {
    assert.equal(livenessOf(new Map(), "b", 0, 30_000), "stale");
  });
});

describe("how long a peer's heartbeat has stood still", () => {
  it("counts from when the reader first saw its current tick, and knows nothing of a peer never seen", () => {
    let memory = rememberPeers(new Map(), [beat("b", 1, 0)], 1000);
    memory = rememberPeers(memory, [beat("b", 1, 0)], 5000);
    assert.equal(unchangedFor(memory, "b", 9000), 8000);
    memory = rememberPeers(memory, [beat("b", 2, 0)], 9000);
    assert.equal(unchangedFor(memory, "b", 9500), 500);
    assert.equal(unchangedFor(memory, "c", 9500), undefined);
  });

  it("a peer stays live while its heartbeat stands still within the bound, once it has changed", () => {
    let memory = rememberPeers(new Map(), [beat("b", 1, 0)], 0);
    memory = rememberPeers(memory, [beat("b", 2, 0)], 10_000);
    memory = rememberPeers(memory, [beat("b", 2, 0)], 20_000);
    assert.equal(livenessOf(memory, "b", 40_000, 30_000), "live");
  });

  it("a new process of a peer (another instance, same sequence) counts as a change", () => {
    let memory = rememberPeers(new Map(), [beat("b", 1, 0)], 0);
    memory = rememberPeers(
      memory,
      [{ ...beat("b", 1, 0), tick: { instance: "q", seq: 1 } }],
      10_000,
    );
    assert.equal(livenessOf(memory, "b", 10_000, 30_000), "live");
    assert.equal(unchangedFor(memory, "b", 10_000), 0);
  });
});

describe("which observations count", () => {
  const observation = (instance: string, seq: number): Observation => ({
    observer: "b",
    group: "g",
    target: "t",
    tick: { instance, seq },
    ok: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    failuresBefore: 0,
    latencyMs: 1,
    at: 0,
  });
  const cases: {
    name: string;
    observation: Observation;
    heartbeat?: Heartbeat;
    current: boolean;
  }[] = [
    {
      name: "one from the heartbeat's own tick",
      observation: observation("p", 7),
      heartbeat: beat("b", 7, 0),
      current: true,
    },
    {
      name: "one a tick behind the heartbeat",
      observation: observation("p", 6),
      heartbeat: beat("b", 7, 0),
      current: true,
    },
    {
      name: "one a tick ahead of the heartbeat (read a moment later)",
      observation: observation("p", 8),
      heartbeat: beat("b", 7, 0),
      current: true,
    },
    {
      name: "not one two ticks behind",
      observation: observation("p", 5),
      heartbeat: beat("b", 7, 0),
      current: false,
    },
    {
      name: "not one from an earlier process",
      observation: observation("old", 7),
      heartbeat: beat("b", 7, 0),
      current: false,
    },
    {
      name: "not one from an observer with no heartbeat",
      observation: observation("p", 7),
      current: false,
    },
  ];
  for (const c of cases)
    it(`counts ${c.name}`, () => {
      assert.equal(isCurrent(c.observation, c.heartbeat), c.current);
    });
});
