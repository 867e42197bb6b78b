// The Cosmos DB lever and its emulated service held to the vendored spec (test/specs/cosmosdb/):
// every request the lever sends and every reply of the emulator, errors included, validate; the
// official examples of the two operations that change the account, replayed, get the example's
// status and the headers the spec names; the percentile metrics example, replayed, is answered.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { before, describe, it } from "node:test";
import { CosmosDataControl } from "../../../src/providers/cosmosdb/account.js";
import type { ArmFixture } from "../../helpers/arm.js";
import { RG, armRequest, withArm } from "../../helpers/arm.js";
import { ROOT } from "../../helpers/paths.js";
import { SpecCheck } from "../../helpers/spec-check.js";
import { ACCOUNT, cosmosLever, cosmosOf } from "./fixture.js";

let specs: SpecCheck;
before(async () => {
  specs = await SpecCheck.load(["cosmosdb/openapi.json"]);
});

function problemsOf(arm: ArmFixture): string[] {
  const problems = new Set<string>();
  for (const r of arm.emulator.requests) {
    // ARM's operation polls, and the regions' gateways (the data plane), are in no ARM spec.
    if (SpecCheck.isArmProtocol(r.path) || r.path.startsWith("/cosmos-gateway/")) continue;
    if (r.status === 0) continue;
    if (r.status < 400) for (const p of specs.request(r)) problems.add(p);
    for (const p of specs.reply(r)) problems.add(p);
  }
  return [...problems];
}

interface Example {
  readonly parameters: Record<string, unknown>;
  readonly responses: Record<string, { headers?: Record<string, string> }>;
}

const example = (file: string) =>
  JSON.parse(readFileSync(resolve(ROOT, "test/specs/cosmosdb/examples", file), "utf8")) as Example;

describe("Cosmos DB against the published spec", () => {
  it("every request of the lever and every reply of the emulator validate, errors included", async () => {
    await withArm({ operationMs: 30 }, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: true, threeRegions: true });
      cosmosOf(arm).setReplicationLatency(ACCOUNT, "West Europe", "North Europe", 1500);
      const lagged = await lever.read("shop", "orders", { lag: true });
      assert.equal(lagged.regions["northeurope"]?.lagSeconds, 1.5);
      // The metrics' $filter is required.
      const unfiltered = await armRequest(
        arm,
        "GET",
        `${ACCOUNT}/sourceRegion/West%20Europe/targetRegion/North%20Europe/percentile/metrics`,
        "2026-03-15",
      );
      assert.equal(unfiltered.status, 400);
      await lever.failover("shop", "orders", "northeurope", "planned");
      // The lock: a change while one runs is refused with 412.
      const locked = await armRequest(arm, "POST", `${ACCOUNT}/offlineRegion`, "2026-03-15", {
        region: "North Europe",
      });
      assert.equal(locked.status, 412);
      await lever.read("shop", "orders");
      cosmosOf(arm).setLost(ACCOUNT, "West Europe", true);
      await new Promise((r) => setTimeout(r, 40));
      await lever.failover("shop", "orders", "westeurope", "forced").catch(() => undefined);
      await lever.failover("shop", "orders", "swedencentral", "planned").catch(() => undefined);
      const missing = new CosmosDataControl(arm.conn, [
        {
          group: "g",
          store: "s",
          resourceId: `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/nope`,
          locations: new Map(),
          allowDataLoss: false,
        },
      ]);
      await assert.rejects(missing.read("g", "s"), /404/);
      const bad = await armRequest(arm, "POST", `${ACCOUNT}/failoverPriorityChange`, "2026-03-15", {
        failoverPolicies: [{ locationName: "West Europe", failoverPriority: 0 }],
      });
      assert.equal(bad.status, 400);
      const statuses = new Set(arm.emulator.requests.map((r) => r.status));
      for (const s of [200, 202, 400, 404, 412]) assert.ok(statuses.has(s), `a ${s} was exercised`);
      assert.deepEqual(problemsOf(arm), []);
    });
  });

  it("the official example CosmosDBPercentileSourceTargetGetMetrics.json, replayed, is answered 200 with its shape", async () => {
    await withArm({}, async (arm) => {
      const p = example("CosmosDBPercentileSourceTargetGetMetrics.json").parameters as Record<
        string,
        string
      >;
      const id = `/subscriptions/${p["subscriptionId"]}/resourceGroups/${p["resourceGroupName"]}/providers/Microsoft.DocumentDB/databaseAccounts/${p["accountName"]}`;
      cosmosOf(arm).addAccount({ id, locations: [p["sourceRegion"]!, p["targetRegion"]!] });
      const path = `${id}/sourceRegion/${encodeURIComponent(p["sourceRegion"]!)}/targetRegion/${encodeURIComponent(p["targetRegion"]!)}/percentile/metrics`;
      // The example's own $filter, as it is written (its endTime's quote left open).
      const reply = await armRequest(
        arm,
        "GET",
        path,
        `${p["api-version"]}&$filter=${encodeURIComponent(p["$filter"]!)}`,
      );
      assert.equal(reply.status, 200);
      assert.deepEqual(problemsOf(arm), []);
    });
  });

  // The failover example lists every region of its account (East US and West US); the offline one
  // takes North Europe out of an account that has others.
  for (const [file, body, path, locations] of [
    [
      "CosmosDBDatabaseAccountFailoverPriorityChange.json",
      "failoverParameters",
      "failoverPriorityChange",
      ["East US", "West US"],
    ],
    [
      "CosmosDBDatabaseAccountOfflineRegion.json",
      "regionParameterForOffline",
      "offlineRegion",
      ["East US", "North Europe"],
    ],
  ] as const)
    it(`the official example ${file}, replayed, gets its status and headers`, async () => {
      await withArm({}, async (arm) => {
        const ex = example(file);
        const p = ex.parameters as Record<string, string>;
        const id = `/subscriptions/${p["subscriptionId"]}/resourceGroups/${p["resourceGroupName"]}/providers/Microsoft.DocumentDB/databaseAccounts/${p["accountName"]}`;
        cosmosOf(arm).addAccount({ id, locations: [...locations] });
        const reply = await armRequest(
          arm,
          "POST",
          `${id}/${path}`,
          p["api-version"]!,
          ex.parameters[body],
        );
        assert.ok(
          String(reply.status) in ex.responses,
          `status ${reply.status} is one of the example's`,
        );
        const recorded = arm.emulator.requests.at(-1)!;
        for (const header of Object.keys(ex.responses[String(reply.status)]?.headers ?? {}))
          assert.ok(recorded.reply.headers[header.toLowerCase()], `${header} is answered`);
        assert.deepEqual(problemsOf(arm), []);
      });
    });
});
