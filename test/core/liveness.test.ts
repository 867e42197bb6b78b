import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Heartbeat, PeerMemory } from "../../src/core/index.js";
import { isLive, rememberPeers } from "../../src/core/index.js";

const beat = (observer: string, seq: number, writerClock: number): Heartbeat => ({
  observer,
  tick: { instance: "p", seq },
  at: writerClock,
  version: "t",
  tickMs: 1,
  impaired: false,
});

describe("liveness by change, on the reader's clock", () => {
  it("a peer is live while its heartbeat keeps changing, and stale once it stops", () => {
    let memory = rememberPeers(new Map(), [beat("b", 1, 0)], 0);
    memory = rememberPeers(memory, [beat("b", 2, 0)], 10_000);
    assert.equal(isLive(memory, "b", 40_000, 30_000), true);
    memory = rememberPeers(memory, [beat("b", 2, 0)], 40_001);
    assert.equal(isLive(memory, "b", 40_001, 30_000), false);
  });

  it("ignores the time a peer writes, so a peer whose clock is 30 s behind is not stale", () => {
    let memory: PeerMemory = new Map();
    for (let t = 0; t <= 60_000; t += 10_000)
      memory = rememberPeers(memory, [beat("b", t / 10_000, t - 30_000)], t);
    assert.equal(isLive(memory, "b", 60_000, 30_000), true);
  });

  it("knows nothing of a peer it has never seen", () => {
    assert.equal(isLive(new Map(), "b", 0, 30_000), false);
  });
});
