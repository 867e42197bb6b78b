// What the Front Door lever can do, as it declares it to the runbook.
import type { LeverCapabilities } from "../../core/levers.js";
import { FULL_LEVER } from "../../core/levers.js";

/**
 * All a traffic lever does; and its changes reach the edge minutes after ARM accepted them, with
 * no signal in the API (deploymentStatus stays NotStarted): verification waits on the global
 * entry point, for up to policy.propagationTimeoutSeconds.
 */
export const FRONT_DOOR_LEVER: LeverCapabilities = { ...FULL_LEVER, dataPlaneLag: true };
