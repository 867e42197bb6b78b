// A passive-cold standby at rest is down by design: its stretch of not being healthy is quiet (no
// verdict alerts, no reminders), its recovery after a wake too; once it takes the traffic, its
// outage is told like any other.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { downRegions, unconfirmedRegions } from "../../src/core/alerts.js";
import type { LeverView } from "../../src/core/levers.js";
import { atRestByDesign } from "../../src/core/levers.js";
import type { RegionEvidence, RegionState, Verdict } from "../../src/core/verdict.js";
import { nextRegionState } from "../../src/core/verdict.js";

const view = (primary: string, power: LeverView["clusters"][string]["power"]) => ({
  routing: {
    regions: [
      { region: "westeurope", enabled: true, priority: primary === "westeurope" ? 1 : 2 },
      { region: "northeurope", enabled: true, priority: primary === "northeurope" ? 1 : 2 },
    ],
  },
  clusters: { northeurope: { power, nodePools: [] }, westeurope: { power, nodePools: [] } },
});
const WEST = { name: "westeurope", role: "primary" };
const NORTH = { name: "northeurope", role: "secondary" };

describe("which region is at rest by design", () => {
  const cases: [string, string, typeof NORTH, ReturnType<typeof view> | undefined, boolean][] = [
    [
      "the configured standby, traffic elsewhere",
      "passive-cold",
      NORTH,
      view("westeurope", "Stopped"),
      true,
    ],
    ["the configured standby, before the levers are read", "passive-cold", NORTH, undefined, true],
    [
      "the configured standby, woken, traffic not yet on it",
      "passive-cold",
      NORTH,
      view("westeurope", "Running"),
      true,
    ],
    [
      "the configured standby taking the traffic",
      "passive-cold",
      NORTH,
      view("northeurope", "Running"),
      false,
    ],
    [
      "the configured primary, a running standby after a failover",
      "passive-cold",
      WEST,
      view("northeurope", "Running"),
      false,
    ],
    [
      "the configured primary, stopped, traffic elsewhere",
      "passive-cold",
      WEST,
      view("northeurope", "Stopped"),
      true,
    ],
    [
      "the configured primary, stopping, traffic elsewhere",
      "passive-cold",
      WEST,
      view("northeurope", "Stopping"),
      true,
    ],
    ["the configured primary, before the levers are read", "passive-cold", WEST, undefined, false],
    [
      "a standby of an active-passive group",
      "active-passive",
      NORTH,
      view("westeurope", "Stopped"),
      false,
    ],
  ];
  for (const [name, model, region, levers, expected] of cases)
    it(`${name}: ${expected ? "at rest" : "not at rest"}`, () => {
      assert.equal(atRestByDesign(model, region, levers), expected);
    });
});

describe("a quiet stretch", () => {
  const evidence = (verdict: Verdict): RegionEvidence => ({
    region: "northeurope",
    verdict,
    reason: verdict,
    outside: [{ observer: "westeurope", view: verdict === "healthy" ? "passing" : "confirmed" }],
    blocking: [],
    witness: "unknown",
  });

  /** Kept states through (verdict, at rest) steps 10 s apart, from `start`; a dwell of 5 s. */
  function run(start: RegionState | undefined, ...steps: [Verdict, boolean][]): RegionState[] {
    const out: RegionState[] = [];
    let s = start;
    steps.forEach(([verdict, atRest], i) => {
      s = nextRegionState(s, evidence(verdict), 10_000 * (i + 1), 3, 5_000, atRest);
      out.push(s);
    });
    return out;
  }
  const quiet = (states: RegionState[]) =>
    states.map((s) => `${s.verdict}${s.quiet ? " quiet" : ""}`);

  it("down at rest from the start, woken, takes the traffic while recovering, healthy: quiet until healthy", () => {
    assert.deepEqual(
      quiet(run(undefined, ["down", true], ["down", true], ["healthy", false], ["healthy", false])),
      ["down quiet", "down quiet", "recovering quiet", "healthy"],
    );
  });

  it("taking the traffic and going down: told, and so is its recovery", () => {
    const healthy = run(undefined, ["healthy", false]).at(-1);
    assert.deepEqual(quiet(run(healthy, ["down", false], ["down", true], ["healthy", true])), [
      "down",
      "down",
      "recovering",
    ]);
  });

  it("a quiet recovery that fails while it takes the traffic: the outage is told from then", () => {
    const recovering = run(undefined, ["down", true], ["healthy", false]).at(-1)!;
    assert.equal(recovering.verdict, "recovering");
    assert.equal(recovering.quiet, true);
    assert.deepEqual(quiet(run(recovering, ["down", false])), ["down"]);
  });

  it("stopped again after a failback (at rest when it starts failing): quiet", () => {
    const healthy = run(undefined, ["healthy", true]).at(-1);
    assert.deepEqual(quiet(run(healthy, ["suspect", true], ["down", true])), [
      "suspect quiet",
      "down quiet",
    ]);
  });

  it("a stretch that began told stays told when the region comes to rest", () => {
    const healthy = run(undefined, ["healthy", false]).at(-1);
    assert.deepEqual(quiet(run(healthy, ["down", false], ["down", true])), ["down", "down"]);
  });

  it("a quiet down or unconfirmed region is not reminded of", () => {
    const [down] = run(undefined, ["down", true]);
    assert.deepEqual(downRegions("catalog", { northeurope: down! }, []), []);
    const blind = { ...down!, verdict: "suspect" as const, unconfirmedSince: 5 };
    assert.deepEqual(unconfirmedRegions("catalog", { northeurope: blind }, []), []);
    assert.equal(
      downRegions("catalog", { northeurope: { ...down!, quiet: undefined } as RegionState }, [])
        .length,
      1,
    );
  });
});
