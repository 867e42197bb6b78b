// AKS as the sandbox's ARM emulator serves it (Microsoft.ContainerService, 2026-04-01): clusters
// with their agent pools, start and stop as long-running operations that take time (a start may
// be made to fail, as when a node pool cannot come up), agent pool PUTs as long-running
// operations, 409 for operations a stopped or busy cluster refuses. A stopped cluster keeps its
// pools' counts, as AKS does (the nodes are deallocated). serves() says whether a cluster serves.
//
// From the spec (managedClusters.json 2026-04-01) and the AKS docs (learn.microsoft.com):
// - agent pools carry a read-only eTag, new on every change; a PUT with If-Match of another eTag,
//   or If-None-Match: * on an existing pool, is answered 412 (the spec's if-match and
//   if-none-match parameters, "optimistic concurrency per the normal eTag convention");
// - a System pool needs at least 1 node, a User pool 0 to 1000 (the spec's `count`);
// - a stopped cluster allows only start and delete ("Stop and start an AKS cluster");
// - the same page asks for 15 to 30 minutes between a stop and the next start: a start sooner is
//   refused here with 409 OperationNotAllowed (the page gives the wait, not the error; 409
//   OperationNotAllowed is how AKS refuses other operations a cluster's state does not allow);
// - an operation while another runs (Starting, Stopping, Upgrading, Updating) is 409.
import type { Reply, RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, lower, RG } from "../../sandbox/arm/kit.js";
import { integer, onlyKeys } from "../../sandbox/arm/body.js";
import { randomUUID } from "node:crypto";
import { Resources, nameOf, parentPath, reads, route, serve } from "../emulated.js";
import { AKS_OPERATIONS } from "./operations.js";

export const API_VERSIONS = ["2026-04-01"] as const;

export interface AgentPoolSpec {
  readonly name: string;
  readonly count: number;
  readonly mode?: "System" | "User";
  readonly minCount?: number;
  readonly maxCount?: number;
  /** Standard_D4s_v5 unless said otherwise. */
  readonly vmSize?: string;
}

export interface ClusterSpec {
  readonly id: string;
  readonly location: string;
  readonly running: boolean;
  readonly pools: readonly AgentPoolSpec[];
  /** 1.33.2 unless said otherwise. */
  readonly kubernetesVersion?: string;
}

/** What a person may change of a pool outside Tandem (the portal, `az aks nodepool update`). */
export interface PoolChange {
  readonly vmSize?: string;
  readonly count?: number;
  readonly minCount?: number;
  readonly maxCount?: number;
}

interface Pool {
  name: string;
  count: number;
  vmSize: string;
  mode: "System" | "User";
  enableAutoScaling: boolean;
  minCount?: number;
  maxCount?: number;
  provisioning: string;
  doneAt?: number;
  eTag: string;
}

type Provisioning = "Succeeded" | "Starting" | "Stopping" | "Failed" | "Upgrading" | "Updating";

interface Cluster {
  id: string;
  name: string;
  location: string;
  version: string;
  power: "Running" | "Stopped";
  provisioning: Provisioning;
  doneAt?: number;
  /** When the last stop ended: the next start waits `stopToStartMs` from then. */
  stoppedAt?: number;
  /** When set, the next start fails with this message. */
  failStart?: string;
  pools: Pool[];
  eTag: string;
}

/** A new eTag, as AKS makes one on every change. */
const newETag = () => randomUUID().slice(0, 8);

const CLUSTER = `^(${RG.slice(1)}microsoft\\.containerservice\\/managedclusters\\/[^/]+)`;

export class AksService extends ArmService {
  readonly kind = "aks";
  readonly namespace = "microsoft.containerservice";
  readonly apiVersions = API_VERSIONS;
  readonly #clusters = new Resources<Cluster>("cluster");

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addCluster(spec: ClusterSpec): void {
    this.#clusters.put(spec.id, {
      id: spec.id,
      name: nameOf(spec.id),
      location: spec.location,
      version: spec.kubernetesVersion ?? "1.33.2",
      power: spec.running ? "Running" : "Stopped",
      provisioning: "Succeeded",
      eTag: newETag(),
      pools: spec.pools.map((p) => ({
        eTag: newETag(),
        name: p.name,
        // As AKS: a stopped cluster keeps its pools' counts (the nodes are deallocated).
        count: p.count,
        vmSize: p.vmSize ?? "Standard_D4s_v5",
        mode: p.mode ?? "User",
        enableAutoScaling: p.minCount !== undefined,
        ...(p.minCount === undefined ? {} : { minCount: p.minCount }),
        ...(p.maxCount === undefined ? {} : { maxCount: p.maxCount }),
        provisioning: "Succeeded",
      })),
    });
  }

  /**
   * Puts a cluster back to stopped at once, as it was set up (a person stopping it in the portal,
   * without the wait): for tests that need the same starting state every time.
   */
  resetStopped(clusterId: string): void {
    const c = this.#cluster(clusterId);
    c.power = "Stopped";
    c.provisioning = "Succeeded";
    c.doneAt = undefined;
    c.stoppedAt = undefined;
  }

  /**
   * Starts an operation of AKS's own on a running cluster (an upgrade, an update a person made in
   * the portal) that lasts `ms`: the cluster refuses other operations meanwhile.
   */
  beginOperation(clusterId: string, state: "Upgrading" | "Updating", ms: number): void {
    const c = this.#cluster(clusterId);
    if (c.power !== "Running" || c.provisioning !== "Succeeded")
      throw new Error(`${clusterId} is ${c.power}/${c.provisioning}; it cannot start ${state}`);
    c.provisioning = state;
    c.doneAt = Date.now() + ms;
    c.eTag = newETag();
  }

  /** Changes a pool as someone else would (the autoscaler, a person): its eTag changes. */
  touchPool(clusterId: string, pool: string, count?: number): void {
    const p = this.#cluster(clusterId).pools.find((x) => x.name === pool);
    if (!p) throw new Error(`no pool ${pool} in ${clusterId}`);
    if (count !== undefined) p.count = count;
    p.eTag = newETag();
  }

  /** Upgrades (or pins) a cluster's Kubernetes version at once, as a person's upgrade would end. */
  setKubernetesVersion(clusterId: string, version: string): void {
    const c = this.#cluster(clusterId);
    c.version = version;
    c.eTag = newETag();
  }

  /** Changes a pool as a person would outside Tandem (VM size, count, autoscaler bounds). */
  changePool(clusterId: string, pool: string, change: PoolChange): void {
    const p = this.#cluster(clusterId).pools.find((x) => x.name === pool);
    if (!p) throw new Error(`no pool ${pool} in ${clusterId}`);
    if (change.vmSize !== undefined) p.vmSize = change.vmSize;
    if (change.count !== undefined) p.count = change.count;
    if (change.minCount !== undefined) p.minCount = change.minCount;
    if (change.maxCount !== undefined) p.maxCount = change.maxCount;
    p.enableAutoScaling = p.minCount !== undefined || p.maxCount !== undefined;
    p.eTag = newETag();
  }

  /** Makes the next start of a cluster fail, as AKS does when a node pool cannot come up. */
  failNextStart(clusterId: string, message: string): void {
    this.#cluster(clusterId).failStart = message;
  }

  #cluster(id: string): Cluster {
    return this.#clusters.named(id);
  }

  /**
   * The next read of a pool is followed at once by a change of someone else's (the autoscaler, a
   * person), to `count`: whoever read it holds a stale eTag.
   */
  changeAfterNextRead(clusterId: string, pool: string, count: number): void {
    this.#afterRead.set(`${lower(clusterId)}/${pool}`, count);
  }

  readonly #afterRead = new Map<string, number>();

  /** A pool's current eTag. */
  poolETag(clusterId: string, pool: string): string | undefined {
    return this.#cluster(clusterId).pools.find((x) => x.name === pool)?.eTag;
  }

  power(id: string): { power: string; provisioning: string; pools: Record<string, number> } {
    this.settle(Date.now());
    const c = this.#cluster(id);
    return {
      power: c.power,
      provisioning: c.provisioning,
      pools: Object.fromEntries(c.pools.map((p) => [p.name, p.count])),
    };
  }

  /** Whether a cluster serves: running, and not still starting. */
  serves(id: string): boolean {
    this.settle(Date.now());
    const c = this.#clusters.get(lower(id));
    return c !== undefined && c.power === "Running" && c.provisioning === "Succeeded";
  }

  settle(now: number): void {
    for (const c of this.#clusters.values()) {
      if (c.doneAt !== undefined && c.doneAt <= now) {
        const doneAt = c.doneAt;
        c.doneAt = undefined;
        if (c.provisioning === "Starting" && c.failStart !== undefined) {
          // As AKS: the power state stays what was asked for; the provisioning state says it failed.
          c.provisioning = "Failed";
          c.failStart = undefined;
        } else if (c.provisioning === "Starting") {
          c.provisioning = "Succeeded";
        } else if (c.provisioning === "Stopping") {
          c.provisioning = "Succeeded";
          c.power = "Stopped";
          c.stoppedAt = doneAt;
        } else if (c.provisioning === "Upgrading" || c.provisioning === "Updating") {
          c.provisioning = "Succeeded";
        }
        c.eTag = newETag();
      }
      for (const p of c.pools)
        if (p.doneAt !== undefined && p.doneAt <= now) {
          p.doneAt = undefined;
          p.provisioning = "Succeeded";
        }
    }
  }

  // ---- ARM ----

  readonly routes = [
    route(`${CLUSTER}$`, {
      GET: reads(AKS_OPERATIONS.readCluster, (call) => this.#clusterJson(this.#aksCluster(call))),
    }),
    route(`${CLUSTER}\\/(start|stop)$`, {
      POST: serve(
        (call) => AKS_OPERATIONS[call.match[2] as "start" | "stop"],
        (call) => this.#power(call.url, this.#aksCluster(call), call.match[2] as "start" | "stop"),
        parentPath,
      ),
    }),
    route(`${CLUSTER}\\/agentpools\\/([^/]+)$`, {
      GET: serve(AKS_OPERATIONS.readPool, (call) => {
        const [cluster, pool] = this.#pool(call);
        const reply: Reply = { status: 200, body: this.#poolJson(cluster, pool) };
        const key = `${lower(cluster.id)}/${pool.name}`;
        const count = this.#afterRead.get(key);
        if (count !== undefined) {
          this.#afterRead.delete(key);
          this.touchPool(cluster.id, pool.name, count);
        }
        return reply;
      }),
      PUT: serve(AKS_OPERATIONS.writePool, (call) => {
        const [cluster, pool] = this.#pool(call);
        return this.#putPool(call, cluster, pool);
      }),
    }),
  ];

  #aksCluster(call: RouteCall): Cluster {
    return this.resourceAt(this.#clusters, parentPath(call));
  }

  #pool(call: RouteCall): [Cluster, Pool] {
    const named = (x: Pool) => lower(x.name) === call.match[2];
    return this.childAt(this.#clusters, call, (c) => c.pools, named);
  }

  #poolJson(cluster: Cluster, pool: Pool) {
    return {
      id: `${cluster.id}/agentPools/${pool.name}`,
      name: pool.name,
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      properties: {
        eTag: pool.eTag,
        count: pool.count,
        maxPods: 110,
        vmSize: pool.vmSize,
        osType: "Linux",
        mode: pool.mode,
        type: "VirtualMachineScaleSets",
        enableAutoScaling: pool.enableAutoScaling,
        ...(pool.minCount === undefined ? {} : { minCount: pool.minCount }),
        ...(pool.maxCount === undefined ? {} : { maxCount: pool.maxCount }),
        provisioningState: pool.provisioning,
        powerState: { code: cluster.power },
        orchestratorVersion: cluster.version,
        currentOrchestratorVersion: cluster.version,
      },
    };
  }

  #clusterJson(c: Cluster) {
    return {
      id: c.id,
      name: c.name,
      type: "Microsoft.ContainerService/managedClusters",
      location: c.location,
      eTag: c.eTag,
      sku: { name: "Base", tier: "Standard" },
      properties: {
        provisioningState: c.provisioning,
        powerState: { code: c.power },
        kubernetesVersion: c.version,
        currentKubernetesVersion: c.version,
        dnsPrefix: c.name,
        fqdn: `${c.name}.hcp.${c.location}.azmk8s.io`,
        agentPoolProfiles: c.pools.map((p) => ({
          name: p.name,
          ...this.#poolJson(c, p).properties,
        })),
      },
    };
  }

  #power(url: URL, c: Cluster, verb: "start" | "stop") {
    if (c.provisioning !== "Succeeded" && c.provisioning !== "Failed")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Operation is not allowed because the managed cluster '${c.name}' is in ${c.provisioning} state.`,
      );
    const { stopToStartMs } = this.kit.timings;
    const now = Date.now();
    if (verb === "start" && c.stoppedAt !== undefined && now < c.stoppedAt + stopToStartMs)
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Managed cluster '${c.name}' was stopped at ${new Date(c.stoppedAt).toISOString()} and cannot be started before ${new Date(c.stoppedAt + stopToStartMs).toISOString()}: wait between a stop and the next start.`,
      );
    if (verb === "start" && c.power === "Running")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Managed cluster '${c.name}' is already running.`,
      );
    if (verb === "stop" && c.power === "Stopped")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Managed cluster '${c.name}' is already stopped.`,
      );
    const ms = verb === "start" ? this.kit.timings.clusterStartMs : this.kit.timings.clusterStopMs;
    c.provisioning = verb === "start" ? "Starting" : "Stopping";
    if (verb === "start") c.power = "Running";
    c.doneAt = now + ms;
    c.eTag = newETag();
    const error =
      verb === "start" && c.failStart
        ? { code: "CreateVMSSAgentPoolFailed", message: c.failStart }
        : undefined;
    return {
      status: 202,
      headers: this.kit.operation(url, "Microsoft.ContainerService", c.location, ms, error),
    };
  }

  #putPool(call: RouteCall, cluster: Cluster, pool: Pool) {
    const { url, body, headers } = call;
    // Optimistic concurrency, as the spec's if-match / if-none-match parameters describe it.
    const ifMatch = headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== pool.eTag)
      throw new ArmReply(
        412,
        "PreconditionFailed",
        `Operation is not allowed because the agent pool '${pool.name}' has changed: If-Match '${ifMatch}' does not match its eTag '${pool.eTag}'. Read it again and retry.`,
      );
    if (headers["if-none-match"] === "*")
      throw new ArmReply(
        412,
        "PreconditionFailed",
        `Agent pool '${pool.name}' already exists (If-None-Match: *).`,
      );
    const top = onlyKeys(body ?? {}, new Set(["id", "name", "type", "properties"]), "AgentPool");
    const props = top["properties"];
    if (typeof props !== "object" || props === null)
      throw new ArmReply(400, "InvalidParameter", "The agent pool's 'properties' are required.");
    const p = props as Record<string, unknown>;
    const count = integer(p["count"], "properties.count", 0, 1000);
    const min = integer(p["minCount"], "properties.minCount", 0, 1000);
    const max = integer(p["maxCount"], "properties.maxCount", 0, 1000);
    const autoscale = p["enableAutoScaling"] === true;
    if (count === undefined)
      throw new ArmReply(
        400,
        "InvalidParameter",
        "The value of parameter agentPoolProfile.count is required.",
      );
    if (
      autoscale &&
      (min === undefined || max === undefined || min > max || count < min || count > max)
    )
      throw new ArmReply(
        400,
        "InvalidParameter",
        "With autoscaling enabled, minCount and maxCount are required and minCount <= count <= maxCount.",
      );
    if (p["mode"] !== undefined && p["mode"] !== "System" && p["mode"] !== "User")
      throw new ArmReply(
        400,
        "InvalidParameter",
        `The value of properties.mode is invalid: ${JSON.stringify(p["mode"])}.`,
      );
    const mode = (p["mode"] as Pool["mode"] | undefined) ?? pool.mode;
    if (mode === "System" && (count < 1 || (autoscale && (min ?? 0) < 1)))
      throw new ArmReply(
        400,
        "InvalidParameter",
        `Agent pool '${pool.name}' is a System pool: its node count (and autoscaler minimum) must be between 1 and 1000.`,
      );
    if (cluster.power !== "Running" || cluster.provisioning !== "Succeeded")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Operation is not allowed because the managed cluster '${cluster.name}' is ${cluster.power === "Running" ? cluster.provisioning : "stopped"}.`,
      );
    if (pool.doneAt !== undefined)
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Agent pool '${pool.name}' is ${pool.provisioning}; retry once that operation has finished.`,
      );
    const ms = this.kit.timings.operationMs;
    pool.count = count;
    pool.mode = mode;
    pool.eTag = newETag();
    pool.enableAutoScaling = autoscale;
    if (autoscale) {
      pool.minCount = min;
      pool.maxCount = max;
    }
    pool.provisioning = ms > 0 ? "Scaling" : "Succeeded";
    pool.doneAt = ms > 0 ? Date.now() + ms : undefined;
    return {
      status: 200,
      headers: this.kit.operation(url, "Microsoft.ContainerService", cluster.location, ms),
      body: this.#poolJson(cluster, pool),
    };
  }
}

const create: ServiceFactory = (kit) => new AksService(kit);
export default create;
