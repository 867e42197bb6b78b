// The world the pure runbook tests judge: groups of two or three regions named weu (the primary),
// neu and sce, and builders for their routing, clusters, situations and incidents. Each builder
// takes what differs, so a test names only what matters to it.
import type {
  ClusterState,
  Incident,
  NodePoolSize,
  RoutingState,
  RunbookGroup,
  Situation,
  Step,
  Verdict,
} from "../../src/core/index.js";

type RegionCluster = { readonly nodePools: readonly NodePoolSize[] };

/** One node pool named "user" of `count` nodes. */
export const pools = (count: number): NodePoolSize[] => [{ name: "user", count }];

/** A standby's cluster, wanted at `count` nodes in its "user" pool. */
export const standby = (count: number): RegionCluster => ({ nodePools: pools(count) });

const withCluster = (cluster: RegionCluster | undefined) => (cluster ? { cluster } : {});

/** "shop", active-passive: weu primary, neu secondary (with a cluster when given). */
export const shop = (neu?: RegionCluster): RunbookGroup => ({
  name: "shop",
  model: "active-passive",
  regions: [
    { name: "weu", role: "primary" },
    { name: "neu", role: "secondary", ...withCluster(neu) },
  ],
});

/** "catalog", passive-cold: weu primary, then one standby per cluster given (neu, then sce). */
export const catalog = (standbys: RegionCluster[], primary?: RegionCluster): RunbookGroup => ({
  name: "catalog",
  model: "passive-cold",
  regions: [
    { name: "weu", role: "primary", ...withCluster(primary) },
    ...standbys.map((cluster, i) => ({
      name: i === 0 ? "neu" : "sce",
      role: "secondary" as const,
      cluster,
    })),
  ],
});

/** "search", active-active over weu and neu. */
export const search: RunbookGroup = {
  name: "search",
  model: "active-active",
  regions: [
    { name: "weu", role: "active" },
    { name: "neu", role: "active" },
  ],
};

/** Priorities in the order given (1, 2, ...); `disabled` regions are not enabled. */
export const routing = (order: string[], disabled: string[] = []): RoutingState => ({
  regions: order.map((region, i) => ({
    region,
    enabled: !disabled.includes(region),
    priority: i + 1,
  })),
});

/** weu then neu, `primary` at priority 1 and the other at 2; `disabled` regions are not enabled. */
export const primaryOn = (primary: string, disabled: string[] = []): RoutingState => ({
  regions: ["weu", "neu"].map((region) => ({
    region,
    enabled: !disabled.includes(region),
    priority: region === primary ? 1 : 2,
  })),
});

/** A cluster in `power` with `count` nodes in its "user" pool. */
export const cluster = (
  power: ClusterState["power"],
  count = 0,
  detail?: string,
): ClusterState => ({
  power,
  nodePools: pools(count),
  ...(detail ? { detail } : {}),
});

export type Verdicts = Record<string, Verdict>;
/** The primary down, the standby healthy: what opens a failover. */
export const WEU_DOWN: Verdicts = { weu: "down", neu: "healthy" };
type SituationOver = Partial<Situation> & { kept?: Verdicts; evidence?: Verdicts };

/**
 * A builder of situations at `now` in `epoch`: both regions healthy unless `kept` says otherwise
 * (the evidence is what is kept unless given), routed weu first, no clusters, nothing recent.
 */
export const situationAt =
  (now: number, epoch: number) =>
  (over: SituationOver = {}): Situation => {
    const kept = over.kept ?? { weu: "healthy", neu: "healthy" };
    return {
      now,
      epoch,
      kept,
      evidence: over.evidence ?? kept,
      routing: routing(["weu", "neu"]),
      clusters: {},
      recent: [],
      paused: false,
      ...over,
    };
  };

/** An automatic failover of shop from weu to neu, detected at 0, no history; `over` differs. */
export const failover = (over: Partial<Incident> = {}): Incident => ({
  id: "inc-1",
  group: "shop",
  kind: "failover",
  trigger: "automatic",
  from: "weu",
  to: "neu",
  shift: { kind: "promote", region: "neu" },
  step: "detected",
  stepStartedAt: 0,
  openedAt: 0,
  reason: "weu is down",
  history: [],
  ...over,
});

/** The same failover between Azure's region names: westeurope to northeurope. */
export const regionFailover = (over: Partial<Incident> = {}): Incident =>
  failover({
    from: "westeurope",
    to: "northeurope",
    shift: { kind: "promote", region: "northeurope" },
    reason: "westeurope is down",
    ...over,
  });

/** The steps of a failover that wakes (or scales) its target before it moves traffic. */
export const WAKING_FAILOVER: readonly Step[] = [
  "detected",
  "confirmed",
  "waking",
  "waiting-ready",
  "shifting-traffic",
  "verifying",
  "completed",
];
