// Cosmos DB accounts in the ARM emulator and the lever on them, for the Cosmos DB tests: a
// single-write account in West Europe (write), North Europe and, when asked, Sweden Central, and
// a multi-region-write one.
import { CosmosDataControl } from "../../../src/providers/cosmosdb/account.js";
import type { CosmosDbService } from "../../../src/providers/cosmosdb/emulator.js";
import type { ArmFixture } from "../../helpers/arm.js";
import { RG } from "../../helpers/arm.js";

export const ACCOUNT = `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/orders-db`;
const MULTI = `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/carts-db`;

export const cosmosOf = (arm: ArmFixture) => arm.emulator.service<CosmosDbService>("cosmosdb");

interface LeverOptions {
  readonly allowDataLoss?: boolean;
  /** A third region, Sweden Central, last in failover priority. */
  readonly threeRegions?: boolean;
  readonly multiWrite?: boolean;
}

/** Adds the account(s) and returns the lever of group "shop", store "orders". */
export function cosmosLever(arm: ArmFixture, options: LeverOptions = {}): CosmosDataControl {
  const locations = [
    "West Europe",
    "North Europe",
    ...(options.threeRegions ? ["Sweden Central"] : []),
  ];
  const id = options.multiWrite ? MULTI : ACCOUNT;
  cosmosOf(arm).addAccount({ id, locations, multipleWriteLocations: options.multiWrite ?? false });
  const regions = ["westeurope", "northeurope", ...(options.threeRegions ? ["swedencentral"] : [])];
  return new CosmosDataControl(arm.conn, [
    {
      group: "shop",
      store: "orders",
      resourceId: id,
      // As the configuration's default: each region's location is the region's own name.
      locations: new Map(regions.map((r) => [r, r])),
      allowDataLoss: options.allowDataLoss ?? false,
    },
  ]);
}

/** The Cosmos DB requests the emulator saw that change something, as "POST <operation>". */
export const cosmosWrites = (arm: ArmFixture): string[] =>
  arm.emulator.requests
    .filter((r) => r.method !== "GET" && /microsoft\.documentdb/i.test(r.path))
    .map((r) => `${r.method} ${r.path.split("/").at(-1)} ${r.status}`);
