// What a person is told to run when Tandem will not move a data store itself: each data kind
// spells its own command (DataProvider.byHand), shown in the data.refused page and the incident.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROVIDERS } from "../../src/providers/registry.js";

const kind = (name: string) => PROVIDERS.data.find((p) => p.kind === name)!;
const RG = "/subscriptions/0000/resourceGroups/rg-shop/providers";

describe("data kinds' commands by hand", () => {
  it("SQL: set-primary on the server of the region that becomes primary; --allow-data-loss only when forced", () => {
    const settings = {
      kind: "sql-failover-group",
      failoverGroup: "shop-orders",
      allowDataLoss: false,
      servers: {
        westeurope: `${RG}/Microsoft.Sql/servers/shop-sql-weu`,
        northeurope: `${RG}/Microsoft.Sql/servers/shop-sql-neu`,
      },
    };
    const sql = kind("sql-failover-group");
    assert.equal(
      sql.byHand?.(settings, "northeurope", "planned"),
      "az sql failover-group set-primary --subscription 0000 --resource-group rg-shop --server shop-sql-neu --name shop-orders",
    );
    assert.match(sql.byHand?.(settings, "northeurope", "forced") ?? "", / --allow-data-loss$/);
    assert.equal(sql.byHand?.(settings, "eastus", "planned"), undefined, "no server there");
  });

  it("Cosmos DB: failover-priority-change with the region's location first; forced takes the lost write region offline", () => {
    const settings = {
      kind: "cosmosdb",
      resourceId: `${RG}/Microsoft.DocumentDB/databaseAccounts/shop-cosmos`,
      locations: { northeurope: "North Europe" },
      allowDataLoss: true,
    };
    const cosmos = kind("cosmosdb");
    assert.match(
      cosmos.byHand?.(settings, "northeurope", "planned") ?? "",
      /^az cosmosdb failover-priority-change --subscription 0000 --resource-group rg-shop --name shop-cosmos --failover-policies 'North Europe=0' /,
    );
    assert.match(
      cosmos.byHand?.(settings, "northeurope", "forced") ?? "",
      /shop-cosmos\/offlineRegion\?api-version=\d{4}-\d\d-\d\d".*North Europe takes writes/,
    );
  });
});
