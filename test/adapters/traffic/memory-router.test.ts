import { trafficRouterContract } from "./contract.js";
import { shopRouter } from "../../helpers/shop-runbook.js";

trafficRouterContract("in memory", async () => {
  const router = shopRouter();
  return { router, group: "shop", writes: () => router.changes.length, uniquePriorities: true };
});
