// Azure Resource Manager slow (every reply 5 s late, and then 15 s late), end to end in the
// sandbox with its default timings: the region's loss is detected as fast as the verdict rules
// allow, the lease never changes hands, /api/status answers from the store without waiting for
// ARM, and both groups fail over while ARM stays slow: one incident each, no FAILED alert, within
// the step timeout plus the time the work spent on ARM. With `data` (the 5 s suite), the catalog's
// SQL failover group and Cosmos DB account follow its traffic through the same slow ARM, each
// asked once (the 15 s suite runs without: with its stores, a failover takes about six minutes
// there, past this lane's budget; `npm run bench -- --only slow-arm-data` measures it).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES as R, startSandbox } from "../../src/sandbox/sandbox.js";
import { ticks, transitions, waitFor } from "../helpers/wait.js";
import { WAITING_TIMEOUT_MS } from "../../scripts/test-files.js";

/** The sandbox's defaults (src/sandbox/sandbox.ts): these tests change none of them. */
const INTERVAL = 2;
const FAILURE_THRESHOLD = 3;
const STEP_TIMEOUT_MS = 30_000;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

/** Which group an ARM request belongs to, by the resource it names. */
const groupOf = (path: string) =>
  /trafficmanagerprofiles\/[^/]*shop/i.test(path)
    ? "shop"
    : /catalog/i.test(path)
      ? "catalog"
      : undefined;

const DETECTS =
  "detects westeurope down without waiting for ARM, keeps the lease, and answers the status from the store";
const FAILS_OVER =
  "fails both groups over while ARM stays slow: one incident each, no FAILED alert, the lease unmoved";

/**
 * The suite for one ARM delay. Each delay's own test file calls it, so that the runner counts
 * each file's time apart: start, the two checks in order, stop.
 */
export function slowArmSuite(slowMs: number, options: { data?: boolean } = {}): void {
  const data = options.data === true;
  const scenario = slowArmScenario(slowMs, data);
  const stores = data ? ", the catalog's data stores following its traffic" : "";
  describe(`sandbox with every ARM reply ${slowMs / 1000} s late${stores}`, () => {
    before(scenario.start);
    after(scenario.stop);
    it(DETECTS, scenario.detects);
    it(FAILS_OVER, scenario.failsOver);
  });
}

/** The scenario for one ARM delay, as steps: start, the two checks in order, stop. */
function slowArmScenario(slowMs: number, data: boolean) {
  let sandbox: Sandbox;
  const lines: string[] = [];
  const start = async () => {
    // The sandbox's policy as it is; only the emulated cluster start and edge propagation are
    // short, so that the time measured is Tandem's and ARM's.
    sandbox = await startSandbox({
      port: 0,
      data,
      clusterStartSeconds: 2,
      propagationSeconds: 2,
      output: (l) => lines.push(l),
    });
  };
  const stop = async () => sandbox?.stop();

  const status = async () => {
    const started = Date.now();
    const response = await fetch(`${sandbox.url}/api/status`);
    assert.equal(response.status, 200);
    return { body: (await response.json()) as any, ms: Date.now() - started };
  };

  let epoch: number;
  let mark: number;
  let downAt: number;
  let requestsBefore: number;

  const detects = async () => {
    const first = await waitFor(
      "a lease holder that has read both groups' levers",
      async () => {
        const { body } = await status();
        return body.lease && body.groups.every((g: any) => g.routing) ? body : undefined;
      },
      { ...within(20), seen: async () => (await status()).body.lease },
    );
    epoch = first.lease.epoch;
    const slowed = await fetch(`${sandbox.url}/sandbox/arm/slow?ms=${slowMs}`, {
      method: "POST",
    });
    assert.equal(slowed.status, 200);
    assert.equal(((await slowed.json()) as any).arm.slowMs, slowMs);
    mark = lines.length;
    requestsBefore = sandbox.arm.requests.length;
    downAt = Date.now();
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });

    const latencies: number[] = [];
    const detected = await waitFor(
      "westeurope recorded down in both groups",
      async () => {
        const { body, ms } = await status();
        latencies.push(ms);
        assert.equal(body.lease?.epoch, epoch, "the lease never changes hands");
        const down = ["shop", "catalog"].every((g) =>
          transitions(lines, `${g}/westeurope`, mark).some((t) => t.to === "down"),
        );
        return down ? Date.now() - downAt : undefined;
      },
      { ...within(20), intervalMs: 200 },
    );
    // Fault-free, a region is down after the failure threshold's probes from every observer,
    // within a few intervals; slow ARM must add nothing to that.
    assert.ok(
      detected <= (FAILURE_THRESHOLD + 3) * INTERVAL * 1000 + 3000,
      `detected after ${detected} ms`,
    );
    const max = Math.max(...latencies);
    assert.ok(max < 2000, `the status took ${max} ms at worst while ARM took ${slowMs} ms`);
  };

  const failsOver = async () => {
    const done = await waitFor(
      "both failovers ended",
      async () => {
        const { body } = await status();
        assert.equal(body.lease?.epoch, epoch, "the lease never changes hands");
        const ended = body.groups.every(
          (g: any) =>
            g.incident?.kind === "failover" &&
            ["completed", "failed", "aborted"].includes(g.incident.step),
        );
        return ended ? body : undefined;
      },
      {
        // Generous: what is asserted is below, against the ARM time the work took.
        // Within the runner's limit for this lane (WAITING_TIMEOUT_MS), so that a timeout here
        // says what it waited for.
        timeoutMs: WAITING_TIMEOUT_MS - 60_000,
        intervalMs: 500,
        seen: async () => (await status()).body.groups.map((g: any) => [g.name, g.incident?.step]),
      },
    );
    assert.deepEqual(
      done.groups.map((g: any) => [g.name, g.incident.step, g.routing.primary]),
      [
        ["shop", "completed", "northeurope"],
        ["catalog", "completed", "northeurope"],
      ],
    );
    if (data) dataMoved();
    const since = lines.slice(mark);
    assert.deepEqual(
      since.filter((l) => /FAILED|failed:/.test(l) && /failover/.test(l)),
      [],
      "no failover failed, and no FAILED alert",
    );
    assert.deepEqual(
      // The holder may say its epoch again (a restarted announcement); another epoch is a takeover.
      since.filter((l) => /holds epoch (\d+)/.exec(l) && !l.includes(`holds epoch ${epoch} `)),
      [],
      "no new lease holder while ARM was slow",
    );
    // Each group's failover ends within the step timeout plus the time its ARM calls took (each
    // at least slowMs), after detection: a livelock or a retry storm would not.
    const requests = sandbox.arm.requests.slice(requestsBefore);
    for (const g of done.groups) {
      const calls = requests.filter((r) => groupOf(r.path) === g.name).length;
      const took = g.incident.closedAt - downAt;
      const bound = (FAILURE_THRESHOLD + 3) * INTERVAL * 1000 + STEP_TIMEOUT_MS + calls * slowMs;
      assert.ok(took <= bound, `${g.name}: ${took} ms > ${bound} ms (${calls} ARM calls)`);
      console.log(
        `# ${g.name}: routed to northeurope ${took} ms after westeurope went down (${calls} ARM calls of ${slowMs} ms)`,
      );
    }
    // The incidents themselves, from the API: one failover each (a passive-cold one may have
    // opened as a pre-warm while westeurope was suspect), retries (if any) inside it.
    const incidents = (await (await fetch(`${sandbox.url}/api/incidents`)).json()) as any;
    const list: any[] = incidents.incidents ?? incidents;
    for (const group of ["shop", "catalog"])
      assert.equal(
        list.filter((i) => i.group === group && i.kind === "failover").length,
        1,
        `${group} has one failover incident`,
      );
  };
  // The catalog's data stores followed its traffic, each asked once (forced: their primaries'
  // region is lost with the rest of westeurope), through the same slow control plane.
  const dataMoved = () => {
    assert.deepEqual(sandbox.services.sql.roles(R.catalogSqlServer("westeurope"), "catalog-db"), {
      "sql-catalog-weu": "Secondary",
      "sql-catalog-neu": "Primary",
    });
    assert.equal(sandbox.services.cosmos.writeRegion(R.catalogCosmos), "North Europe");
    const changes = sandbox.arm.requests
      .slice(requestsBefore)
      .filter((r) => r.method === "POST" && /(failover|offlineregion)/i.test(r.path))
      .map((r) => `${r.status} ${r.path.replace(/^.*\/providers\//, "")}`);
    assert.deepEqual(
      changes.sort(),
      [
        "202 Microsoft.DocumentDB/databaseAccounts/cosmos-catalog/offlineRegion",
        "202 Microsoft.Sql/servers/sql-catalog-neu/failoverGroups/catalog-db/forceFailoverAllowDataLoss",
      ],
      "each store asked once, forced, and accepted",
    );
  };
  return { start, stop, detects, failsOver };
}
