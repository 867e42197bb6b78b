// The DataControl contract, passed by the Cosmos DB lever through the real SDK client against the
// ARM emulator over HTTPS: an account written in North Europe with a copy in West Europe.
import { RG, startArm } from "../../helpers/arm.js";
import { dataControlContract } from "../../adapters/data/contract.js";
import { CosmosDataControl } from "../../../src/providers/cosmosdb/account.js";
import { cosmosOf } from "./fixture.js";

const ACCOUNT = `${RG}/providers/Microsoft.DocumentDB/databaseAccounts/shop-db`;
const REGION_OF: Record<string, string> = {
  northeurope: "North Europe",
  westeurope: "West Europe",
};
const regionNamed = (location: string) =>
  Object.keys(REGION_OF).find((r) => REGION_OF[r] === location) ?? location;

dataControlContract("Cosmos DB through the ARM emulator", async () => {
  const arm = await startArm({ operationMs: 300 });
  cosmosOf(arm).addAccount({ id: ACCOUNT, locations: ["North Europe", "West Europe"] });
  const lever = (allowDataLoss: boolean) =>
    new CosmosDataControl(arm.conn, [
      {
        group: "shop",
        store: "orders",
        resourceId: ACCOUNT,
        locations: new Map(Object.entries(REGION_OF)),
        allowDataLoss,
      },
    ]);
  let data = lever(true);
  return {
    get data() {
      return data;
    },
    allowDataLoss: (allowed) => void (data = lever(allowed)),
    group: "shop",
    store: "orders",
    reach: (region, reachable) => cosmosOf(arm).setLost(ACCOUNT, REGION_OF[region]!, !reachable),
    // The P99 replication latency from the write region (North Europe), in ms.
    lag: (region, seconds) =>
      cosmosOf(arm).setReplicationLatency(
        ACCOUNT,
        "North Europe",
        REGION_OF[region]!,
        seconds * 1000,
      ),
    // Each accepted change, as the region that takes writes: the one given priority 0, or (taking
    // a region offline in this two-region account) the other one.
    failovers: () =>
      arm.emulator.requests
        .filter((r) => r.method === "POST" && r.status === 202)
        .map((r) => {
          const body = r.body as {
            region?: string;
            failoverPolicies?: { locationName: string; failoverPriority: number }[];
          };
          if (body.failoverPolicies)
            return `${regionNamed(body.failoverPolicies.find((p) => p.failoverPriority === 0)!.locationName)} planned`;
          const other = Object.values(REGION_OF).find((l) => l !== body.region)!;
          return `${regionNamed(other)} forced`;
        }),
    close: () => arm.stop(),
  };
});
