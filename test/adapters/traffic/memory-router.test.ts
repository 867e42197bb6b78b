import { MemoryTrafficRouter } from "../../../src/adapters/traffic/memory.js";
import { trafficRouterContract } from "./contract.js";

trafficRouterContract("in memory", async () => {
  const router = new MemoryTrafficRouter([
    {
      name: "shop",
      model: "active-passive",
      regions: [
        { name: "westeurope", role: "primary" },
        { name: "northeurope", role: "secondary" },
      ],
    },
  ]);
  return { router, group: "shop", writes: () => router.changes.length, uniquePriorities: true };
});
