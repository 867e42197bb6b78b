import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Heartbeat, PeerMemory } from "../../src/core/index.js";
import { livenessOf, rememberPeers } from "../../src/core/index.js";

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
