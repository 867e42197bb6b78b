// Azure Kubernetes Service as the wake lever: start a region's stopped cluster, scale its agent
// pools, stop it again when Tandem started it and it is not needed.
import * as z from "zod";
import { count, resourceId } from "../../config/fields.js";
import { clusterProvider } from "../types.js";
import { AKS_OPERATIONS, CLUSTER } from "./operations.js";

export const nodePoolSchema = z
  .strictObject({
    name: z
      .string({ error: "must be an agent pool name" })
      .regex(
        /^[a-z][a-z0-9]{0,11}$/,
        "must be an AKS agent pool name: 1 to 12 lower-case letters and digits, starting with a letter",
      )
      .describe("AKS agent pool name."),
    count: count(0, 1000).describe(
      "Node count to scale the pool to when the region is woken or promoted.",
    ),
    minCount: count(0, 1000)
      .optional()
      .describe("Autoscaler minimum to set with `count` (set with `maxCount`)."),
    maxCount: count(1, 1000)
      .optional()
      .describe("Autoscaler maximum to set with `count` (set with `minCount`)."),
  })
  .describe("An agent pool to scale when its region is woken or promoted.");

export const aksSchema = z
  .strictObject({
    kind: z
      .literal("aks")
      .default("aks")
      .describe("Azure Kubernetes Service (the default, and so far the only cluster kind)."),
    resourceId: resourceId("Microsoft.ContainerService", "managedClusters").describe(
      "Resource ID of the region's AKS cluster.",
    ),
    nodePools: z
      .array(nodePoolSchema)
      .default([])
      .describe(
        "Agent pools to scale when the region is woken (passive-cold) or promoted (active-passive).",
      ),
  })
  .describe(
    "The region's AKS cluster, for waking (passive-cold) and scaling on promotion. The runbook starts it and scales its agent pools through Azure Resource Manager (see docs/permissions.md for the role it needs).",
  );

export const aks = clusterProvider({
  kind: "aks",
  title: "Azure Kubernetes Service",
  schema: aksSchema,
  operations: Object.values(AKS_OPERATIONS),
  scopeType: CLUSTER.type,
  scopes: (settings) => [settings.resourceId],
  scopeDescription: "the cluster each region names",
  // AKS starts a stopped cluster in minutes; drills assume 6 unless told.
  startMs: 6 * 60_000,
  create: async (members, { conn }) => {
    const { AksClusterControl } = await import("./clusters.js");
    return new AksClusterControl(
      conn,
      members.map((m) => ({
        group: m.group,
        region: m.region,
        resourceId: m.settings.resourceId,
      })),
    );
  },
  emulator: new URL("./emulator.js", import.meta.url).href,
});
