import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Heartbeat, Observation } from "../../src/core/index.js";
import { nextObservation, regionVerdicts } from "../../src/core/index.js";

const NOW = 1_800_000_000_000;
const policy = { failureThreshold: 3, staleAfterMs: 30_000 };
const regions = [{ name: "westeurope" }, { name: "northeurope" }];

function obs(observer: string, target: string, failures: number, ageMs = 1000): Observation {
  return {
    observer,
    group: "shop",
    target,
    ok: failures === 0,
    consecutiveFailures: failures,
    consecutiveSuccesses: failures === 0 ? 5 : 0,
    latencyMs: 3,
    at: NOW - ageMs,
  };
}

function hb(observer: string, ageMs = 1000): Heartbeat {
  return { observer, at: NOW - ageMs, version: "test", tickMs: 10 };
}

describe("nextObservation", () => {
  it("counts failures in a row and resets the count of successes", () => {
    const id = { observer: "a", group: "g", target: "t" };
    let o = nextObservation(undefined, id, { ok: true, latencyMs: 1 }, 1);
    o = nextObservation(o, id, { ok: true, latencyMs: 1 }, 2);
    assert.equal(o.consecutiveSuccesses, 2);
    o = nextObservation(
      o,
      id,
      { ok: false, latencyMs: 1, error: { kind: "timeout", message: "x" } },
      3,
    );
    o = nextObservation(
      o,
      id,
      { ok: false, latencyMs: 1, error: { kind: "timeout", message: "x" } },
      4,
    );
    assert.deepEqual([o.consecutiveFailures, o.consecutiveSuccesses, o.at], [2, 0, 4]);
    assert.equal(o.error?.kind, "timeout");
    o = nextObservation(o, id, { ok: true, latencyMs: 1 }, 5);
    assert.deepEqual([o.consecutiveFailures, o.consecutiveSuccesses], [0, 1]);
    assert.equal(o.error, undefined, "a success carries no error");
  });
});

describe("regionVerdicts", () => {
  const cases: {
    name: string;
    observations: Observation[];
    heartbeats: Heartbeat[];
    expected: [string, string];
  }[] = [
    {
      name: "healthy when every live observer sees it up",
      observations: [obs("a", "westeurope", 0), obs("b", "westeurope", 0)],
      heartbeats: [hb("a"), hb("b")],
      expected: ["healthy", "every live observer (a, b) sees it up"],
    },
    {
      name: "suspect when one observer sees it failing",
      observations: [obs("a", "westeurope", 5), obs("b", "westeurope", 0)],
      heartbeats: [hb("a"), hb("b")],
      expected: [
        "suspect",
        "1 of 2 live observers see it failing (a); down after 3 failures in a row from all",
      ],
    },
    {
      name: "suspect while the failures are below the threshold everywhere",
      observations: [obs("a", "westeurope", 2), obs("b", "westeurope", 3)],
      heartbeats: [hb("a"), hb("b")],
      expected: [
        "suspect",
        "2 of 2 live observers see it failing (a, b); down after 3 failures in a row from all",
      ],
    },
    {
      name: "down when every live observer saw the threshold of failures",
      observations: [obs("a", "westeurope", 3), obs("b", "westeurope", 4)],
      heartbeats: [hb("a"), hb("b")],
      expected: ["down", "every live observer (a, b) saw 3 or more failures in a row"],
    },
    {
      name: "a stale observer's view does not count",
      observations: [obs("a", "westeurope", 3), obs("b", "westeurope", 0)],
      heartbeats: [hb("a"), hb("b", 31_000)],
      expected: ["down", "every live observer (a) saw 3 or more failures in a row"],
    },
    {
      name: "an old observation does not count even from a live observer",
      observations: [obs("a", "westeurope", 3), obs("b", "westeurope", 0, 40_000)],
      heartbeats: [hb("a"), hb("b")],
      expected: ["down", "every live observer (a) saw 3 or more failures in a row"],
    },
    {
      name: "unknown with no live evidence",
      observations: [obs("a", "westeurope", 3)],
      heartbeats: [hb("a", 60_000)],
      expected: ["unknown", "no live observer has a recent observation of it"],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const [west] = regionVerdicts({
        regions,
        observations: c.observations,
        heartbeats: c.heartbeats,
        policy,
        now: NOW,
      });
      assert.deepEqual([west!.verdict, west!.reason], c.expected);
    });
  }

  it("judges each region on its own observations", () => {
    const verdicts = regionVerdicts({
      regions,
      observations: [obs("a", "westeurope", 3), obs("a", "northeurope", 0)],
      heartbeats: [hb("a")],
      policy,
      now: NOW,
    });
    assert.deepEqual(
      verdicts.map((v) => [v.region, v.verdict]),
      [
        ["westeurope", "down"],
        ["northeurope", "healthy"],
      ],
    );
  });
});
