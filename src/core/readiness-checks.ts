// The readiness checks one by one (docs/readiness.md): each judges one thing about a standby from
// what the holder keeps, and says what it saw and how to fix it. Pure; readiness.ts runs them.
import type { ClusterState, LeverView, NodePoolSize, NodePoolState } from "./levers.js";
import type {
  CheckResult,
  Readiness,
  ReadinessCheck,
  ReadinessInput,
  ReadinessRegion,
  SeenProbe,
} from "./readiness.js";

const DAY_MS = 86_400_000;

export function result(
  check: ReadinessCheck,
  region: string | undefined,
  verdict: Readiness,
  evidence: string,
  fix?: string,
): CheckResult {
  return {
    check,
    ...(region === undefined ? {} : { region }),
    verdict,
    evidence,
    ...(verdict !== "ready" && fix ? { fix } : {}),
  };
}

const unread = (view: LeverView | undefined, what: string) =>
  `${what} has not been read${view?.problems?.length ? ` (${view.problems.join("; ")})` : ""}`;

export function trafficCheck(region: ReadinessRegion, view: LeverView | undefined): CheckResult {
  const name = region.name;
  if (!view?.routing)
    return result(
      "standby-traffic",
      name,
      "unknown",
      unread(view, "the traffic lever"),
      "Check that Tandem may read the profile (docs/permissions.md) and that every region's endpoint or origin exists.",
    );
  const route = view.routing.regions.find((r) => r.region === name);
  if (!route || !region.traffic)
    return result(
      "standby-traffic",
      name,
      "not-ready",
      `${name} has no endpoint or origin in the traffic lever`,
      "Add the region's endpoint (Traffic Manager) or origin (Front Door) and name it in `regions[].traffic.endpoint`.",
    );
  if (!route.enabled)
    return result(
      "standby-traffic",
      name,
      "not-ready",
      `${name}'s endpoint or origin is disabled: no traffic can reach it`,
      "Enable it (Traffic Manager endpointStatus, Front Door enabledState), or fail back if Tandem disabled it for an outage.",
    );
  if (route.monitorStatus === "Degraded")
    return result(
      "standby-traffic",
      name,
      "not-ready",
      `Traffic Manager's monitor sees ${name}'s endpoint Degraded`,
      "Traffic Manager's own probes fail against the standby: check its health endpoint and the profile's monitor settings.",
    );
  return result(
    "standby-traffic",
    name,
    "ready",
    `${name} is enabled at priority ${route.priority}${route.monitorStatus ? `, monitor ${route.monitorStatus}` : ""}`,
  );
}

const poolName = (p: NodePoolState) => `${p.name}${p.vmSize ? ` (${p.vmSize})` : ""}`;

export function clusterCheck(
  region: ReadinessRegion,
  cluster: ClusterState | undefined,
  primary: string | undefined,
  primaryCluster: ClusterState | undefined,
  view: LeverView | undefined,
): CheckResult {
  const name = region.name;
  if (!cluster)
    return result(
      "standby-cluster",
      name,
      "unknown",
      unread(view, `${name}'s cluster`),
      "Check that the cluster exists under the configured resource id and that Tandem may read it.",
    );
  if (cluster.power === "Failed")
    return result(
      "standby-cluster",
      name,
      "not-ready",
      `${name}'s cluster is Failed (${cluster.detail ?? "its last operation failed"})`,
      "Look at the cluster's last operation in the portal; `az aks start` (or reconcile) once the cause is fixed.",
    );
  if (!primaryCluster)
    return result(
      "standby-cluster",
      name,
      "ready",
      `${name}'s cluster exists (${cluster.power}); no primary cluster to compare with`,
    );
  const drift: string[] = [];
  if (
    cluster.kubernetesVersion &&
    primaryCluster.kubernetesVersion &&
    cluster.kubernetesVersion !== primaryCluster.kubernetesVersion
  )
    drift.push(
      `Kubernetes ${cluster.kubernetesVersion}, ${primary} runs ${primaryCluster.kubernetesVersion}`,
    );
  for (const theirs of primaryCluster.nodePools) {
    const mine = cluster.nodePools.find((p) => p.name === theirs.name);
    if (!mine) drift.push(`no node pool ${theirs.name} (${primary} has ${poolName(theirs)})`);
    else if (mine.vmSize && theirs.vmSize && mine.vmSize !== theirs.vmSize)
      drift.push(`pool ${mine.name} is ${mine.vmSize}, ${primary}'s is ${theirs.vmSize}`);
  }
  if (drift.length > 0)
    return result(
      "standby-cluster",
      name,
      "not-ready",
      `${name}'s cluster drifted from ${primary}'s: ${drift.join("; ")}`,
      "Upgrade the standby to the primary's Kubernetes version and give its pools the primary's VM sizes (`az aks upgrade`, `az aks nodepool add`), so that what runs on the primary runs there.",
    );
  return result(
    "standby-cluster",
    name,
    "ready",
    `${name}'s cluster matches ${primary}'s (Kubernetes ${cluster.kubernetesVersion ?? "?"}, ${cluster.nodePools.map(poolName).join(", ")})`,
  );
}

/** The most nodes a pool can have once woken: its autoscaler's maximum, or what the wake scales it to. */
function reachable(pool: NodePoolState, wanted: NodePoolSize | undefined): number {
  const own = pool.autoscale ? (pool.maxCount ?? pool.count) : pool.count;
  return Math.max(own, wanted ? (wanted.maxCount ?? wanted.count) : 0);
}

export function capacityCheck(
  region: ReadinessRegion,
  cluster: ClusterState | undefined,
  primary: string | undefined,
  primaryCluster: ClusterState | undefined,
): CheckResult {
  const name = region.name;
  if (!cluster || !primaryCluster)
    return result(
      "capacity",
      name,
      "unknown",
      cluster
        ? `${primary ?? "the primary"}'s cluster is not known`
        : `${name}'s cluster has not been read`,
      "Configure (and let Tandem read) both regions' clusters.",
    );
  const short: string[] = [];
  const fits: string[] = [];
  for (const theirs of primaryCluster.nodePools) {
    const mine = cluster.nodePools.find((p) => p.name === theirs.name);
    if (!mine) continue; // named by the cluster check
    const most = reachable(
      mine,
      region.cluster?.nodePools.find((p) => p.name === mine.name),
    );
    (most < theirs.count ? short : fits).push(
      `pool ${mine.name} reaches ${most} of ${primary}'s ${theirs.count}`,
    );
  }
  if (short.length > 0)
    return result(
      "capacity",
      name,
      "not-ready",
      `${name} cannot take ${primary}'s load: ${short.join("; ")}`,
      "Raise the standby pools' `maxCount` (autoscaler) or the `nodePools` counts Tandem scales to on a wake to at least the primary's current node count, within the subscription's vCPU quota.",
    );
  return result("capacity", name, "ready", fits.join("; ") || "no pools to compare");
}

export function coldStartCheck(
  region: ReadinessRegion,
  woken: number,
  now: number,
  withinDays: number,
): CheckResult {
  const name = region.name;
  const fix = `Start the standby (a practice failover, or \`az aks start\` and stop it again) at least every ${withinDays} days: a cluster that has not started lately is the classic cold-standby failure.`;
  if (woken <= 0)
    return result(
      "cold-start",
      name,
      "not-ready",
      `${name}'s cluster has not been seen started successfully`,
      fix,
    );
  const days = Math.floor((now - woken) / DAY_MS);
  if (now - woken > withinDays * DAY_MS)
    return result(
      "cold-start",
      name,
      "not-ready",
      `${name}'s cluster last started successfully ${days} days ago (more than ${withinDays})`,
      fix,
    );
  return result(
    "cold-start",
    name,
    "ready",
    `${name}'s cluster started successfully ${days === 0 ? "today" : `${days} days ago`}`,
  );
}

export function probeCheck(region: ReadinessRegion, seen: readonly SeenProbe[]): CheckResult {
  const name = region.name;
  if (seen.length === 0)
    return result(
      "standby-probes",
      name,
      "unknown",
      `no live observer has probed ${name}`,
      "Check that the observers run (`tandem status`).",
    );
  const failing = seen.filter((p) => !p.ok);
  if (failing.length > 0)
    return result(
      "standby-probes",
      name,
      "not-ready",
      `${name} fails its probe from ${failing.map((p) => `${p.observer}${p.error ? ` (${p.error})` : ""}`).join(", ")}`,
      "The standby must answer every observer before traffic can move to it: look at its probe errors in `tandem status`.",
    );
  return result(
    "standby-probes",
    name,
    "ready",
    `${name} passes from ${seen.map((p) => p.observer).join(", ")}`,
  );
}

export function certificateCheck(
  region: ReadinessRegion,
  seen: readonly SeenProbe[],
  warningDays: number,
): CheckResult {
  const name = region.name;
  const days = seen.flatMap((p) =>
    p.certificateDaysLeft === undefined ? [] : [p.certificateDaysLeft],
  );
  if (days.length === 0)
    return result(
      "certificate",
      name,
      "unknown",
      `no observer has read ${name}'s certificate yet`,
      "Wait for a probe over TLS to pass.",
    );
  const least = Math.min(...days);
  if (least <= warningDays)
    return result(
      "certificate",
      name,
      "not-ready",
      `${name}'s certificate expires in ${Math.max(0, Math.floor(least))} day(s) (warning at ${warningDays})`,
      "Renew the standby's certificate: traffic moved to it would fail once it expires.",
    );
  return result(
    "certificate",
    name,
    "ready",
    `${name}'s certificate is valid for ${Math.floor(least)} more days`,
  );
}

export function recoveryCheck(rtoSeconds: number, drill: ReadinessInput["drill"]): CheckResult {
  if (!drill)
    return result(
      "recovery-time",
      undefined,
      "unknown",
      "no drill has predicted the time to recover yet",
      "Run `tandem drill GROUP --reason ...`: it predicts the failover's time without changing anything.",
    );
  if (drill.outcome !== undefined && drill.outcome !== "completed")
    return result(
      "recovery-time",
      undefined,
      "not-ready",
      `the last drill's failover would end ${drill.outcome}, not completed`,
      "Read the drill's plan (`tandem drill GROUP`): its assumptions say which step would not finish.",
    );
  if (drill.expectedSeconds > rtoSeconds)
    return result(
      "recovery-time",
      undefined,
      "not-ready",
      `the last drill predicts ${drill.expectedSeconds} s to recover, over the objective of ${rtoSeconds} s`,
      "Shorten the path (keep the standby warm, lower the probe interval or thresholds) or agree a longer `rtoSeconds`.",
    );
  return result(
    "recovery-time",
    undefined,
    "ready",
    `the last drill predicts ${drill.expectedSeconds} s to recover (objective ${rtoSeconds} s)`,
  );
}
