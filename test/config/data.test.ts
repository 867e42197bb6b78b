// A group's data stores in the configuration (issue 30): their kinds come from the provider
// registry (a test kind here, as none is built in yet), each name once per group, only on groups
// with a primary, and the group's data policy with its defaults.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, validateConfig } from "../../src/config/index.js";
import type { ConfigProblem } from "../../src/config/index.js";
import { PROVIDERS, withProviders } from "../../src/providers/registry.js";
import { validConfig } from "../helpers/valid-config.js";
import { testStore } from "../providers/test-store/index.js";

const registry = withProviders(PROVIDERS, [testStore()]);
const store = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: "test-store",
  account: `acct-${name}`,
  ...extra,
});

function withData(model: "active-passive" | "active-active", data: unknown[], more = {}) {
  const raw = validConfig(model);
  Object.assign(raw["groups"][0], { data, ...more });
  return raw;
}

function problems(raw: unknown, reg = registry): readonly ConfigProblem[] {
  const result = validateConfig(raw, reg);
  assert.equal(result.ok, false, "expected the configuration to be refused");
  return result.ok ? [] : result.problems;
}

describe("configuration: groups[].data", () => {
  it("takes a store of a registered kind, allowDataLoss false unless given", () => {
    const config = parseConfig(
      withData("active-passive", [store("orders"), store("carts", { allowDataLoss: true })]),
      "test",
      registry,
    );
    const data = config.groups[0]!.data!;
    assert.deepEqual(
      data.map((d) => [d.name, d.kind, d.allowDataLoss]),
      [
        ["orders", "test-store", false],
        ["carts", "test-store", true],
      ],
    );
    assert.equal(config.groups[0]!.dataPolicy, undefined, "absent: the runbook's defaults apply");
  });

  it("takes a data policy, filling what it leaves out with the defaults", () => {
    const config = parseConfig(
      withData("active-passive", [store("orders")], { dataPolicy: { order: "after-traffic" } }),
      "test",
      registry,
    );
    assert.deepEqual(config.groups[0]!.dataPolicy, {
      order: "after-traffic",
      onDataFailure: "shift-traffic",
      failback: "manual",
    });
  });

  it("names a store that appears twice in a group, and where it first was", () => {
    const found = problems(withData("active-passive", [store("orders"), store("orders")]));
    assert.deepEqual(
      found.filter((p) => p.path === "groups[0].data[1].name").map((p) => p.message),
      ['duplicate data store "orders" (already at groups[0].data[0].name)'],
    );
  });

  it("refuses data stores on an active-active group, saying why", () => {
    const found = problems(withData("active-active", [store("orders")]));
    const at = found.find((p) => p.path === "groups[0].data");
    assert.match(at?.message ?? "", /active-passive and passive-cold groups/);
  });

  it("refuses a data policy on a group without stores", () => {
    const raw = validConfig("active-passive");
    raw["groups"][0].dataPolicy = { order: "after-traffic" };
    const at = problems(raw).find((p) => p.path === "groups[0].dataPolicy");
    assert.match(at?.message ?? "", /no data stores to apply to/);
  });

  it("refuses a kind no provider declares, and an order it does not know", () => {
    const found = problems(
      withData("active-passive", [store("orders")], { dataPolicy: { order: "sometime" } }),
      PROVIDERS,
    );
    assert.ok(
      found.some((p) => p.path.startsWith("groups[0].data[0]")),
      JSON.stringify(found),
    );
    assert.ok(
      found.some((p) => p.path === "groups[0].dataPolicy.order"),
      JSON.stringify(found),
    );
  });

  // A third reading (2026-12-07): a store keyed by region that names another region, or two
  // regions that read as one, made the step report data where it was not; refused at load now.
  const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";
  it("refuses a Cosmos DB store that maps two regions to one location, or names a region not of the group", () => {
    const cosmos = (locations: Record<string, string>) => ({
      name: "reviews",
      kind: "cosmosdb",
      resourceId: `${SUB}/Microsoft.DocumentDB/databaseAccounts/cosmos-shop`,
      locations,
    });
    const same = problems(
      withData("active-passive", [cosmos({ northeurope: "West Europe" })]),
      PROVIDERS,
    );
    assert.ok(
      same.some(
        (p) =>
          p.path === "groups[0].data[0].locations.northeurope" &&
          /same Cosmos DB location \(westeurope\) as westeurope/.test(p.message),
      ),
      JSON.stringify(same),
    );
    const other = problems(
      withData("active-passive", [cosmos({ atlantis: "Atlantis" })]),
      PROVIDERS,
    );
    assert.ok(
      other.some((p) => p.path === "groups[0].data[0].locations.atlantis"),
      JSON.stringify(other),
    );
    const fine = validateConfig(
      withData("active-passive", [cosmos({ northeurope: "North Europe" })]),
      PROVIDERS,
    );
    assert.equal(fine.ok, true, JSON.stringify(fine));
  });

  it("refuses an SQL store whose servers name a region not of the group, or one server twice", () => {
    const sql = (servers: Record<string, string>) => ({
      name: "orders",
      kind: "sql-failover-group",
      failoverGroup: "fog-shop",
      servers,
    });
    const server = (n: string) => `${SUB}/Microsoft.Sql/servers/${n}`;
    const found = problems(
      withData("active-passive", [
        sql({ westeurope: server("sql-weu"), swedencentral: server("sql-sec") }),
        {
          ...sql({ westeurope: server("sql-weu"), northeurope: server("SQL-WEU") }),
          name: "lines",
        },
      ]),
      PROVIDERS,
    );
    assert.ok(
      found.some((p) => p.path === "groups[0].data[0].servers.swedencentral"),
      JSON.stringify(found),
    );
    assert.ok(
      found.some(
        (p) =>
          p.path === "groups[0].data[1].servers.northeurope" &&
          /same server as westeurope/.test(p.message),
      ),
      JSON.stringify(found),
    );
  });
});
