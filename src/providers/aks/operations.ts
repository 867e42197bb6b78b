// Every Azure Resource Manager call the AKS lever makes (Microsoft.ContainerService, api-version
// 2026-04-01), with the permission it needs. The cluster control names these when it calls;
// docs/permissions.md, the role definitions and the emulator's routes are made from this list.
import type { ArmOperation } from "../types.js";

const CLUSTER =
  "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{resourceName}";

export const AKS_OPERATIONS = {
  readCluster: {
    action: "Microsoft.ContainerService/managedClusters/read",
    method: "GET",
    path: CLUSTER,
    why: "read the cluster's power and provisioning state",
  },
  start: {
    action: "Microsoft.ContainerService/managedClusters/start/action",
    method: "POST",
    path: `${CLUSTER}/start`,
    why: "start a stopped (passive-cold) cluster",
  },
  stop: {
    action: "Microsoft.ContainerService/managedClusters/stop/action",
    method: "POST",
    path: `${CLUSTER}/stop`,
    why: "stop a cluster Tandem started, once it is not needed",
  },
  readPool: {
    action: "Microsoft.ContainerService/managedClusters/agentPools/read",
    method: "GET",
    path: `${CLUSTER}/agentPools/{agentPoolName}`,
    why: "read an agent pool before scaling it",
  },
  writePool: {
    action: "Microsoft.ContainerService/managedClusters/agentPools/write",
    method: "PUT",
    path: `${CLUSTER}/agentPools/{agentPoolName}`,
    why: "scale an agent pool (node count, autoscaler bounds)",
  },
  // ARM checks the poll of a long-running operation like any read, on a path under the
  // subscription (not under the cluster): a role on the cluster alone does not cover it.
  pollOperation: {
    action: "Microsoft.ContainerService/locations/operations/read",
    method: "GET",
    path: "/subscriptions/{subscriptionId}/providers/Microsoft.ContainerService/locations/{location}/operations/{operationId}",
    why: "follow an agent pool change until it is done",
  },
} satisfies Record<string, ArmOperation>;
