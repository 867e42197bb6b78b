// The three Azure levers over the ARM emulator's fixtures, as the adapters are built in Azure:
// shop's Traffic Manager profile, catalog's Front Door origin group and catalog's AKS clusters.
import { AksClusterControl } from "../../src/providers/aks/clusters.js";
import { FrontDoorRouter } from "../../src/providers/front-door/router.js";
import { TrafficManagerRouter } from "../../src/providers/traffic-manager/router.js";
import type { ArmFixture } from "./arm.js";
import { AKS_NEU, AKS_WEU, ENDPOINTS, FD_GROUP, FD_PROFILE, TM_PROFILE } from "./arm.js";

export const armLevers = (arm: ArmFixture) => ({
  tm: new TrafficManagerRouter(arm.conn, [
    { name: "shop", profileId: TM_PROFILE, endpoints: ENDPOINTS },
  ]),
  fd: new FrontDoorRouter(arm.conn, [
    { name: "catalog", profileId: FD_PROFILE, originGroup: FD_GROUP, origins: ENDPOINTS },
  ]),
  aks: new AksClusterControl(arm.conn, [
    { group: "catalog", region: "westeurope", resourceId: AKS_WEU },
    { group: "catalog", region: "northeurope", resourceId: AKS_NEU },
  ]),
});
