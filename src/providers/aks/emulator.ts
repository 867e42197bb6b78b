// AKS as the sandbox's ARM emulator serves it (Microsoft.ContainerService, 2026-04-01): clusters
// with their agent pools, start and stop as long-running operations that take time (a start may
// be made to fail, as when a node pool cannot come up), agent pool PUTs as long-running
// operations, 409 for operations a stopped or busy cluster refuses. A stopped cluster keeps its
// pools' counts, as AKS does (the nodes are deallocated). serves() says whether a cluster serves.
import type {
  EmulatedService,
  EmulatorKit,
  Reply,
  RouteCall,
  ServiceFactory,
} from "../../sandbox/arm/kit.js";
import { ArmReply, RG, integer, lower, onlyKeys } from "../../sandbox/arm/kit.js";
import { AKS_OPERATIONS } from "./operations.js";

export const API_VERSIONS = ["2026-04-01"] as const;

export interface AgentPoolSpec {
  readonly name: string;
  readonly count: number;
  readonly mode?: "System" | "User";
  readonly minCount?: number;
  readonly maxCount?: number;
}

export interface ClusterSpec {
  readonly id: string;
  readonly location: string;
  readonly running: boolean;
  readonly pools: readonly AgentPoolSpec[];
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
}

interface Cluster {
  id: string;
  name: string;
  location: string;
  power: "Running" | "Stopped";
  provisioning: "Succeeded" | "Starting" | "Stopping" | "Failed";
  doneAt?: number;
  /** When set, the next start fails with this message. */
  failStart?: string;
  pools: Pool[];
}

interface Cluster {
  id: string;
  name: string;
  location: string;
  power: "Running" | "Stopped";
  provisioning: "Succeeded" | "Starting" | "Stopping" | "Failed";
  doneAt?: number;
  /** When set, the next start fails with this message. */
  failStart?: string;
  pools: Pool[];
}

const CLUSTER = `^(${RG.slice(1)}microsoft\\.containerservice\\/managedclusters\\/[^/]+)`;

export class AksService implements EmulatedService {
  readonly kind = "aks";
  readonly namespace = "microsoft.containerservice";
  readonly apiVersions = API_VERSIONS;
  readonly #kit: EmulatorKit;
  readonly #clusters = new Map<string, Cluster>();

  constructor(kit: EmulatorKit) {
    this.#kit = kit;
  }

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addCluster(spec: ClusterSpec): void {
    this.#clusters.set(lower(spec.id), {
      id: spec.id,
      name: spec.id.split("/").at(-1)!,
      location: spec.location,
      power: spec.running ? "Running" : "Stopped",
      provisioning: "Succeeded",
      pools: spec.pools.map((p) => ({
        name: p.name,
        // As AKS: a stopped cluster keeps its pools' counts (the nodes are deallocated).
        count: p.count,
        vmSize: "Standard_D4s_v5",
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
  }

  /** Makes the next start of a cluster fail, as AKS does when a node pool cannot come up. */
  failNextStart(clusterId: string, message: string): void {
    this.#cluster(clusterId).failStart = message;
  }

  #cluster(id: string): Cluster {
    const cluster = this.#clusters.get(lower(id));
    if (!cluster) throw new Error(`no emulated cluster ${id}`);
    return cluster;
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
        }
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
    {
      pattern: new RegExp(`${CLUSTER}$`),
      methods: {
        GET: {
          action: AKS_OPERATIONS.readCluster.action,
          handle: (call: RouteCall): Reply => ({
            status: 200,
            body: this.#clusterJson(this.#aksCluster(call)),
          }),
        },
      },
    },
    {
      pattern: new RegExp(`${CLUSTER}\\/(start|stop)$`),
      methods: {
        POST: {
          action: (call: RouteCall) => AKS_OPERATIONS[call.match[2] as "start" | "stop"].action,
          resource: (call: RouteCall) => call.path.slice(0, call.match[1]!.length),
          handle: (call: RouteCall) =>
            this.#power(call.url, this.#aksCluster(call), call.match[2] as "start" | "stop"),
        },
      },
    },
    {
      pattern: new RegExp(`${CLUSTER}\\/agentpools\\/([^/]+)$`),
      methods: {
        GET: {
          action: AKS_OPERATIONS.readPool.action,
          handle: (call: RouteCall): Reply => {
            const [cluster, pool] = this.#pool(call);
            return { status: 200, body: this.#poolJson(cluster, pool) };
          },
        },
        PUT: {
          action: AKS_OPERATIONS.writePool.action,
          handle: (call: RouteCall) => {
            const [cluster, pool] = this.#pool(call);
            return this.#putPool(call.url, cluster, pool, call.body);
          },
        },
      },
    },
  ];

  #aksCluster(call: RouteCall): Cluster {
    const path = call.path.slice(0, call.match[1]!.length);
    const cluster = this.#clusters.get(lower(path));
    if (!cluster) throw this.#kit.notFound(path);
    return cluster;
  }

  #pool(call: RouteCall): [Cluster, Pool] {
    const cluster = this.#aksCluster(call);
    const pool = cluster.pools.find((x) => lower(x.name) === call.match[2]);
    if (!pool) throw this.#kit.notFound(call.path);
    return [cluster, pool];
  }

  #poolJson(cluster: Cluster, pool: Pool) {
    return {
      id: `${cluster.id}/agentPools/${pool.name}`,
      name: pool.name,
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      properties: {
        count: pool.count,
        vmSize: pool.vmSize,
        osType: "Linux",
        mode: pool.mode,
        type: "VirtualMachineScaleSets",
        enableAutoScaling: pool.enableAutoScaling,
        ...(pool.minCount === undefined ? {} : { minCount: pool.minCount }),
        ...(pool.maxCount === undefined ? {} : { maxCount: pool.maxCount }),
        provisioningState: pool.provisioning,
        powerState: { code: cluster.power },
        orchestratorVersion: "1.33.2",
      },
    };
  }

  #clusterJson(c: Cluster) {
    return {
      id: c.id,
      name: c.name,
      type: "Microsoft.ContainerService/ManagedClusters",
      location: c.location,
      sku: { name: "Base", tier: "Standard" },
      properties: {
        provisioningState: c.provisioning,
        powerState: { code: c.power },
        kubernetesVersion: "1.33.2",
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
    if (c.provisioning === "Starting" || c.provisioning === "Stopping")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Operation is not allowed because the managed cluster '${c.name}' is in ${c.provisioning} state.`,
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
    const ms =
      verb === "start"
        ? (this.#kit.options.clusterStartMs ?? 0)
        : (this.#kit.options.clusterStopMs ?? 0);
    c.provisioning = verb === "start" ? "Starting" : "Stopping";
    if (verb === "start") c.power = "Running";
    c.doneAt = Date.now() + ms;
    const error =
      verb === "start" && c.failStart
        ? { code: "CreateVMSSAgentPoolFailed", message: c.failStart }
        : undefined;
    return {
      status: 202,
      headers: this.#kit.operation(url, "Microsoft.ContainerService", c.location, ms, error),
    };
  }

  #putPool(url: URL, cluster: Cluster, pool: Pool, body: unknown) {
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
    const ms = this.#kit.options.operationMs ?? 0;
    pool.count = count;
    pool.enableAutoScaling = autoscale;
    if (autoscale) {
      pool.minCount = min;
      pool.maxCount = max;
    }
    pool.provisioning = ms > 0 ? "Scaling" : "Succeeded";
    pool.doneAt = ms > 0 ? Date.now() + ms : undefined;
    return {
      status: 200,
      headers: this.#kit.operation(url, "Microsoft.ContainerService", cluster.location, ms),
      body: this.#poolJson(cluster, pool),
    };
  }
}

const create: ServiceFactory = (kit) => new AksService(kit);
export default create;
