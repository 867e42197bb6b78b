// What the levers report: the routing of a group and the state of a region's cluster. Declared in
// core so that the runbook can reason about them; src/ports re-exports them for the adapters.

export interface RegionRoute {
  readonly region: string;
  /** Receives traffic at all (Traffic Manager endpointStatus, Front Door enabledState). */
  readonly enabled: boolean;
  /** Lower is preferred; unique within a group. */
  readonly priority: number;
  /** Share of traffic among regions of equal priority (Traffic Manager 1-1000, Front Door 1-1000). */
  readonly weight?: number;
  /**
   * The lever's own health check of the member, when it has one: Traffic Manager's
   * `endpointMonitorStatus` (CheckingEndpoint, Online, Degraded, Disabled, Inactive, Stopped,
   * Unmonitored; trafficmanager.json 2022-04-01). Read with the routing, for the readiness checks.
   */
  readonly monitorStatus?: string;
}

export interface RoutingState {
  readonly regions: readonly RegionRoute[];
  /**
   * The lever accepted a change that its data plane does not serve yet (Front Door deploys origin
   * changes to its edge over minutes). Traffic is not verified until this clears.
   */
  readonly propagating?: boolean;
  /**
   * How long after a change clients may still be sent by the old answer, when the lever knows
   * (Traffic Manager: the profile's DNS TTL, for which resolvers keep an answer). Verification
   * through the global entry point waits this much longer than the step timeout.
   */
  readonly clientLagMs?: number;
}

/**
 * What a traffic lever can do, as it declares it: the runbook plans only with these, so a lever
 * of another kind (DNS records, an Application Gateway) can be added without changing the core.
 */
export interface LeverCapabilities {
  /** Make one region the sole first choice (priority routing, a record pointing at it). */
  readonly promote: boolean;
  /** Take a region out of rotation, and put it back. */
  readonly enable: boolean;
  /**
   * A change reaches the lever's data plane minutes after Azure Resource Manager accepted it,
   * and the API gives no signal of when (Front Door: `deploymentStatus` stays `NotStarted`).
   * Verification then waits on the global entry point for up to the propagation timeout.
   */
  readonly dataPlaneLag?: boolean;
  /** How its changes travel to the data plane, for plans and drills to say and assume. */
  readonly propagation?: Propagation;
}

/** A lever's own account of how a change reaches its data plane. */
interface Propagation {
  /** What happens, in the lever's words, e.g. "Front Door deploys a change to its edge". */
  readonly says: string;
  /** How long it usually takes (ms), as plans and drills assume unless told otherwise. */
  readonly typicalMs: number;
}

/** What every built-in lever can do; also what a situation without a declaration assumes. */
export const FULL_LEVER: LeverCapabilities = { promote: true, enable: true };

/** The region traffic goes to first: the enabled region with the lowest priority. */
export function primaryOf(state: RoutingState): string | undefined {
  return [...state.regions].filter((r) => r.enabled).sort((a, b) => a.priority - b.priority)[0]
    ?.region;
}

/** The enabled regions that share the lowest priority: all of them receive traffic. */
export function topRegions(state: RoutingState): string[] {
  const enabled = state.regions.filter((r) => r.enabled);
  const top = Math.min(...enabled.map((r) => r.priority));
  return enabled.filter((r) => r.priority === top).map((r) => r.region);
}

/** The one region traffic goes to first, or undefined when several share the top priority. */
export function solePrimary(state: RoutingState): string | undefined {
  const top = topRegions(state);
  return top.length === 1 ? top[0] : undefined;
}

/**
 * A passive-cold group's region that is down by design: not where traffic goes first, and either
 * the configured standby or a region whose cluster is stopped (or stopping). Its verdict alerts
 * are not told (it fails its probes until a failover starts it); the configured standby that
 * takes the traffic after a failover is no longer at rest, and its outage is told.
 */
export function atRestByDesign(
  model: string,
  region: { readonly name: string; readonly role: string },
  view: Pick<LeverView, "routing" | "clusters"> | undefined,
): boolean {
  if (model !== "passive-cold") return false;
  if (view?.routing && topRegions(view.routing).includes(region.name)) return false;
  const power = view?.clusters[region.name]?.power;
  return region.role === "secondary" || power === "Stopped" || power === "Stopping";
}

/** "Failed": the cluster's last operation failed (AKS provisioningState Failed); it needs a person. */
export type PowerState = "Running" | "Stopped" | "Starting" | "Stopping" | "Failed";

export interface NodePoolSize {
  readonly name: string;
  readonly count: number;
  readonly minCount?: number;
  readonly maxCount?: number;
}

/**
 * A node pool as read (AKS agentPoolProfiles, managedClusters.json 2026-04-01): its size, and what
 * the readiness checks compare with the primary's.
 */
export interface NodePoolState extends NodePoolSize {
  /** The VM size of its nodes, e.g. `Standard_D4s_v5`. */
  readonly vmSize?: string;
  /** Whether the cluster autoscaler moves its count (between minCount and maxCount). */
  readonly autoscale?: boolean;
  /** The pool's own power state (`Running`, `Stopped`). */
  readonly power?: string;
}

export interface ClusterState {
  readonly power: PowerState;
  /** What the cluster's control plane says beyond the power state, for people (provisioning state). */
  readonly detail?: string;
  /** The Kubernetes version it runs (AKS currentKubernetesVersion, else kubernetesVersion). */
  readonly kubernetesVersion?: string;
  readonly nodePools: readonly NodePoolState[];
}

/**
 * What the lease holder last read of a group's levers, kept in the store so that the status and
 * the operator API answer without calling Azure, and so the runbook need not read the levers on
 * every healthy tick. `readAt` is on the reader's clock, shown to people as the view's age.
 */
export interface LeverView {
  /** Undefined when the traffic lever could not be read. */
  readonly routing?: RoutingState;
  readonly clusters: Readonly<Record<string, ClusterState>>;
  readonly readAt: number;
  /** The epoch of the holder that read it. */
  readonly epoch: number;
  /** What could not be read, one sentence each, by the latest read (see failedAt). */
  readonly problems?: readonly string[];
  /**
   * When the latest read began that did not answer in full; the view keeps what was last read
   * (with its `readAt`), since a failed read is not a fresh one.
   */
  readonly failedAt?: number;
}

/**
 * One data store that follows traffic (an Azure SQL failover group, a Cosmos DB account), as its
 * data lever reads it: where writes go, and how each other region's copy keeps up.
 */
export interface DataState {
  /** The region whose copy takes writes; undefined when the lever cannot tell (mid-change). */
  readonly primary?: string;
  /**
   * A change of primary is under way (Azure answers a second one with 409 Conflict): the runbook
   * waits for it and never asks again.
   */
  readonly changing: boolean;
  /** Every region the store has a copy in, the primary's included. */
  readonly regions: Readonly<Record<string, DataCopy>>;
  /**
   * Why no failover of this store is Tandem's to ask, when the store itself says so (a Cosmos DB
   * account with multi-region writes has no single primary to move): the step refuses it at once
   * instead of waiting out its timeout.
   */
  readonly unmovable?: string;
}

/** One region's copy of a data store. */
export interface DataCopy {
  /** Its server or region answers through Azure Resource Manager (a copy in a lost region does not). */
  readonly reachable: boolean;
  /**
   * How it replicates from the primary, in Azure's word for it (SQL replication links:
   * `CATCH_UP`, `PENDING`, `SEEDING`, `SUSPENDED`; Cosmos DB: the region's state). Undefined for
   * the primary's own copy.
   */
  readonly replication?: string;
  /**
   * Whether a planned (no data loss) failover to it may be asked for now: reachable and
   * replicating in the synchronising state, as the kind defines it.
   */
  readonly caughtUp: boolean;
  /** How far behind the primary it is (s), when the kind can tell. */
  readonly lagSeconds?: number;
}
