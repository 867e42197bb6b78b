// Failover readiness: whether a group's standby could take the traffic now, judged from what the
// lease holder already keeps (the lever view, the observations, the incidents, the last drill),
// never from a read of its own. Each check answers ready, not ready or unknown with the evidence
// and what to do about it (docs/readiness.md). Pure: the app gathers the input and stores the report.
import type { ClusterState, LeverView, NodePoolSize, NodePoolState } from "./levers.js";
import { atRestByDesign, primaryOf } from "./levers.js";
import type { LeverNeeds, RunbookGroup } from "./runbook.js";

export type Readiness = "ready" | "not-ready" | "unknown";

type ReadinessCheck =
  | "standby-traffic"
  | "standby-cluster"
  | "capacity"
  | "cold-start"
  | "standby-probes"
  | "certificate"
  | "recovery-time";

export interface CheckResult {
  readonly check: ReadinessCheck;
  /** The standby region the check is about (absent for the group's recovery time). */
  readonly region?: string;
  readonly verdict: Readiness;
  /** What was seen, in one sentence. */
  readonly evidence: string;
  /** What to do about it (set when the verdict is not ready or unknown). */
  readonly fix?: string;
}

export interface ReadinessReport {
  readonly group: string;
  /** When the checks ran (the holder's clock). */
  readonly at: number;
  readonly verdict: Readiness;
  /** The last verdict that was not unknown, carried from run to run: lost and regained are told from it. */
  readonly settled?: "ready" | "not-ready";
  readonly primary?: string;
  readonly standbys: readonly string[];
  readonly checks: readonly CheckResult[];
  /** Per standby region, the last time its cluster was seen started and running (carried forward). */
  readonly startedAt?: Readonly<Record<string, number>>;
}

interface ReadinessRegion {
  readonly name: string;
  readonly role: string;
  /** It has a member in the group's traffic lever. */
  readonly traffic: boolean;
  /** It has a cluster in the configuration, and these pools to scale to when it is woken. */
  readonly cluster?: { readonly nodePools: readonly NodePoolSize[] };
  /** Its probe checks a TLS certificate (https), warning this many days before expiry. */
  readonly certificateWarningDays?: number;
}

export interface ReadinessGroup {
  readonly name: string;
  readonly model: string;
  readonly regions: readonly ReadinessRegion[];
  /** The group has a traffic lever. */
  readonly traffic: boolean;
  /** The recovery time objective (seconds), when the group has one. */
  readonly rtoSeconds?: number;
}

/** One live observer's latest observation of a region. */
export interface SeenProbe {
  readonly observer: string;
  readonly ok: boolean;
  readonly certificateDaysLeft?: number;
  readonly error?: string;
}

interface ReadinessInput {
  readonly group: ReadinessGroup;
  readonly now: number;
  readonly view?: LeverView;
  /** Per region, the latest observation of every live observer. */
  readonly probes: Readonly<Record<string, readonly SeenProbe[]>>;
  /** Per region, the last successful start of its cluster that an incident recorded. */
  readonly wokenAt: Readonly<Record<string, number>>;
  /** The last drill's predicted time to recover (its failover), and when it ran. */
  readonly drill?: {
    readonly at: number;
    readonly expectedSeconds: number;
    /** How its failover plan ended: `completed`, or where it would stop. */
    readonly outcome?: string;
  };
  readonly coldStartWithinDays: number;
  readonly previous?: ReadinessReport;
}

const DAY_MS = 86_400_000;

/**
 * What the quiet reconcile reads (no incident, no verdict change): the routing and every cluster
 * of the group, so that the readiness checks compare the standby with the primary. Urgent reads
 * stay as lean as the runbook step needs (leverNeeds); the reconcile's pace counts these reads
 * (ADR 23), so a group with two clusters is reconciled at a third of the rate of one without.
 */
export function reconcileNeeds(group: RunbookGroup): LeverNeeds {
  return { routing: true, clusters: group.regions.filter((r) => r.cluster).map((r) => r.name) };
}

const worst = (verdicts: readonly Readiness[]): Readiness =>
  verdicts.includes("not-ready") ? "not-ready" : verdicts.includes("unknown") ? "unknown" : "ready";

/** The region traffic goes to first: the lever's word, else the configuration's. */
function primaryRegion(group: ReadinessGroup, view: LeverView | undefined): string | undefined {
  return (
    (view?.routing && primaryOf(view.routing)) ??
    group.regions.find((r) => r.role === "primary" || r.role === "active")?.name
  );
}

/** Runs every check that applies to the group, and says its readiness. */
export function assessReadiness(input: ReadinessInput): ReadinessReport {
  const { group, view, now } = input;
  const primary = primaryRegion(group, view);
  const standbys = group.regions.filter((r) => r.name !== primary);
  const startedAt: Record<string, number> = { ...input.previous?.startedAt };
  const checks: CheckResult[] = [];
  const primaryCluster = primary ? view?.clusters[primary] : undefined;
  for (const region of standbys) {
    const cluster = view?.clusters[region.name];
    // Running is started and done (Starting and Failed are power states of their own).
    if (cluster?.power === "Running") startedAt[region.name] = now;
    const woken = Math.max(input.wokenAt[region.name] ?? 0, startedAt[region.name] ?? 0);
    if (group.traffic) checks.push(trafficCheck(region, view));
    if (region.cluster) {
      checks.push(clusterCheck(region, cluster, primary, primaryCluster, view));
      checks.push(capacityCheck(region, cluster, primary, primaryCluster));
    }
    const atRest = atRestByDesign(group.model, region, view);
    if (group.model === "passive-cold" && region.cluster)
      checks.push(coldStartCheck(region, woken, now, input.coldStartWithinDays));
    // A cold standby at rest fails its probes by design: the cold-start check stands for it.
    if (!atRest) {
      const seen = input.probes[region.name] ?? [];
      checks.push(probeCheck(region, seen));
      if (region.certificateWarningDays !== undefined)
        checks.push(certificateCheck(region, seen, region.certificateWarningDays));
    }
  }
  if (group.rtoSeconds !== undefined) checks.push(recoveryCheck(group.rtoSeconds, input.drill));
  const verdict = standbys.length === 0 ? "unknown" : worst(checks.map((c) => c.verdict));
  const settled = verdict === "unknown" ? input.previous?.settled : verdict;
  return {
    group: group.name,
    at: now,
    verdict,
    ...(settled ? { settled } : {}),
    ...(primary ? { primary } : {}),
    standbys: standbys.map((r) => r.name),
    checks,
    ...(Object.keys(startedAt).length > 0 ? { startedAt } : {}),
  };
}

/** What changed between two reports for people: readiness lost, regained, or nothing to tell. */
export function readinessChange(
  previous: ReadinessReport | undefined,
  next: ReadinessReport,
): "lost" | "regained" | undefined {
  if (next.verdict === "unknown") return undefined;
  const before = previous?.settled;
  if (next.verdict === "not-ready" && before !== "not-ready") return "lost";
  if (next.verdict === "ready" && before === "not-ready") return "regained";
  return undefined;
}

/** The checks that are not ready, in a line for people ("ready" when none). */
export function readinessLine(report: ReadinessReport): string {
  const notReady = report.checks.filter((c) => c.verdict === "not-ready");
  if (report.verdict === "ready") return "ready";
  const shown = notReady.length > 0 ? notReady : report.checks.filter((c) => c.verdict !== "ready");
  const what = shown.map((c) => `${c.check}${c.region ? ` (${c.region})` : ""}: ${c.evidence}`);
  return `${report.verdict}: ${what.join("; ") || "no standby region"}`;
}

function result(
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

function trafficCheck(region: ReadinessRegion, view: LeverView | undefined): CheckResult {
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

function clusterCheck(
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

function capacityCheck(
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

function coldStartCheck(
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

function probeCheck(region: ReadinessRegion, seen: readonly SeenProbe[]): CheckResult {
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

function certificateCheck(
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

function recoveryCheck(rtoSeconds: number, drill: ReadinessInput["drill"]): CheckResult {
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
