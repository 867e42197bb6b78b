// Every Azure Resource Manager call the Traffic Manager lever makes (api-version 2022-04-01), with
// the permission it needs. The router names these when it calls; docs/permissions.md, the role
// definitions and the emulator's routes are made from this list.
import type { ArmOperation } from "../types.js";
import { armResource } from "../arm-resource.js";

const PROFILE = armResource("Microsoft.Network/trafficManagerProfiles", "{profileName}");

export const ENDPOINT_TYPES = ["AzureEndpoints", "ExternalEndpoints", "NestedEndpoints"] as const;
export type EndpointTypeName = (typeof ENDPOINT_TYPES)[number];

/** `AzureEndpoints` → `azureEndpoints`, as RBAC actions spell it. */
const actionType = (type: EndpointTypeName) => type.charAt(0).toLowerCase() + type.slice(1);

export const TM_OPERATIONS = {
  readProfile: PROFILE.read(
    "read the endpoints' priority, status and Traffic Manager's own monitor status",
  ),
  ...Object.fromEntries(
    ENDPOINT_TYPES.map((type) => [
      `update${type}`,
      PROFILE.child(type, "{endpointName}", actionType(type)).write(
        "PATCH",
        `change an endpoint's priority or status (${type})`,
      ),
    ]),
  ),
} as Record<"readProfile" | `update${EndpointTypeName}`, ArmOperation>;

export const updateEndpoint = (type: EndpointTypeName): ArmOperation =>
  TM_OPERATIONS[`update${type}`];
