// One timer per observer (ADR 16): probe, then decide. The lease is renewed beside the probes, so
// its cadence does not depend on how long they take; the verdicts and the runbook run as soon as
// this observer's observations are written, and those of the peers it asked to probe now. An
// observer asked by a peer probes at once, writes, and, holding the lease, decides as the
// confirming observations land. Neither ever throws.
import type { GroupDecision, OrchestrateResult } from "./orchestrate-tick.js";
import { LEVER_SHARE, runOrchestrateTick } from "./orchestrate-tick.js";
import type { PeerAsked, ProbeTickResult } from "./probe-tick.js";
import { runPeerProbe, runProbeTick } from "./probe-tick.js";
import { heldLease, tickLease } from "./lease-keeper.js";
import type { AgreementView } from "./agreement.js";
import { observeAgreement } from "./agreement.js";
import type { PeerProbeAnswer, PeerProbeRequest } from "../ports/peers.js";
import type { RegionEvidence } from "../core/verdict.js";
import type { Runtime } from "./runtime.js";

export interface ObserverTickResult {
  readonly probe: ProbeTickResult;
  readonly orchestrate: OrchestrateResult;
  /** The peers this tick asked to probe now, with their answers (or why there was none). */
  readonly peers: readonly PeerAsked[];
}

/** The share of the interval after which a tick stops waiting for its peers' answers. */
const TICK_SHARE = 0.9;
/** After a peer's request, the holder looks for the evidence it expects this share of an interval. */
const LOOK_SHARE = 0.5;
/** ... every this share of an interval. */
const LOOK_EVERY_SHARE = 0.05;

const intervalOf = (rt: Runtime) => rt.config.policy.intervalSeconds * 1000;

/** `work`'s value if it settles by `until` on the runtime's clock; undefined otherwise. */
async function by<T>(rt: Runtime, work: Promise<T>, until: number): Promise<T | undefined> {
  const stop = new AbortController();
  const late = Symbol("late");
  const value = await Promise.race([
    work,
    rt.clock.sleep(Math.max(0, until - rt.clock.now()), stop.signal).then(() => late),
  ]);
  stop.abort();
  return value === late ? undefined : (value as T);
}

/** Decisions of one process, one at a time: its tick and a peer's request never interleave. */
function oneDecisionAtATime(rt: Runtime, work: () => Promise<OrchestrateResult>) {
  const mine = (rt.memory.deciding ?? Promise.resolve()).then(work);
  rt.memory.deciding = mine.catch(() => undefined);
  return mine;
}

export async function runObserverTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<ObserverTickResult> {
  const startedAt = rt.clock.now();
  const interval = intervalOf(rt);
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const lease = tickLease(rt, call);
  const probe = await runProbeTick(rt, options);
  // The peers answer once they have probed and written: then their observations are in.
  const peers = probe.asked
    ? ((await by(rt, probe.asked, startedAt + interval * TICK_SHARE)) ?? [])
    : [];
  const now = rt.clock.now();
  const orchestrate = await oneDecisionAtATime(rt, () =>
    runOrchestrateTick(rt, {
      ...options,
      lease,
      // The levers get their usual share of the interval, and at least that much after the
      // probes, but the tick ends before the next one is due where it can.
      leverDeadline: Math.max(
        startedAt + interval * LEVER_SHARE,
        Math.min(now + interval * LEVER_SHARE, startedAt + interval * TICK_SHARE),
      ),
    }),
  );
  return { probe, orchestrate, peers };
}

/**
 * A peer's request to probe a region now: probe it and write what was seen; then, holding the
 * lease, decide at once, and again as the other observers' confirming observations land (they
 * were asked at the same moment), for at most half an interval.
 */
export async function answerPeer(
  rt: Runtime,
  request: PeerProbeRequest,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<PeerProbeAnswer> {
  const answer = await runPeerProbe(rt, request, options);
  if (!answer.written || !heldLease(rt).leader) return answer;
  const until = rt.clock.now() + intervalOf(rt) * LOOK_SHARE;
  const decide = () =>
    oneDecisionAtATime(rt, () => runOrchestrateTick(rt, { lease: heldLease(rt) }));
  let decided = await decide();
  // The asker giving up ends the looking too: an aborted sleep returns at once, and the loop
  // would otherwise read the store without pause until `until`.
  const gaveUp = () => options.abortSignal?.aborted === true;
  while (awaited(decided, request.region) && rt.clock.now() < until && !gaveUp()) {
    await rt.clock.sleep(intervalOf(rt) * LOOK_EVERY_SHARE, options.abortSignal);
    if (gaveUp()) break;
    let view: AgreementView;
    try {
      view = await observeAgreement(rt, {}, { witness: "cached" });
    } catch {
      break;
    }
    if (moved(decided, view, request.region)) decided = await decide();
  }
  return answer;
}

const evidenceOf = (groups: readonly { evidence: readonly RegionEvidence[] }[], region: string) =>
  groups.flatMap((g) => g.evidence.filter((e) => e.region === region));

/**
 * The holder's verdict on the region waits on observers not yet confirming: suspect, with an
 * observer outside it that has not confirmed, or none current yet.
 */
function awaited(decided: OrchestrateResult, region: string): boolean {
  if (!decided.lease.leader) return false;
  return evidenceOf(decided.groups, region).some(
    (e) =>
      e.verdict === "suspect" &&
      (e.blocking.length > 0 || e.outside.some((v) => v.view !== "confirmed")),
  );
}

/** Whether the region's evidence says another verdict now than at the last decision. */
function moved(decided: OrchestrateResult, view: AgreementView, region: string): boolean {
  const key = (g: GroupDecision | AgreementView["groups"][number], e: RegionEvidence) =>
    `${typeof g.group === "string" ? g.group : g.group.name}|${e.region}`;
  const before = new Map(
    decided.groups.flatMap((g) =>
      g.evidence.filter((e) => e.region === region).map((e) => [key(g, e), e.verdict]),
    ),
  );
  return view.groups.some((g) =>
    g.evidence.some((e) => e.region === region && before.get(key(g, e)) !== e.verdict),
  );
}
