// The data stores' readiness check, pure: from a store whose standby copy could take over, each
// cause is made alone and turns `standby-data` not ready (or unknown) naming the store, the
// region and what is wrong, with the command a person runs; removing the cause makes it ready.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DataCopy, DataState } from "../../src/core/levers.js";
import type { ReadinessStore, StoreRead } from "../../src/core/readiness-data.js";
import { dataCheck } from "../../src/core/readiness-data.js";
import { assessReadiness, readinessLine } from "../../src/core/readiness.js";

const SERVER = (s: string) =>
  `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop/providers/Microsoft.Sql/servers/${s}`;
const ACCOUNT =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shop/providers/Microsoft.DocumentDB/databaseAccounts/carts";

const SQL: ReadinessStore = {
  name: "orders",
  kind: "sql-failover-group",
  settings: {
    servers: { westeurope: SERVER("orders-weu"), northeurope: SERVER("orders-neu") },
    failoverGroup: "orders-fg",
  },
};
const COSMOS: ReadinessStore = {
  name: "carts",
  kind: "cosmosdb",
  settings: { resourceId: ACCOUNT, locations: { northeurope: "North Europe" } },
};

const PRIMARY: DataCopy = { reachable: true, caughtUp: true };
const SYNCED: DataCopy = {
  reachable: true,
  replication: "CATCH_UP",
  caughtUp: true,
  lagSeconds: 2,
};

function state(copy: Partial<DataCopy> | null, over: Partial<DataState> = {}): StoreRead {
  return {
    state: {
      primary: "westeurope",
      changing: false,
      regions: {
        westeurope: PRIMARY,
        ...(copy === null ? {} : { northeurope: { ...SYNCED, ...copy } }),
      },
      ...over,
    },
  };
}

const RPO = 30;

describe("readiness of a data store's standby copy (standby-data)", () => {
  it("a reachable copy in CATCH_UP within the objective is ready, and says its lag", () => {
    const found = dataCheck(SQL, "northeurope", state({}), RPO);
    assert.equal(found.verdict, "ready", found.evidence);
    assert.equal(found.check, "standby-data");
    assert.equal(found.store, "orders");
    assert.equal(found.region, "northeurope");
    assert.match(found.evidence, /CATCH_UP, 2 s behind the primary \(objective 30 s\)/);
    assert.equal(found.fix, undefined);
  });

  // Each: the cause, the read, the verdict, what the evidence and the fix must say.
  const causes: [string, StoreRead | undefined, "not-ready" | "unknown", RegExp, RegExp][] = [
    ["never read", undefined, "unknown", /orders has not been read$/, /permissions/],
    [
      "a read that failed",
      { problem: "403 AuthorizationFailed" },
      "unknown",
      /not been read \(403 AuthorizationFailed\)/,
      /az sql failover-group show --ids .*orders-neu\/failoverGroups\/orders-fg/,
    ],
    [
      "a change of primary under way",
      state({}, { changing: true }),
      "unknown",
      /change of data store orders's primary is under way/,
      /Wait for it to end/,
    ],
    [
      "no copy in the standby region",
      state(null),
      "not-ready",
      /orders has no copy in northeurope/,
      /az sql failover-group create.*--partner-server/,
    ],
    [
      "the partner does not answer",
      state({ reachable: false, caughtUp: false }),
      "not-ready",
      /northeurope's copy of data store orders does not answer/,
      /az sql server show --ids .*orders-neu/,
    ],
    [
      "the primary does not answer",
      state({}, { regions: { westeurope: { ...PRIMARY, reachable: false }, northeurope: SYNCED } }),
      "not-ready",
      /primary copy in westeurope does not answer: a planned failover to northeurope cannot go ahead/,
      /allowDataLoss/,
    ],
    [
      "replication PENDING",
      state({ replication: "PENDING", caughtUp: false }),
      "not-ready",
      /orders is PENDING, not caught up/,
      /still being made \(PENDING\): wait until it reaches CATCH_UP/,
    ],
    [
      "replication SEEDING",
      state({ replication: "SEEDING", caughtUp: false }),
      "not-ready",
      /orders is SEEDING, not caught up/,
      /still being made \(SEEDING\)/,
    ],
    [
      "replication SUSPENDED",
      state({ replication: "SUSPENDED", caughtUp: false }),
      "not-ready",
      /orders is SUSPENDED, not caught up/,
      /sys\.dm_geo_replication_link_status/,
    ],
    [
      "a lag over the objective",
      state({ lagSeconds: 31 }),
      "not-ready",
      /31 s behind the primary, over the objective of 30 s/,
      /replication_lag_sec.*rpoSeconds/,
    ],
  ];

  for (const [name, read, verdict, evidence, fix] of causes)
    it(`${name}: ${verdict}, naming the store, the region and what to run`, () => {
      const found = dataCheck(SQL, "northeurope", read, RPO);
      assert.equal(found.verdict, verdict, found.evidence);
      assert.equal(found.store, "orders");
      assert.equal(found.region, "northeurope");
      assert.match(found.evidence, evidence);
      assert.match(found.fix ?? "", fix);
      assert.equal(dataCheck(SQL, "northeurope", state({}), RPO).verdict, "ready");
    });

  it("a lag at the objective is ready; an unknown lag is said, not failed; without an objective no lag fails", () => {
    assert.equal(dataCheck(SQL, "northeurope", state({ lagSeconds: 30 }), RPO).verdict, "ready");
    const unknown = dataCheck(SQL, "northeurope", state({ lagSeconds: undefined }), RPO);
    assert.equal(unknown.verdict, "ready");
    assert.match(
      unknown.evidence,
      /lag is not reported, so it is not compared with the objective \(30 s\)/,
    );
    const free = dataCheck(SQL, "northeurope", state({ lagSeconds: 5000 }), undefined);
    assert.equal(free.verdict, "ready");
    assert.match(free.evidence, /5000 s behind the primary$/);
  });

  it("a standby that already holds the primary copy is ready", () => {
    const found = dataCheck(SQL, "northeurope", state({}, { primary: "northeurope" }), RPO);
    assert.equal(found.verdict, "ready");
    assert.match(found.evidence, /northeurope holds data store orders's primary copy/);
  });

  it("Cosmos DB: a region missing from the account, or offline, is not ready, with the account's commands", () => {
    const missing = dataCheck(COSMOS, "northeurope", state(null), RPO);
    assert.equal(missing.verdict, "not-ready");
    assert.match(
      missing.fix ?? "",
      /Add North Europe .*az cosmosdb update --ids .*databaseAccounts\/carts/,
    );
    const offline = dataCheck(
      COSMOS,
      "northeurope",
      state({ reachable: false, replication: "Offline", caughtUp: false }),
      RPO,
    );
    assert.equal(offline.verdict, "not-ready");
    assert.match(offline.fix ?? "", /carts\/onlineRegion.*"region": "North Europe"/);
    const online = dataCheck(
      COSMOS,
      "northeurope",
      state({ replication: "Succeeded", lagSeconds: undefined }),
      RPO,
    );
    assert.equal(online.verdict, "ready", online.evidence);
  });

  it("a kind without commands of its own still says what to do in words", () => {
    const other = { name: "cache", kind: "redis-geo" };
    const found = dataCheck(
      other,
      "northeurope",
      state({ replication: "linking", caughtUp: false }),
      RPO,
    );
    assert.equal(found.verdict, "not-ready");
    assert.match(found.fix ?? "", /Wait for northeurope's copy to catch up/);
  });
});

describe("a group's readiness with data stores", () => {
  const input = (data: Record<string, StoreRead>) =>
    assessReadiness({
      group: {
        name: "shop",
        model: "active-passive",
        traffic: false,
        rpoSeconds: RPO,
        data: [SQL, COSMOS],
        regions: [
          { name: "westeurope", role: "primary", traffic: false },
          { name: "northeurope", role: "secondary", traffic: false },
        ],
      },
      now: 1_900_000_000_000,
      probes: { northeurope: [{ observer: "westeurope", ok: true }] },
      wokenAt: {},
      coldStartWithinDays: 30,
      data,
    });

  it("judges every store in every standby, and one store not ready turns the group not ready", () => {
    const ready = input({ orders: state({}), carts: state({ replication: "Succeeded" }) });
    assert.equal(ready.verdict, "ready", readinessLine(ready));
    assert.deepEqual(
      ready.checks.filter((c) => c.check === "standby-data").map((c) => `${c.store}@${c.region}`),
      ["orders@northeurope", "carts@northeurope"],
    );
    const broken = input({
      orders: state({ replication: "SUSPENDED", caughtUp: false }),
      carts: state({}),
    });
    assert.equal(broken.verdict, "not-ready");
    assert.match(
      readinessLine(broken),
      /^not-ready: standby-data \(orders, northeurope\): .*SUSPENDED/,
    );
    const unread = input({ orders: state({}) });
    assert.equal(unread.verdict, "unknown", readinessLine(unread));
  });
});
