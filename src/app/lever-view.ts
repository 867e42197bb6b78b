// Reading the levers without letting Azure Resource Manager hold anything up. A read is started
// at most once per group at a time; a tick waits for it only until its own deadline, and a read
// still running then goes on in the background: the next tick picks up what it found. Every read
// that completes is kept in the store as the group's lever view, with its time, which is what the
// status, the operator API and the runbook's quiet ticks use instead of calling Azure.
import type { ClusterState, LeverView, RoutingState } from "../core/levers.js";
import type { LeverNeeds } from "../core/runbook.js";
import { errorText } from "../core/errors.js";
import type { GroupConfig } from "../config/schema.js";
import type { Runtime } from "./runtime.js";

/** A read of some of a group's levers, as it came back. */
export interface LeverRead {
  readonly routing?: RoutingState;
  readonly clusters: Record<string, ClusterState>;
  readonly needs: LeverNeeds;
  readonly startedAt: number;
  readonly problems: readonly string[];
}

/** What this process has in flight with a group's levers. */
export interface LeverWork {
  read?: {
    readonly needs: LeverNeeds;
    readonly promise: Promise<LeverRead>;
    readonly startedAt: number;
  };
  /**
   * A read that finished after its tick stopped waiting, not used yet: the next tick takes it if
   * it is recent and no change was made since it began (on a slow ARM every read would
   * otherwise outlast its tick, and no step would ever see one).
   */
  done?: LeverRead;
  /** When this process last began changing the group's levers: reads begun before are stale. */
  changedAt?: number;
  /** An effect still running after its tick gave up waiting; no new step until it ends. */
  effect?: { readonly change: string; readonly promise: Promise<unknown> };
}

export type Settled<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/** Waits for `promise` until `deadline` on the runtime's clock; never longer. */
export async function settleBy<T>(
  rt: Runtime,
  promise: Promise<T>,
  deadline: number,
): Promise<Settled<T>> {
  const ms = deadline - rt.clock.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An abort signal that fires at `deadline` on the runtime's clock. */
export function signalUntil(rt: Runtime, deadline: number): AbortSignal {
  return AbortSignal.timeout(Math.max(1, deadline - rt.clock.now()));
}

const covers = (needs: LeverNeeds, wanted: LeverNeeds) =>
  (needs.routing || !wanted.routing) && wanted.clusters.every((c) => needs.clusters.includes(c));

/** Reads what `needs` names of a group's levers, each failure a problem (never a throw). */
async function readLevers(
  rt: Runtime,
  group: GroupConfig,
  needs: LeverNeeds,
  abortSignal: AbortSignal,
): Promise<LeverRead> {
  const startedAt = rt.clock.now();
  const problems: string[] = [];
  const call = { abortSignal };
  const routing =
    needs.routing && rt.router?.covers(group.name)
      ? await rt.router.read(group.name, call).catch((error: unknown) => {
          problems.push(`${group.name}: the traffic lever cannot be read: ${errorText(error)}`);
          return undefined;
        })
      : undefined;
  const clusters: Record<string, ClusterState> = {};
  await Promise.all(
    needs.clusters
      .filter((region) => rt.clusters?.covers(group.name, region))
      .map(async (region) => {
        try {
          clusters[region] = await rt.clusters!.read(group.name, region, call);
        } catch (error) {
          problems.push(`${group.name}: ${region}'s cluster cannot be read: ${errorText(error)}`);
        }
      }),
  );
  return { ...(routing ? { routing } : {}), clusters, needs, startedAt, problems };
}

/** The runtime's in-flight work per group. */
function workOf(rt: Runtime, group: string): LeverWork {
  let work = rt.memory.levers.get(group);
  if (!work) rt.memory.levers.set(group, (work = {}));
  return work;
}

/** The view a read leaves: the stored view with what was read on top of it. */
export function merged(stored: LeverView | undefined, read: LeverRead, epoch: number): LeverView {
  const routing = read.needs.routing ? read.routing : stored?.routing;
  return {
    ...(routing ? { routing } : {}),
    clusters: { ...stored?.clusters, ...read.clusters },
    readAt: read.startedAt,
    epoch,
    ...(read.problems.length > 0 ? { problems: read.problems } : {}),
  };
}

/**
 * Starts a read of what `needs` names (or joins the one in flight, if it covers it) and waits for
 * it until `deadline`. A read that completes, now or later, is written to the store as the
 * group's lever view. Undefined when it did not answer in time.
 */
export async function readLeversBy(
  rt: Runtime,
  group: GroupConfig,
  needs: LeverNeeds,
  deadline: number,
  epoch: number,
  stored: () => LeverView | undefined,
): Promise<LeverRead | undefined> {
  const work = workOf(rt, group.name);
  const left = work.done;
  if (
    left &&
    covers(left.needs, needs) &&
    rt.clock.now() - left.startedAt <= maxAgeMs(rt) &&
    !(work.changedAt !== undefined && left.startedAt < work.changedAt)
  ) {
    work.done = undefined;
    return left;
  }
  const stale = (startedAt: number) => work.changedAt !== undefined && startedAt < work.changedAt;
  if (!work.read || !covers(work.read.needs, needs) || stale(work.read.startedAt)) {
    // The read may outlive this tick, but not the next tick's deadline by much: ARM's own
    // timeout (the connection's timeoutMs) ends it otherwise.
    const promise = readLevers(rt, group, needs, new AbortController().signal);
    const entry = { needs, promise, startedAt: rt.clock.now() };
    work.read = entry;
    void promise.then(async (read) => {
      if (work.read === entry) {
        work.read = undefined;
        if (!stale(read.startedAt)) work.done = read;
      }
      if (!rt.memory.lease.held) return;
      try {
        await rt.store.writeLeverView(group.name, merged(stored(), read, epoch));
      } catch (error) {
        rt.log.warn(`${group.name}: the lever view was not kept: ${errorText(error)}`);
      }
    });
  }
  const mine = work.read;
  const settled = await settleBy(rt, mine.promise, deadline);
  if (!settled.done) return undefined;
  // Taken now: not left for the next tick.
  if (work.done === settled.value) work.done = undefined;
  return settled.value;
}

/** How old a finished read may be and still count as fresh: two intervals. */
function maxAgeMs(rt: Runtime): number {
  return rt.config.policy.intervalSeconds * 2000;
}

/** A change to a group's levers is starting: reads begun before it are no longer fresh. */
export function forgetReads(rt: Runtime, group: string): void {
  const work = workOf(rt, group);
  work.done = undefined;
  work.changedAt = rt.clock.now();
}

/** How long this process has been waiting for a group's read, for the note it leaves. */
export function readPending(rt: Runtime, group: string): boolean {
  return rt.memory.levers.get(group)?.read !== undefined;
}

/** Registers an effect that outlived its tick; the group takes no step until it ends. */
export function effectPending(rt: Runtime, group: string): LeverWork["effect"] {
  return rt.memory.levers.get(group)?.effect;
}

export function holdEffect(rt: Runtime, group: string, change: string, promise: Promise<unknown>) {
  const work = workOf(rt, group);
  const entry = { change, promise };
  work.effect = entry;
  void promise.finally(() => {
    if (work.effect === entry) work.effect = undefined;
    // What was read while the change ran may predate its end.
    work.done = undefined;
    work.changedAt = rt.clock.now();
  });
}
