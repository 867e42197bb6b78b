// What the runbook decides from, and how its decisions reach the levers: one way to read a
// group's world (its lever view, incidents, pause flags), to build the runbook's Situation, and
// to carry out an Effect. The lease holder's tick, the operator commands and the planner (dry
// runs and drills) all go through here.
import type { Incident } from "../core/incident.js";
import { isOpen } from "../core/incident.js";
import type {
  ClusterState,
  DataState,
  LeverCapabilities,
  LeverView,
  RoutingState,
} from "../core/levers.js";
import type {
  Effect,
  LeverFailure,
  RunbookGroup,
  RunbookPolicy,
  RunbookStore,
  Situation,
} from "../core/runbook.js";
import type { RegionEvidence, RegionState, Verdict } from "../core/verdict.js";
import { errorText } from "../core/errors.js";
import { effectivePolicy } from "../config/policy.js";
import type { GroupConfig } from "../config/schema.js";
import type { ClusterControl } from "../ports/cluster-control.js";
import type { DataCallOptions, DataControl } from "../ports/data-control.js";
import type { PauseState, StoreCallOptions, StoredIncident } from "../ports/state-store.js";
import { entryHealthy, observeAgreement } from "./agreement.js";
import { currentEpoch } from "./audit.js";
import { practiceOf } from "./practice.js";
import type { PracticeSituation } from "../core/practice.js";
import type { Levers, Runtime } from "./runtime.js";

export function runbookPolicy(rt: Runtime, group: GroupConfig): RunbookPolicy {
  const p = effectivePolicy(rt.config, group);
  return {
    maxAutoFailovers: p.maxAutoFailovers,
    autoFailoverWindowMs: p.autoFailoverWindowMinutes * 60_000,
    autoFailback: p.autoFailback,
    stepTimeoutMs: p.stepTimeoutSeconds * 1000,
    dataTimeoutMs: p.dataTimeoutSeconds * 1000,
    wakeTimeoutMs: p.wakeTimeoutSeconds * 1000,
    propagationTimeoutMs: p.propagationTimeoutSeconds * 1000,
    stopColdOnClear: p.stopColdClusterOnClear,
    returnToColdMs: p.returnToCold ? p.dwellSeconds * 1000 : 0,
    ...(p.manualHoldMinutes === undefined ? {} : { manualHoldMs: p.manualHoldMinutes * 60_000 }),
  };
}

/** What a person runs to make `region` a store's primary by hand, as its kind spells it. */
export type DataByHand = (
  group: string,
  store: string,
  region: string,
  mode: "planned" | "forced",
) => string | undefined;

/** The group as the runbook sees it; `byHand` spells the data stores' manual commands. */
export function runbookGroup(group: GroupConfig, byHand?: DataByHand): RunbookGroup {
  return {
    name: group.name,
    model: group.model,
    ...(group.entryPoint ? { entryPoint: true } : {}),
    regions: group.regions.map((r) => ({
      name: r.name,
      role: r.role,
      ...(r.cluster ? { cluster: { nodePools: r.cluster.nodePools } } : {}),
    })),
    ...(group.data
      ? { data: group.data.map((d) => runbookStore(group, d.name, d.allowDataLoss, byHand)) }
      : {}),
    ...(group.dataPolicy ? { dataPolicy: group.dataPolicy } : {}),
  };
}

function runbookStore(
  group: GroupConfig,
  name: string,
  allowDataLoss: boolean,
  byHand: DataByHand | undefined,
): RunbookStore {
  const commands = Object.fromEntries(
    group.regions.flatMap((r) => {
      const planned = byHand?.(group.name, name, r.name, "planned");
      const forced = byHand?.(group.name, name, r.name, "forced");
      return planned && forced ? [[r.name, { planned, forced }]] : [];
    }),
  );
  return {
    name,
    allowDataLoss,
    ...(Object.keys(commands).length > 0 ? { byHand: commands } : {}),
  };
}

/** What the runbook reads before a step: the lever, the clusters, the incidents, the pause flags. */
export interface World {
  /** Undefined when the lever could not be read. */
  readonly routing?: RoutingState;
  readonly clusters: Record<string, ClusterState | undefined>;
  /** Undefined when the store could not be read: no step then. */
  readonly incidents?: StoredIncident[];
  readonly paused: boolean;
  /** When a person last resumed automation for the group (or all): it ends a manual hold. */
  readonly releasedAt?: number;
  readonly problems: string[];
}

/** What the store holds for a group's runbook: its incidents and whether automation is paused. */
export async function readGroupStore(
  rt: Runtime,
  group: GroupConfig,
  call: StoreCallOptions = {},
): Promise<GroupStore> {
  try {
    const [incidents, pause] = await Promise.all([
      rt.store.readIncidents(group.name, call),
      rt.store.readPause(call),
    ]);
    return groupStoreOf(group.name, incidents, pause);
  } catch (error) {
    return {
      paused: false,
      problems: [`${group.name}: ${errorText(error)}: no runbook step this tick`],
    };
  }
}

export type GroupStore = Pick<World, "incidents" | "paused" | "problems" | "releasedAt">;

/** A group's part of what was read for every group at once (the lease holder's tick). */
export function groupStoreOf(
  group: string,
  incidents: readonly StoredIncident[],
  pause: PauseState,
): GroupStore {
  const released = [pause.released?.[group], pause.released?.["*"]].filter(
    (t): t is number => t !== undefined,
  );
  return {
    incidents: [...incidents],
    paused: pause.all || pause.groups.includes(group),
    problems: [],
    ...(released.length > 0 ? { releasedAt: Math.max(...released) } : {}),
  };
}

/** A world from the store's part and a lever view. */
export function worldOf(
  store: Pick<World, "incidents" | "paused" | "problems" | "releasedAt">,
  levers: LeverView | undefined,
): World {
  return {
    ...(levers?.routing ? { routing: levers.routing } : {}),
    clusters: { ...levers?.clusters },
    ...(store.incidents ? { incidents: store.incidents } : {}),
    paused: store.paused,
    ...(store.releasedAt === undefined ? {} : { releasedAt: store.releasedAt }),
    problems: [...store.problems],
  };
}

/** Each cluster of the group that the lever covers; one that cannot be read is left out. */
export async function readClusters(
  clusters: ClusterControl | undefined,
  group: GroupConfig,
  call: StoreCallOptions = {},
  failed: (region: string, error: unknown) => void = () => {},
): Promise<Record<string, ClusterState | undefined>> {
  const out: Record<string, ClusterState | undefined> = {};
  for (const region of group.regions.filter(
    (r) => r.cluster && clusters?.covers(group.name, r.name),
  )) {
    try {
      out[region.name] = await clusters!.read(group.name, region.name, call);
    } catch (error) {
      failed(region.name, error);
    }
  }
  return out;
}

/**
 * The named data stores of the group that the lever covers, read side by side; one that cannot be
 * read is left out (the data step then waits for it, never acting on an older read). Each answer
 * lands in `out` as it comes, so a caller that stops waiting has the stores that answered.
 */
export async function readData(
  data: DataControl | undefined,
  group: string,
  stores: readonly string[],
  call: DataCallOptions = {},
  failed: (store: string, error: unknown) => void = () => {},
  out: Record<string, DataState> = {},
): Promise<Record<string, DataState>> {
  await Promise.all(
    stores
      .filter((store) => data?.covers(group, store))
      .map(async (store) => {
        try {
          out[store] = await data!.read(group, store, call);
        } catch (error) {
          failed(store, error);
        }
      }),
  );
  return out;
}

/** The oldest open incident: the one the runbook advances (by opening time, not by id). */
export function oldestOpen(stored: readonly StoredIncident[]): StoredIncident | undefined {
  return stored
    .filter((s) => isOpen(s.incident))
    .sort(
      (a, b) =>
        a.incident.openedAt - b.incident.openedAt || a.incident.id.localeCompare(b.incident.id),
    )[0];
}

/** The runbook's Situation from the kept verdicts, the evidence and the world as read. */
export function situationOf(parts: {
  /** What the group's traffic lever can do, as it declares it. */
  readonly lever?: LeverCapabilities;
  readonly now: number;
  readonly epoch: number;
  readonly kept: Readonly<Record<string, RegionState>>;
  readonly evidence: readonly RegionEvidence[];
  readonly world: World;
  readonly entryHealthy: boolean | undefined;
  readonly open: Incident | undefined;
  /** The data stores as this tick read them (the data step's). */
  readonly data?: Readonly<Record<string, DataState>>;
  /** The open incident's time on ARM in its current step, and its failed change (see Situation). */
  readonly leverMs?: number;
  readonly failure?: LeverFailure;
  /** The practice schedule (the lease holder's tick only). */
  readonly practice?: PracticeSituation;
}): Situation {
  const { world } = parts;
  return {
    now: parts.now,
    epoch: parts.epoch,
    kept: Object.fromEntries(Object.entries(parts.kept).map(([r, s]) => [r, s.verdict])) as Record<
      string,
      Verdict
    >,
    dwelling: Object.entries(parts.kept)
      .filter(([, s]) => s.verdict === "recovering" && s.recoveringSince !== undefined)
      .map(([r]) => r),
    evidence: Object.fromEntries(parts.evidence.map((e) => [e.region, e.verdict])),
    ...(world.routing ? { routing: world.routing } : {}),
    ...(parts.lever ? { lever: parts.lever } : {}),
    clusters: world.clusters,
    ...(parts.data ? { data: parts.data } : {}),
    ...(parts.entryHealthy === undefined ? {} : { entryHealthy: parts.entryHealthy }),
    ...(parts.open ? { open: parts.open } : {}),
    recent: (world.incidents ?? []).map((s) => s.incident),
    ...(parts.leverMs ? { leverMs: parts.leverMs } : {}),
    ...(parts.failure ? { failure: parts.failure } : {}),
    paused: world.paused,
    ...(world.releasedAt === undefined ? {} : { releasedAt: world.releasedAt }),
    ...(parts.practice ? { practice: parts.practice } : {}),
  };
}

/** The levers an effect goes to: the real ones, or a dry run's. */
type EffectLevers = Pick<Levers, "router" | "clusters" | "data">;

/** Carries out one effect of the runbook on the levers. */
export function applyEffect(
  levers: EffectLevers,
  group: string,
  effect: Effect,
  call: { readonly abortSignal?: AbortSignal } = {},
): Promise<void> {
  const need = <T>(lever: T | undefined, what: string): T => {
    if (!lever) throw new Error(`${group} has no ${what} lever for ${describeEffect(effect)}`);
    return lever;
  };
  switch (effect.kind) {
    case "promote":
      return need(levers.router, "traffic").promote(group, effect.region, call);
    case "set-enabled":
      return need(levers.router, "traffic").setEnabled(group, effect.region, effect.enabled, call);
    case "start-cluster":
      return need(levers.clusters, "cluster").start(group, effect.region, call);
    case "stop-cluster":
      return need(levers.clusters, "cluster").stop(group, effect.region, call);
    case "scale":
      return need(levers.clusters, "cluster").scale(group, effect.region, effect.pools, call);
    case "data-failover":
      return need(levers.data, "data").failover(
        group,
        effect.store,
        effect.region,
        effect.mode,
        call,
      );
  }
}

export const describeEffect = (e: Effect): string =>
  e.kind === "set-enabled"
    ? `${e.enabled ? "enable" : "disable"} ${e.region}`
    : e.kind === "data-failover"
      ? `data-failover ${e.store} to ${e.region} (${e.mode})`
      : `${e.kind} ${e.region}`;

export const leverOf = (e: Effect): "traffic" | "cluster" | "data" =>
  e.kind === "promote" || e.kind === "set-enabled"
    ? "traffic"
    : e.kind === "data-failover"
      ? "data"
      : "cluster";

/** A group's situation as the operator API sees it, with every incident as stored. */
export interface GroupSituation {
  readonly situation: Situation;
  readonly stored: readonly StoredIncident[];
  /**
   * Why the levers could not be read when the lease holder has no view of them yet (the first
   * seconds after start): the caller answers "not yet" (503 with Retry-After) once it has
   * answered what needs no lever (a repeated request's idempotency key).
   */
  readonly leversUnread?: string;
}

/**
 * The runbook's situation for a group, read by a process that may not hold the lease (the API):
 * the lease holder's last view of the levers (from the store: no call to Azure), the store's kept
 * verdicts and incidents, the observers' evidence. A string says why it cannot be read.
 */
export async function readGroupSituation(
  rt: Runtime,
  group: GroupConfig,
): Promise<GroupSituation | string> {
  let views: Record<string, LeverView>;
  try {
    views = await rt.store.readLeverViews();
  } catch (error) {
    return errorText(error);
  }
  let world = worldOf(await readGroupStore(rt, group), views[group.name]);
  const incidents = world.incidents;
  if (!incidents) return world.problems.join("; ") || "the state store cannot be read";
  // Before the lease holder's first read (just after start, or a view never kept), the levers
  // are read here, once and briefly: a command is answered, or told to come back, never refused
  // for a view that does not exist yet.
  let leversUnread: string | undefined;
  if (rt.levers.router?.covers(group.name) && !world.routing) {
    const read = await readOnDemand(rt, group, world);
    if (typeof read === "string") leversUnread = read;
    else world = read;
  }
  const view = await observeAgreement(rt, {}, { witness: "cached" });
  const observed = view.groups.find((g) => g.group.name === group.name);
  let kept: Record<string, RegionState>;
  try {
    kept = (await rt.store.readRegionStates(group.name)).states;
  } catch (error) {
    return errorText(error);
  }
  return {
    stored: incidents,
    ...(leversUnread === undefined ? {} : { leversUnread }),
    situation: situationOf({
      ...leverOfGroup(rt, group),
      now: rt.clock.now(),
      epoch: await currentEpoch(rt),
      kept,
      evidence: observed?.evidence ?? [],
      world,
      entryHealthy: observed ? entryHealthy(view, observed) : undefined,
      open: oldestOpen(incidents)?.incident,
    }),
  };
}

/** How long a command waits for a lever read of its own (the holder's view does not exist yet). */
export const ON_DEMAND_READ_MS = 5000;

/** Reads on demand per runtime and group: one at a time, and their answers for one interval. */
const onDemand = new WeakMap<
  Runtime,
  Map<string, { readonly at: number; readonly promise: Promise<World | string> }>
>();

/**
 * The world with the group's routing (and missing clusters) read now, or why it could not be.
 * Requests at once share one read, and its answer stands for an interval: a burst of commands
 * (or of dry runs, from every app) costs ARM one read per group, not one each; and none is sent
 * while ARM has asked to be left alone.
 */
function readOnDemand(rt: Runtime, group: GroupConfig, world: World): Promise<World | string> {
  let reads = onDemand.get(rt);
  if (!reads) onDemand.set(rt, (reads = new Map()));
  const now = rt.clock.now();
  const last = reads.get(group.name);
  if (last && now - last.at < rt.config.policy.intervalSeconds * 1000) return last.promise;
  const throttled = rt.levers.armBudget?.throttledUntil();
  if (throttled !== undefined && throttled > now)
    return Promise.resolve(
      `the lease holder has not read ${group.name}'s traffic lever yet, and Azure Resource Manager asked to wait ${Math.ceil((throttled - now) / 1000)} s: ask again then`,
    );
  const promise = readNow(rt, group, world);
  reads.set(group.name, { at: now, promise });
  return promise;
}

async function readNow(rt: Runtime, group: GroupConfig, world: World): Promise<World | string> {
  const call = { abortSignal: AbortSignal.timeout(ON_DEMAND_READ_MS) };
  try {
    const routing = await rt.levers.router!.read(group.name, call);
    const missing = group.regions.filter(
      (r) => r.cluster && rt.levers.clusters?.covers(group.name, r.name) && !world.clusters[r.name],
    );
    const clusters = { ...world.clusters };
    await Promise.all(
      missing.map(async (r) => {
        // A cluster that cannot be read is left unknown, as in the holder's own view.
        clusters[r.name] = await rt.levers
          .clusters!.read(group.name, r.name, call)
          .catch(() => undefined);
      }),
    );
    return { ...world, routing, clusters };
  } catch (error) {
    return `the lease holder has not read ${group.name}'s traffic lever yet, and reading it now failed (${errorText(error)}): ask again in a few seconds`;
  }
}

/** What the lease holder's tick decides with beyond the world: the lever's capabilities, the practice. */
export function tickContextOf(
  rt: Runtime,
  group: GroupConfig,
): { lever?: LeverCapabilities; practice?: PracticeSituation } {
  return { ...leverOfGroup(rt, group), ...practiceOf(rt, group.name) };
}

/** The group's traffic lever's declared capabilities, when it has a lever. */
function leverOfGroup(rt: Runtime, group: GroupConfig): { lever?: LeverCapabilities } {
  return rt.levers.router?.covers(group.name)
    ? { lever: rt.levers.router.capabilities(group.name) }
    : {};
}
