// The sandbox's database failover end to end (issue 30): the catalog's SQL failover group and
// Cosmos DB account, primary in westeurope, follow the catalog's traffic when westeurope is lost.
// The real Azure SDK clients drive the ARM emulator over HTTPS; everything is read afterwards from
// what was recorded (the emulator's request log, the incident's history, the audit log, the alert
// receivers), not by polling in step with the failover.
//
// The sandbox's regional outage takes the region's SQL server and Cosmos DB region with it, so no
// primary can be reached: the stores allow data loss in the sandbox (`allowDataLoss: true`), and
// the only way over is a forced failover. A planned one needs the old primary to answer (SQL: "a
// planned failover performs full data synchronization", Failover groups overview; Cosmos DB: a
// change of write region checks consistency with the old one; docs/data-sql.md,
// docs/data-cosmosdb.md). Once westeurope is back, every copy answers, and the failback (the
// sandbox's dataPolicy.failback is with-traffic) moves the data back by planned failovers.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TandemEvent } from "../../src/core/events.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES, startSandbox } from "../../src/sandbox/sandbox.js";
import { sandboxBanner } from "../../src/sandbox/banner.js";
import { FAST_SANDBOX } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

const R = SANDBOX_RESOURCES;
/** Each store: the requests that change its primary, and which ones forced and planned are. */
const STORES = [
  {
    name: "products",
    changes: /\/failovergroups\/catalog-db\/(failover|forcefailoverallowdataloss)$/i,
    forced: "sql-catalog-neu/failoverGroups/catalog-db/forceFailoverAllowDataLoss",
    planned: "sql-catalog-weu/failoverGroups/catalog-db/failover",
  },
  {
    name: "reviews",
    changes: /\/databaseaccounts\/cosmos-catalog\/(failoverprioritychange|offlineregion)$/i,
    forced: "databaseAccounts/cosmos-catalog/offlineRegion",
    planned: "databaseAccounts/cosmos-catalog/failoverPriorityChange",
  },
];
const asked = (store: string) =>
  `catalog: data store ${store} asked to make northeurope its primary (forced)`;

describe("sandbox: the catalog's database follows its traffic", () => {
  let sandbox: Sandbox;
  const lines: string[] = [];
  const events: TandemEvent[] = [];
  let incident: any;

  before(async () => {
    sandbox = await startSandbox({
      ...FAST_SANDBOX,
      data: true,
      dwellSeconds: 1,
      clusterStartSeconds: 1,
      propagationSeconds: 1,
      // A shorter backoff for the ARM calls that keep the whole one (the lost SQL server's reads
      // retry once at most): the same requests, sooner; about 3 s of this suite (issue 30).
      armRetry: { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
      output: (l) => lines.push(l),
      subscribers: [{ name: "test: every event", fn: (e) => void events.push(e) }],
    });
    incident = await westeurope("down", "failover");
  });
  after(async () => sandbox.stop());

  /** Takes westeurope down or up, and waits for the catalog's incident of that kind to end. */
  const westeurope = async (mode: "down" | "up", kind: "failover" | "failback") => {
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/${mode}`, { method: "POST" });
    return waitFor(
      `the catalog's ${kind} to end`,
      async () => {
        const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
        const found = body.groups.find((g: any) => g.name === "catalog").incident;
        return found?.kind === kind && ["completed", "failed"].includes(found.step)
          ? found
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  };

  /** The writes that reached Azure for the catalog, in the order the emulator took them. */
  const catalogWrites = () =>
    sandbox.arm.requests.filter((r) => r.method !== "GET" && /catalog/i.test(r.path));

  it("says in the banner which stores follow the catalog and what a lost region costs them", () => {
    const banner = sandboxBanner(sandbox, { timing: "fast", verbose: false });
    assert.match(
      banner,
      /data "products" +sql-failover-group, primary in westeurope; allowDataLoss true/,
    );
    assert.match(banner, /data "reviews" +cosmosdb, primary in westeurope; allowDataLoss true/);
    assert.match(
      banner.replace(/\s+/g, " "),
      /The data moves before traffic\. A lost region takes its copies of the data with it: with allowDataLoss \(set here; false by default\) the store is forced over and writes not yet replicated are lost/,
    );
  });

  it("ends with the failover group's primary, the Cosmos DB write region and the catalog's traffic in northeurope", async () => {
    assert.equal(incident.step, "completed", JSON.stringify(incident.history));
    assert.deepEqual(sandbox.services.sql.roles(R.catalogSqlServer("westeurope"), "catalog-db"), {
      "sql-catalog-weu": "Secondary",
      "sql-catalog-neu": "Primary",
    });
    assert.equal(sandbox.services.cosmos.writeRegion(R.catalogCosmos), "North Europe");
    assert.equal(
      sandbox.services.frontDoor.route(R.catalogProfile, R.catalogOriginGroup),
      R.endpoint("catalog", "northeurope"),
    );
    const served = await fetch(sandbox.catalogEntryPoint.healthUrl);
    assert.equal(served.headers.get("x-served-by"), "northeurope");
  });

  it("asks each store once, forced, and moves the data before the traffic", () => {
    const writes = catalogWrites();
    const said = writes.map((r) => `${r.method} ${r.status} ${r.path}`).join("\n");
    const traffic = writes.filter((r) => /\/origins\//i.test(r.path));
    assert.ok(traffic.length > 0, said);
    for (const store of STORES) {
      const changes = writes.filter((r) => store.changes.test(r.path));
      assert.deepEqual(
        changes.map((r) => [r.path.toLowerCase().endsWith(store.forced.toLowerCase()), r.status]),
        [[true, 202]],
        `${store.name}: one forced failover (${store.forced}), accepted\n${said}`,
      );
      assert.ok(
        writes.indexOf(changes[0]!) < writes.indexOf(traffic[0]!),
        `${store.name}: the data step's order (before-traffic) puts it before any origin change\n${said}`,
      );
    }
    // The incident's own record says the same order.
    const steps = incident.history.map((h: any) => h.step) as string[];
    assert.ok(
      steps.lastIndexOf("moving-data") < steps.indexOf("shifting-traffic"),
      steps.join(", "),
    );
    assert.deepEqual(
      events
        .filter((e) => e.type === "data.failover-asked")
        .map((e: any) => `${e.store} ${e.mode}`)
        .sort(),
      STORES.map((s) => `${s.name} forced`),
      "one data.failover-asked event per store",
    );
  });

  it("names each store's failover in the audit log, started and done", async () => {
    const rows: any[] = [];
    for (let path: string | undefined = "/api/audit"; path;) {
      const page = (await (await fetch(`${sandbox.url}${path}`)).json()) as any;
      rows.push(...page.entries);
      path = page.nextUrl;
    }
    const named = rows.filter((r) => String(r.name).startsWith("data-failover "));
    assert.deepEqual(
      named.map((r) => `${r.outcome} ${r.name}`).sort(),
      STORES.flatMap((s) =>
        ["done", "started"].map((o) => `${o} data-failover ${s.name} to northeurope (forced)`),
      ).sort(),
      JSON.stringify(rows.map((r) => `${r.outcome} ${r.name}`)),
    );
  });

  it("tells every alert receiver, once per store, that it was forced over, and prints it", async () => {
    const kinds = ["teams", "slack", "pagerduty", "webhook"];
    const got = await waitFor(
      "every receiver to get the data alerts",
      async () => {
        const body = (await (await fetch(`${sandbox.url}/sandbox/alerts`)).json()) as any;
        return kinds.every((kind) =>
          STORES.every((s) => body[kind].alerts.some((a: any) => a.title === asked(s.name))),
        )
          ? body
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    for (const kind of kinds)
      for (const store of STORES)
        assert.equal(
          got[kind].alerts.filter((a: any) => a.title === asked(store.name)).length,
          1,
          `${kind}: ${got[kind].alerts.map((a: any) => a.title).join(" | ")}`,
        );
    for (const store of STORES)
      assert.ok(
        lines.some((l) =>
          new RegExp(
            `catalog data ${store.name} +northeurope asked to take the primary: forced, writes not yet replicated there are lost`,
          ).test(l),
        ),
        lines.join("\n"),
      );
  });

  it("westeurope back: the data returns by planned failovers (every copy answers), never forced, before the traffic", async () => {
    const mark = sandbox.arm.requests.length;
    const back = await westeurope("up", "failback");
    assert.equal(back.step, "completed", JSON.stringify(back.history));
    const writes = catalogWrites().filter((r) => sandbox.arm.requests.indexOf(r) >= mark);
    const said = writes.map((r) => `${r.method} ${r.status} ${r.path}`).join("\n");
    const traffic = writes.filter((r) => /\/origins\//i.test(r.path));
    for (const store of STORES) {
      const changes = writes.filter((r) => store.changes.test(r.path));
      assert.deepEqual(
        changes.map((r) => [r.path.toLowerCase().endsWith(store.planned.toLowerCase()), r.status]),
        [[true, 202]],
        `${store.name}: one planned failover (${store.planned})\n${said}`,
      );
      assert.ok(writes.indexOf(changes[0]!) < writes.indexOf(traffic[0]!), said);
    }
    assert.deepEqual(sandbox.services.sql.roles(R.catalogSqlServer("westeurope"), "catalog-db"), {
      "sql-catalog-weu": "Primary",
      "sql-catalog-neu": "Secondary",
    });
    assert.equal(sandbox.services.cosmos.writeRegion(R.catalogCosmos), "West Europe");
  });
});
