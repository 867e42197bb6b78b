// The simulator's data invariants (data-check.ts) on made-up histories: each named breach is
// found, and the history Tandem should leave passes. Without this, a check that could never fire
// would pass every sweep.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident } from "../../src/core/index.js";
import type { AskRecord, DataHistory } from "./data-check.js";
import { checkData } from "./data-check.js";
import type { DataCall, DataSetup } from "./data-model.js";

const setup: DataSetup = {
  stores: [{ name: "orders", allowDataLoss: true, changeMs: 20_000 }],
  order: "before-traffic",
  failback: "manual",
  refuseRate: 0,
  reseedMs: 30_000,
};

const ask = (over: Partial<AskRecord> = {}): AskRecord => ({
  at: 100_000,
  by: "p1",
  incident: "i1",
  store: "orders",
  region: "northeurope",
  mode: "forced",
  trigger: "automatic",
  override: false,
  ...over,
});

const call = (over: Partial<DataCall> = {}): DataCall => ({
  by: "p1",
  store: "orders",
  region: "northeurope",
  mode: "forced",
  from: 100_010,
  to: 101_000,
  outcome: "ok",
  primary: "westeurope",
  primaryReachable: false,
  ...over,
});

const failover = {
  id: "i1",
  group: "shop",
  kind: "failover",
  trigger: "automatic",
  step: "completed",
  to: "northeurope",
  shift: { kind: "promote", region: "northeurope" },
  history: [],
} as unknown as Incident;

/** A failover that moved the store forced, as it should: traffic and data in northeurope. */
const good = (): DataHistory => ({
  setup,
  calls: [call()],
  reads: [
    { by: "p1", store: "orders", at: 99_000, primary: "westeurope", primaryReachable: false },
  ],
  asks: [ask()],
  kept: [{ at: 99_500, states: { northeurope: { verdict: "healthy" } } }],
  incidents: [failover],
  delivered: new Set(),
  primaries: { orders: "northeurope" },
  traffic: "northeurope",
});

const scenarios: readonly [string, (h: DataHistory) => DataHistory, RegExp][] = [
  [
    "a forced failover of a store without allowDataLoss",
    (h) => ({ ...h, setup: { ...setup, stores: [{ ...setup.stores[0]!, allowDataLoss: false }] } }),
    /forced failover of orders .* does not allow data loss/,
  ],
  [
    "a forced failover while the primary answered, at the ask and at the last read",
    (h) => ({
      ...h,
      calls: [call({ primaryReachable: true })],
      reads: [{ ...h.reads[0]!, primaryReachable: true }],
    }),
    /while its primary's copy in westeurope answered/,
  ],
  [
    "a forced failover in a practice",
    (h) => ({ ...h, asks: [ask({ trigger: "practice" })] }),
    /in practice i1/,
  ],
  [
    "a second call while the first was still being made",
    (h) => ({ ...h, calls: [call({ to: 130_000 }), call({ from: 120_000 })] }),
    /asked again at 120 s .* was still being made/,
  ],
  [
    "a second call after one that may have reached Azure",
    (h) => ({ ...h, calls: [call({ outcome: "unknown", error: "500" }), call({ from: 120_000 })] }),
    /asked again at 120 s .* ended unknown/,
  ],
  ["a call with no ask on record", (h) => ({ ...h, asks: [] }), /with no ask on record before it/],
  [
    "an ask to a region the kept verdicts held recovering below the success threshold",
    (h) => ({ ...h, kept: [{ at: 99_500, states: { northeurope: { verdict: "recovering" } } }] }),
    /asked to move to northeurope, sent at .* kept verdict was recovering/,
  ],
  [
    "a failover sent after the kept verdict turned suspect, though it was asked while healthy",
    (h) => ({
      ...h,
      kept: [
        { at: 99_500, states: { northeurope: { verdict: "healthy" } } },
        { at: 100_005, states: { northeurope: { verdict: "suspect" } } },
      ],
    }),
    /orders asked to move to northeurope, sent at 100 s while the kept verdict was suspect/,
  ],
  [
    "a store left where traffic is not, with no one told",
    (h) => ({ ...h, primaries: { orders: "westeurope" } }),
    /orders's primary is westeurope and traffic's northeurope/,
  ],
];

describe("the simulator's data invariants", () => {
  it("a history as Tandem should leave it passes", () => {
    assert.deepEqual(checkData(good()).violations, []);
  });

  for (const [name, change, found] of scenarios)
    it(`finds ${name}`, () => {
      const { violations } = checkData(change(good()));
      assert.ok(
        violations.some((v) => found.test(v)),
        JSON.stringify(violations),
      );
    });

  it("allows an ask recorded while the target was kept suspect that the holder never sent", () => {
    const h = {
      ...good(),
      calls: [],
      kept: [{ at: 99_500, states: { northeurope: { verdict: "suspect" } } }],
      primaries: { orders: "westeurope" },
      traffic: "westeurope",
    };
    assert.deepEqual(
      checkData(h).violations.filter((v) => /kept verdict/.test(v)),
      [],
    );
  });

  it("allows a second call after one the store refused for sure, and a store a page told of", () => {
    const h = good();
    const refusedThenAsked = {
      ...h,
      calls: [call({ outcome: "refused", error: "400" }), call({ from: 120_000 })],
      asks: [ask(), ask({ at: 119_000 })],
    };
    assert.deepEqual(checkData(refusedThenAsked).violations, []);
    const told = {
      ...h,
      primaries: { orders: "westeurope" },
      delivered: new Set(["data:shop|i1|orders|data.refused"]),
    };
    assert.deepEqual(checkData(told).violations, []);
  });

  it("allows a store an earlier incident moved and paged about, which a later one found already moved", () => {
    const aborted = { ...failover, step: "aborted" } as Incident;
    const later = { ...failover, id: "i2", step: "aborted" } as Incident;
    const h = {
      ...good(),
      incidents: [aborted, later],
      traffic: "westeurope",
      delivered: new Set(["data:shop|i1|orders|data.stranded"]),
    };
    assert.deepEqual(checkData(h).violations, []);
    assert.ok(checkData({ ...h, delivered: new Set() }).violations.length > 0, "no one told");
  });

  it("allows the data where the failover put it after an automatic failback under failback: manual", () => {
    const failback = {
      ...failover,
      id: "i2",
      kind: "failback",
      to: "westeurope",
      shift: { kind: "promote", region: "westeurope" },
    } as unknown as Incident;
    const h = { ...good(), incidents: [failover, failback], traffic: "westeurope" };
    assert.deepEqual(checkData(h).violations, []);
    const withTraffic = { ...h, setup: { ...setup, failback: "with-traffic" as const } };
    assert.ok(checkData(withTraffic).violations.length > 0, "with-traffic: the data should follow");
  });
});
