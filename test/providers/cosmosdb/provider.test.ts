// The Cosmos DB provider's settings and factory: what a store's configuration must say, and a
// location named for a region the group does not have refused by name when the levers are built.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cosmosdb } from "../../../src/providers/cosmosdb/index.js";
import { gatewaysOf } from "../../../src/providers/cosmosdb/state.js";
import { sandboxCredential } from "../../../src/sandbox/credential.js";
import type { LeverContext } from "../../../src/providers/types.js";
import { silentLog } from "../../../src/ports/log.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/shop-db";
const context: LeverContext = {
  conn: { credential: sandboxCredential, endpoint: "https://127.0.0.1:9" },
  log: silentLog,
};

describe("Cosmos DB provider", () => {
  it("takes a resource ID, never allows data loss unless told, and refuses another resource type", () => {
    const settings: Record<string, unknown> = cosmosdb.schema.parse({
      kind: "cosmosdb",
      resourceId: ID,
    });
    assert.equal(settings["allowDataLoss"], false);
    const wrong = cosmosdb.schema.safeParse({
      kind: "cosmosdb",
      resourceId: ID.replace("Microsoft.DocumentDB/databaseAccounts", "Microsoft.Sql/servers"),
    });
    assert.match(wrong.error?.issues[0]?.message ?? "", /Microsoft\.DocumentDB\/databaseAccounts/);
  });

  it("refuses, when the levers are built, a location for a region the group does not have", async () => {
    const settings = cosmosdb.schema.parse({
      kind: "cosmosdb",
      resourceId: ID,
      locations: { atlantis: "Atlantis Central" },
    });
    await assert.rejects(
      cosmosdb.create(
        [{ group: "shop", store: "orders", settings, regions: ["westeurope", "northeurope"] }],
        context,
      ),
      /groups\[shop\]\.data\[orders\]\.locations names atlantis, which is not a region of group shop/,
    );
  });
});

describe("Cosmos DB account replies", () => {
  const location = (documentEndpoint?: string) => ({
    locationName: "West Europe",
    failoverPriority: 0,
    ...(documentEndpoint === undefined ? {} : { documentEndpoint }),
  });
  const account = (documentEndpoint?: string) => ({
    writeLocations: [location(documentEndpoint)],
    readLocations: [location(documentEndpoint)],
    locations: [location(documentEndpoint)],
  });

  it("an online region without an https gateway fails the read, never reads as a lost region", () => {
    for (const endpoint of [undefined, "not a url", "http://acct-westeurope.documents.azure.com/"])
      assert.throws(() => gatewaysOf(account(endpoint)), /West Europe no https documentEndpoint/);
    assert.deepEqual(
      [...gatewaysOf(account("https://acct-westeurope.documents.azure.com:443/")).values()],
      ["https://acct-westeurope.documents.azure.com:443/"],
    );
  });
});
