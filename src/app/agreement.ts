// What the observers agree on, as this process sees it: who is live (by its own clock), and each
// region's evidence by quorum. Used by the orchestrate tick (to decide) and the status (to show).
import type { Heartbeat, Observation } from "../core/observation.js";
import { isCurrent, livenessOf, rememberPeers, unchangedFor } from "../core/liveness.js";
import { ENTRY_POINT } from "../core/observation.js";
import type { ObserverInfo, RegionEvidence } from "../core/verdict.js";
import { judgeRegions, witnessMatters } from "../core/verdict.js";
import { effectivePolicy } from "../config/policy.js";
import type { GroupConfig } from "../config/schema.js";
import type { StoreCallOptions } from "../ports/state-store.js";
import { settleBy } from "./bounded.js";
import type { Runtime } from "./runtime.js";
import { errorText } from "../core/errors.js";

export interface ObserverLiveness extends ObserverInfo {
  /** How long its heartbeat has not changed, on this process's clock; undefined if never seen. */
  readonly unchangedForMs?: number;
}

export interface GroupEvidence {
  readonly group: GroupConfig;
  readonly observations: readonly Observation[];
  readonly evidence: readonly RegionEvidence[];
}

export interface AgreementView {
  readonly observers: readonly ObserverLiveness[];
  readonly groups: readonly GroupEvidence[];
  /** Configured observers other than this one whose heartbeat has gone quiet (or never came). */
  readonly stalePeers: readonly string[];
  /** Problems that did not stop the view (a witness that did not answer). */
  readonly problems: readonly string[];
}

export interface AgreementOptions {
  /**
   * `ask` (the lease holder): ask the witness when its answer could change a verdict, waiting
   * for it only briefly; `cached`: use only what it said before (the status, the API).
   */
  readonly witness?: "ask" | "cached";
}

/** Longest the orchestrate tick waits for the witness, as a share of the interval. */
const WITNESS_SHARE = 0.2;

/** The witness's last answer for a group, if it is recent enough to count. */
function cachedSignals(rt: Runtime, group: string, maxAgeMs: number) {
  const cached = rt.memory.witness.get(group);
  return cached && rt.clock.now() - cached.at <= maxAgeMs ? cached : undefined;
}

const asking = new WeakMap<Runtime, Map<string, Promise<void>>>();
/** The last failure per group: said once, and the witness is not asked again for an interval. */
const failures = new WeakMap<Runtime, Map<string, { why: string; at: number }>>();

/**
 * Asks the witness about a group (or joins the question in flight) and waits for the answer
 * until `ms` has passed on the runtime's clock; the answer, whenever it comes, is kept for the
 * next ticks.
 */
async function askWitness(rt: Runtime, group: string, ms: number): Promise<void> {
  let inFlight = asking.get(rt);
  if (!inFlight) asking.set(rt, (inFlight = new Map()));
  let question = inFlight.get(group);
  if (!question) {
    question = rt.witness
      .signals(group, { abortSignal: AbortSignal.timeout(30_000) })
      .then(
        (signals) => {
          failures.get(rt)?.delete(group);
          rt.memory.witness.set(group, { at: rt.clock.now(), signals });
        },
        (error: unknown) => {
          // A failed question is not an answer: the last answer (if any) stays as it was, with
          // its own time, and it is asked again an interval later. Said once per distinct
          // failure, in the log (it may come after the tick that asked has ended).
          const why = errorText(error);
          let said = failures.get(rt);
          if (!said) failures.set(rt, (said = new Map()));
          if (said.get(group)?.why !== why)
            rt.log.warn(`witness for ${group} did not answer: ${why}`);
          said.set(group, { why, at: rt.clock.now() });
        },
      )
      .finally(() => inFlight.delete(group));
    inFlight.set(group, question);
  }
  // On the runtime's clock (ADR 30): in the simulator the tick waits virtual time, not real.
  await settleBy(rt, question, rt.clock.now() + ms);
}

/**
 * Reads heartbeats and observations and judges every region. Throws a StoreError if the store
 * cannot be read. The witness (an outside monitor read over ARM) is asked only when its answer
 * could change a verdict, and never waited for long: detection does not wait on ARM.
 */
export async function observeAgreement(
  rt: Runtime,
  call: StoreCallOptions = {},
  options: AgreementOptions = {},
): Promise<AgreementView> {
  // One read: every observer's heartbeat and observations of every group.
  const { heartbeats, observations: all } = await rt.store.readAllObservations(call);
  const byGroup = new Map<string, Observation[]>();
  for (const o of all) byGroup.set(o.group, [...(byGroup.get(o.group) ?? []), o]);
  const now = rt.clock.now();
  rt.memory.peers = rememberPeers(rt.memory.peers, heartbeats, now);
  const staleMs = effectivePolicy(rt.config).observerStaleSeconds * 1000;
  const byName = new Map<string, Heartbeat>(heartbeats.map((h) => [h.observer, h]));
  const observers: ObserverLiveness[] = rt.config.observers.map(({ region }) => {
    const heartbeat = byName.get(region);
    const age = unchangedFor(rt.memory.peers, region, now);
    return {
      name: region,
      region,
      liveness: livenessOf(rt.memory.peers, region, now, staleMs),
      ...(heartbeat ? { heartbeat } : {}),
      ...(age === undefined ? {} : { unchangedForMs: age }),
    };
  });

  const problems: string[] = [];
  const intervalMs = effectivePolicy(rt.config).intervalSeconds * 1000;
  const groups = await Promise.all(
    rt.config.groups.map(async (group): Promise<GroupEvidence> => {
      const policy = effectivePolicy(rt.config, group);
      const observations = byGroup.get(group.name) ?? [];
      const judge = () => {
        const cached = cachedSignals(rt, group.name, 3 * intervalMs);
        return judgeRegions(group.regions, {
          observers,
          observations,
          policy: {
            failureThreshold: policy.failureThreshold,
            successThreshold: policy.successThreshold,
          },
          witness: (region) => cached?.signals.get(region) ?? "unknown",
        });
      };
      let evidence = judge();
      const fresh = cachedSignals(rt, group.name, intervalMs);
      const failed = failures.get(rt)?.get(group.name);
      const resting = failed !== undefined && rt.clock.now() - failed.at < intervalMs;
      if (options.witness !== "cached" && !fresh && !resting && evidence.some(witnessMatters)) {
        await askWitness(rt, group.name, intervalMs * WITNESS_SHARE);
        evidence = judge();
      }
      return { group, observations, evidence };
    }),
  );

  const stalePeers = observers
    .filter((o) => o.name !== rt.observer && o.liveness === "stale")
    .map((o) => o.name);
  return { observers, groups, stalePeers, problems };
}

/**
 * Whether the group's global entry point answers, by the current observations of usable
 * observers: true when all pass, false when all fail, undefined when there is no entry point,
 * no current view, or the observers disagree.
 */
export function entryHealthy(view: AgreementView, group: GroupEvidence): boolean | undefined {
  const usable = new Map(
    view.observers
      .filter((o) => o.liveness !== "stale" && o.heartbeat && !o.heartbeat.impaired)
      .map((o) => [o.name, o.heartbeat!]),
  );
  const current = group.observations.filter(
    (o) =>
      o.target === ENTRY_POINT && usable.has(o.observer) && isCurrent(o, usable.get(o.observer)),
  );
  if (current.length === 0) return undefined;
  if (current.every((o) => o.ok)) return true;
  if (current.every((o) => !o.ok)) return false;
  return undefined;
}
