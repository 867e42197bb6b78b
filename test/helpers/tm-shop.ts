// shop as a group behind the ARM emulator's Traffic Manager profile (TM_PROFILE): westeurope
// primary on endpoint weu, northeurope secondary on neu, as ENDPOINTS names them.
import type { TandemConfigInput } from "../../src/config/index.js";
import { TM_PROFILE } from "./arm.js";

type GroupInput = TandemConfigInput["groups"][number];
type RegionSettings = Omit<GroupInput["regions"][number], "name" | "role" | "traffic">;

/** shop on Traffic Manager, each region with its probe and whatever else the test gives it. */
export const tmShop = (westeurope: RegionSettings, northeurope: RegionSettings): GroupInput => ({
  name: "shop",
  model: "active-passive",
  traffic: { kind: "traffic-manager", profileId: TM_PROFILE },
  regions: [
    { name: "westeurope", role: "primary", traffic: { endpoint: "weu" }, ...westeurope },
    { name: "northeurope", role: "secondary", traffic: { endpoint: "neu" }, ...northeurope },
  ],
});
