// The sandbox's database failover end to end (issue 30): the catalog's SQL failover group, primary
// in westeurope, follows the catalog's traffic when westeurope is lost. The real Azure SDK clients
// drive the ARM emulator over HTTPS; everything is read afterwards from what was recorded (the
// emulator's request log, the incident's history, the audit log, the alert receivers), not by
// polling in step with the failover.
//
// The sandbox's regional outage takes the region's SQL server with it, so its primary cannot be
// reached: the store allows data loss in the sandbox (`allowDataLoss: true`), and the only way over
// is a forced failover. A planned failover would need the old primary to answer ("Failover groups
// overview", learn.microsoft.com: a planned failover "performs full data synchronization" first).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TandemEvent } from "../../src/core/events.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES, SANDBOX_STORES, startSandbox } from "../../src/sandbox/sandbox.js";
import { FAST_SANDBOX } from "../helpers/sandbox.js";
import { waitFor } from "../helpers/wait.js";

const R = SANDBOX_RESOURCES;
const STORE = SANDBOX_STORES.sql;
const FAILOVER = /\/failovergroups\/catalog-db\/(failover|forcefailoverallowdataloss)$/i;
const ASKED = `catalog: data store ${STORE} asked to make northeurope its primary (forced)`;

describe("sandbox: the catalog's database follows its traffic", () => {
  let sandbox: Sandbox;
  const lines: string[] = [];
  const events: TandemEvent[] = [];
  let incident: any;

  before(async () => {
    sandbox = await startSandbox({
      ...FAST_SANDBOX,
      data: true,
      clusterStartSeconds: 1,
      propagationSeconds: 1,
      output: (l) => lines.push(l),
      subscribers: [{ name: "test: every event", fn: (e) => void events.push(e) }],
    });
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });
    incident = await waitFor(
      "the catalog's failover to end",
      async () => {
        const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
        const found = body.groups.find((g: any) => g.name === "catalog").incident;
        return found?.kind === "failover" && ["completed", "failed"].includes(found.step)
          ? found
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  });
  after(async () => sandbox.stop());

  /** The writes that reached Azure for the catalog, in the order the emulator took them. */
  const catalogWrites = () =>
    sandbox.arm.requests.filter((r) => r.method !== "GET" && /catalog/i.test(r.path));

  it("ends with the failover group's primary and the catalog's traffic in northeurope", async () => {
    assert.equal(incident.step, "completed", JSON.stringify(incident.history));
    assert.deepEqual(sandbox.services.sql.roles(R.catalogSqlServer("westeurope"), "catalog-db"), {
      "sql-catalog-weu": "Secondary",
      "sql-catalog-neu": "Primary",
    });
    assert.equal(
      sandbox.services.frontDoor.route(R.catalogProfile, R.catalogOriginGroup),
      R.endpoint("catalog", "northeurope"),
    );
    const served = await fetch(sandbox.catalogEntryPoint.healthUrl);
    assert.equal(served.headers.get("x-served-by"), "northeurope");
  });

  it("asks the store once, forced on the partner's server, and the data moves before the traffic", () => {
    const writes = catalogWrites();
    const said = writes.map((r) => `${r.method} ${r.status} ${r.path}`).join("\n");
    const failovers = writes.filter((r) => FAILOVER.test(r.path));
    assert.deepEqual(
      failovers.map((r) => [r.path.split("/").at(-4), r.path.split("/").at(-1), r.status]),
      [["sql-catalog-neu", "forceFailoverAllowDataLoss", 202]],
      said,
    );
    const traffic = writes.filter((r) => /\/origins\//i.test(r.path));
    assert.ok(traffic.length > 0, said);
    assert.ok(
      writes.indexOf(failovers[0]!) < writes.indexOf(traffic[0]!),
      `the data step's order (before-traffic): the failover before any origin change\n${said}`,
    );
    // The incident's own record says the same order.
    const steps = incident.history.map((h: any) => h.step) as string[];
    assert.ok(
      steps.lastIndexOf("moving-data") < steps.indexOf("shifting-traffic"),
      steps.join(", "),
    );
    assert.equal(
      events.filter((e) => e.type === "data.failover-asked").length,
      1,
      "one data.failover-asked event",
    );
  });

  it("names the store's failover in the audit log, started and done", async () => {
    const rows: any[] = [];
    for (let path: string | undefined = "/api/audit"; path;) {
      const page = (await (await fetch(`${sandbox.url}${path}`)).json()) as any;
      rows.push(...page.entries);
      path = page.nextUrl;
    }
    const named = rows.filter((r) => String(r.name).includes(`data-failover ${STORE}`));
    assert.deepEqual(
      named.map((r) => `${r.outcome} ${r.name}`).sort(),
      [
        `done data-failover ${STORE} to northeurope (forced)`,
        `started data-failover ${STORE} to northeurope (forced)`,
      ],
      JSON.stringify(rows.map((r) => `${r.outcome} ${r.name}`)),
    );
  });

  it("tells every alert receiver, once, that the store was forced over, and prints it", async () => {
    const got = await waitFor(
      "every receiver to get the data alert",
      async () => {
        const body = (await (await fetch(`${sandbox.url}/sandbox/alerts`)).json()) as any;
        return ["teams", "slack", "pagerduty", "webhook"].every((kind) =>
          body[kind].alerts.some((a: any) => a.title === ASKED),
        )
          ? body
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    for (const kind of ["teams", "slack", "pagerduty", "webhook"])
      assert.equal(
        got[kind].alerts.filter((a: any) => a.title === ASKED).length,
        1,
        `${kind}: ${got[kind].alerts.map((a: any) => a.title).join(" | ")}`,
      );
    assert.ok(
      lines.some((l) =>
        /catalog data products +northeurope asked to take the primary: forced, writes not yet replicated there are lost/.test(
          l,
        ),
      ),
      lines.join("\n"),
    );
  });
});
