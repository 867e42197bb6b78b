// Failover readiness: whether a group's standby could take the traffic now, judged from what the
// lease holder already keeps (the lever view, the observations, the incidents, the last drill),
// never from a read of its own. Each check answers ready, not ready or unknown with the evidence
// and what to do about it (docs/readiness.md). Pure: the app gathers the input and stores the report.
import type { LeverView, NodePoolSize } from "./levers.js";
import { atRestByDesign, primaryOf } from "./levers.js";
import type { LeverNeeds, RunbookGroup } from "./runbook.js";
import {
  capacityCheck,
  certificateCheck,
  clusterCheck,
  coldStartCheck,
  probeCheck,
  recoveryCheck,
  trafficCheck,
} from "./readiness-checks.js";
import type { ReadinessStore, StoreRead } from "./readiness-data.js";
import { dataCheck } from "./readiness-data.js";

export type Readiness = "ready" | "not-ready" | "unknown";

export type ReadinessCheck =
  | "standby-traffic"
  | "standby-cluster"
  | "capacity"
  | "cold-start"
  | "standby-probes"
  | "certificate"
  | "recovery-time"
  | "standby-data";

export interface CheckResult {
  readonly check: ReadinessCheck;
  /** The standby region the check is about (absent for the group's recovery time). */
  readonly region?: string;
  /** The data store the check is about (`standby-data` only). */
  readonly store?: string;
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

export interface ReadinessRegion {
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
  /** The recovery point objective (seconds): the most a standby's copy of a store may lag. */
  readonly rpoSeconds?: number;
  /** The data stores that follow the group's traffic (`groups[].data[]`). */
  readonly data?: readonly ReadinessStore[];
}

/** One live observer's latest observation of a region. */
export interface SeenProbe {
  readonly observer: string;
  readonly ok: boolean;
  readonly certificateDaysLeft?: number;
  readonly error?: string;
}

export interface ReadinessInput {
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
  /** Per data store, what the data lever last answered; a store absent was not read. */
  readonly data?: Readonly<Record<string, StoreRead>>;
}

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
    for (const store of group.data ?? [])
      checks.push(dataCheck(store, region.name, input.data?.[store.name], group.rpoSeconds));
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
  const what = shown.map(
    (c) =>
      `${c.check}${c.store || c.region ? ` (${[c.store, c.region].filter(Boolean).join(", ")})` : ""}: ${c.evidence}`,
  );
  return `${report.verdict}: ${what.join("; ") || "no standby region"}`;
}
