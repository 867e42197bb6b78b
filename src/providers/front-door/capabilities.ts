// What the Front Door lever can do, as it declares it to the runbook.
import type { LeverCapabilities } from "../../core/levers.js";
import { FULL_LEVER } from "../../core/levers.js";

/**
 * All a traffic lever does; and its changes reach the edge minutes after ARM accepted them, with
 * no signal in the API (deploymentStatus stays NotStarted in the official AFDOrigins_Update
 * examples, afdx.json 2024-02-01): verification waits on the global entry point, for up to
 * policy.propagationTimeoutSeconds. Users report edge propagation of up to 20 minutes; plans and
 * drills assume 10 unless told.
 */
export const FRONT_DOOR_LEVER: LeverCapabilities = {
  ...FULL_LEVER,
  dataPlaneLag: true,
  propagation: { says: "Front Door deploys a change to its edge", typicalMs: 10 * 60_000 },
};
