// The AKS lever: start and stop a region's cluster, read its power and provisioning state, and
// scale its agent pools. Starting takes minutes, so start() returns once Azure has accepted the
// operation; the runbook reads the cluster on later ticks until it runs. Every change reads first
// and writes only what differs.
import type { AgentPool, ManagedCluster } from "@azure/arm-containerservice";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { ClusterState, NodePoolSize, PowerState } from "../../core/levers.js";
import type { ClusterCallOptions, ClusterControl } from "../../ports/cluster-control.js";
import type { ArmConnection, ResourceId } from "../../adapters/azure/arm.js";
import {
  ARM_DEFAULTS,
  ArmError,
  armCall,
  awaitPatiently,
  parseResourceId,
} from "../../adapters/azure/arm.js";
import { ArmLever } from "../arm-lever.js";
import { AKS_OPERATIONS } from "./operations.js";

/** Reads and PUTs of one pool before a 412 is given up to the next tick. */
const MAX_ETAG_RETRIES = 3;

/**
 * AKS refused to start a stopped cluster (409): the docs ask for 15 to 30 minutes between a stop
 * and the next start, and a cluster refuses a start while another operation runs. The waking
 * step tries again every tick until its deadline (policy.wakeTimeoutSeconds).
 */
export class StartRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartRefusedError";
  }
}

export interface AksCluster {
  readonly group: string;
  readonly region: string;
  readonly resourceId: string;
}

/** AKS's two state fields as one power state. */
export function powerOf(
  cluster: Pick<ManagedCluster, "powerState" | "provisioningState">,
): PowerState {
  const provisioning = cluster.provisioningState ?? "Succeeded";
  if (provisioning === "Failed") return "Failed";
  if (provisioning === "Starting") return "Starting";
  if (provisioning === "Stopping") return "Stopping";
  return cluster.powerState?.code === "Stopped" ? "Stopped" : "Running";
}

export class AksClusterControl implements ClusterControl {
  readonly #lever: ArmLever<[group: string, region: string], ResourceId, ContainerServiceClient>;

  constructor(conn: ArmConnection, clusters: readonly AksCluster[]) {
    this.#lever = new ArmLever(
      conn,
      (credential, subscriptionId, options) =>
        new ContainerServiceClient(credential, subscriptionId, options),
      clusters.map((c) => [[c.group, c.region], parseResourceId(c.resourceId)]),
      (group, region) => `${region} in group ${group} has no AKS cluster configured`,
    );
  }

  covers(group: string, region: string): boolean {
    return this.#lever.has(group, region);
  }

  #id(group: string, region: string): ResourceId {
    return this.#lever.get(group, region);
  }

  async #get(id: ResourceId, doing: string, signal?: AbortSignal): Promise<ManagedCluster> {
    return armCall(
      { action: AKS_OPERATIONS.readCluster.action, resource: id.id, doing },
      this.#lever.conn,
      signal,
      (abortSignal) =>
        this.#lever.client(id.subscriptionId).managedClusters.get(id.resourceGroup, id.name, {
          abortSignal,
        }),
    );
  }

  async read(
    group: string,
    region: string,
    options: ClusterCallOptions = {},
  ): Promise<ClusterState> {
    const id = this.#id(group, region);
    const cluster = await this.#get(id, `read ${id.name}`, options.abortSignal);
    const power = powerOf(cluster);
    // currentKubernetesVersion is what runs (kubernetesVersion is what was asked for, and may be
    // a bare minor version such as `1.33`): managedClusters.json 2026-04-01.
    const version = cluster.currentKubernetesVersion ?? cluster.kubernetesVersion;
    return {
      power,
      detail: `provisioning ${cluster.provisioningState ?? "unknown"}, power ${cluster.powerState?.code ?? "unknown"}`,
      ...(version === undefined ? {} : { kubernetesVersion: version }),
      nodePools: (cluster.agentPoolProfiles ?? []).map((p) => ({
        name: p.name,
        count: p.count ?? 0,
        ...(p.minCount === undefined ? {} : { minCount: p.minCount }),
        ...(p.maxCount === undefined ? {} : { maxCount: p.maxCount }),
        ...(p.vmSize === undefined ? {} : { vmSize: p.vmSize }),
        ...(p.enableAutoScaling === undefined ? {} : { autoscale: p.enableAutoScaling }),
        ...(p.powerState?.code === undefined ? {} : { power: p.powerState.code }),
      })),
    };
  }

  async #power(
    group: string,
    region: string,
    verb: "start" | "stop",
    options: ClusterCallOptions,
  ): Promise<void> {
    const id = this.#id(group, region);
    const doing = `${verb} ${id.name}`;
    const power = powerOf(await this.#get(id, doing, options.abortSignal));
    if (verb === "start") {
      if (power === "Running" || power === "Starting") return;
      if (power === "Stopping")
        throw new Error(`${id.name} is stopping; it can be started once it has stopped`);
    } else {
      if (power === "Stopped" || power === "Stopping") return;
      if (power === "Starting")
        throw new Error(`${id.name} is starting; it can be stopped once it runs`);
    }
    try {
      await this.#powerCall(id, verb, doing, options);
    } catch (error) {
      if (verb === "start" && error instanceof ArmError && error.status === 409)
        throw new StartRefusedError(
          `${error.message} (AKS asks for 15 to 30 minutes between a stop and the next start, and refuses a start while another operation runs: the waking step tries again every tick until its deadline)`,
        );
      throw error;
    }
  }

  async #powerCall(
    id: ResourceId,
    verb: "start" | "stop",
    doing: string,
    options: ClusterCallOptions,
  ): Promise<void> {
    await armCall(
      { action: AKS_OPERATIONS[verb].action, resource: id.id, doing },
      this.#lever.conn,
      options.abortSignal,
      async (abortSignal) => {
        const clusters = this.#lever.client(id.subscriptionId).managedClusters;
        const poller = clusters[verb](id.resourceGroup, id.name, {
          abortSignal,
          updateIntervalInMs: this.#lever.conn.pollIntervalMs ?? ARM_DEFAULTS.pollIntervalMs,
        });
        // Accepted is enough: the operation takes minutes and later ticks read where it stands.
        await poller.submitted();
      },
    );
  }

  start(group: string, region: string, options: ClusterCallOptions = {}): Promise<void> {
    return this.#power(group, region, "start", options);
  }

  stop(group: string, region: string, options: ClusterCallOptions = {}): Promise<void> {
    return this.#power(group, region, "stop", options);
  }

  async scale(
    group: string,
    region: string,
    pools: readonly NodePoolSize[],
    options: ClusterCallOptions = {},
  ): Promise<void> {
    const id = this.#id(group, region);
    const signal = options.abortSignal;
    const cluster = await this.#get(id, `scale ${id.name}`, signal);
    const power = powerOf(cluster);
    if (power !== "Running")
      throw new Error(`${id.name} is ${power}; its node pools scale only once it runs`);
    for (const wanted of pools) await this.#scalePool(id, wanted, signal);
  }

  /**
   * Resizes one pool over the version read: the PUT carries the pool's eTag (If-Match), and a
   * 412 (someone changed the pool since: the autoscaler, a person) is answered by reading again
   * and deciding again, a few times, so that nobody's change is overwritten and none is made twice.
   */
  async #scalePool(id: ResourceId, wanted: NodePoolSize, signal?: AbortSignal): Promise<void> {
    const doing = `scale ${id.name}/${wanted.name}`;
    const resource = `${id.id}/agentPools/${wanted.name}`;
    const client = this.#lever.client(id.subscriptionId);
    for (let attempt = 1; ; attempt++) {
      const current: AgentPool = await armCall(
        { action: AKS_OPERATIONS.readPool.action, resource, doing },
        this.#lever.conn,
        signal,
        (abortSignal) =>
          client.agentPools.get(id.resourceGroup, id.name, wanted.name, { abortSignal }),
      );
      const autoscale = wanted.minCount !== undefined || wanted.maxCount !== undefined;
      // With the autoscaler on, it moves the count itself: only its bounds (and a count below the
      // one wanted) are Tandem's business.
      const same = autoscale
        ? current.enableAutoScaling === true &&
          current.minCount === wanted.minCount &&
          current.maxCount === wanted.maxCount &&
          (current.count ?? 0) >= wanted.count
        : current.count === wanted.count;
      if (same) return;
      // A PUT replaces the pool: send what it is, with the sizes changed.
      // (powerState is left out: it would start or stop the pool, which is not this call's job.)
      const { powerState: _power, ...writable } = current;
      const next: AgentPool = {
        ...writable,
        count: wanted.count,
        ...(autoscale
          ? { enableAutoScaling: true, minCount: wanted.minCount, maxCount: wanted.maxCount }
          : {}),
      };
      try {
        await armCall(
          { action: AKS_OPERATIONS.writePool.action, resource, doing },
          this.#lever.conn,
          signal,
          async (abortSignal) => {
            const poller = client.agentPools.createOrUpdate(
              id.resourceGroup,
              id.name,
              wanted.name,
              next,
              {
                abortSignal,
                // Only over the version read: a change made meanwhile is not overwritten.
                ...(current.eTag ? { ifMatch: current.eTag } : {}),
                updateIntervalInMs: this.#lever.conn.pollIntervalMs ?? ARM_DEFAULTS.pollIntervalMs,
              },
            );
            await poller.submitted();
            await awaitPatiently(this.#lever.conn, abortSignal, (patience) =>
              poller.pollUntilDone({ abortSignal: patience }),
            );
          },
        );
        return;
      } catch (error) {
        if (!(error instanceof ArmError && error.status === 412) || attempt >= MAX_ETAG_RETRIES)
          throw error;
      }
    }
  }
}
