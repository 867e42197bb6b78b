// Every Azure Resource Manager call the AKS lever makes (Microsoft.ContainerService, api-version
// 2026-04-01), with the permission it needs. The cluster control names these when it calls;
// docs/permissions.md, the role definitions and the emulator's routes are made from this list.
import { armResource } from "../arm-resource.js";

/** A cluster: the role for waking is assigned on each one a region names. */
export const CLUSTER = armResource("Microsoft.ContainerService/managedClusters", "{resourceName}");
const POOL = CLUSTER.child("agentPools", "{agentPoolName}");
// ARM checks the poll of a long-running operation like any read, on a path under the
// subscription (not under the cluster): a role on the cluster alone does not cover it.
const OPERATION = armResource(
  "Microsoft.ContainerService/locations",
  "{location}",
  "subscription",
).child("operations", "{operationId}");

export const AKS_OPERATIONS = {
  readCluster: CLUSTER.read("read the cluster's power and provisioning state"),
  start: CLUSTER.action("start", "start a stopped (passive-cold) cluster"),
  stop: CLUSTER.action("stop", "stop a cluster Tandem started, once it is not needed"),
  readPool: POOL.read("read an agent pool before scaling it"),
  writePool: POOL.write("PUT", "scale an agent pool (node count, autoscaler bounds)"),
  pollOperation: OPERATION.read("follow an agent pool change until it is done"),
};
