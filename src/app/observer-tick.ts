// One timer per observer (ADR 18): probe, then decide. The lease is renewed beside the probes, so
// its cadence does not depend on how long they take; the verdicts and the runbook run as soon as
// this observer's observations are written, and those of the peers it asked to probe now. An
// observer asked by a peer probes at once, writes, and, holding the lease, decides as the
// confirming observations land. Neither ever throws.
import { settleBy } from "./bounded.js";
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
/** ... and, before it decides, this share (the rest of the answers may still move a verdict). */
const WAIT_SHARE = 0.5;
/** After a peer's request, the holder looks for the evidence it expects this share of an interval. */
const LOOK_SHARE = 0.5;
/** ... every this share of an interval. */
const LOOK_EVERY_SHARE = 0.05;

const intervalOf = (rt: Runtime) => rt.config.policy.intervalSeconds * 1000;

export async function runObserverTick(
  rt: Runtime,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<ObserverTickResult> {
  const startedAt = rt.clock.now();
  const interval = intervalOf(rt);
  const call = options.abortSignal ? { abortSignal: options.abortSignal } : {};
  const lease = tickLease(rt, call);
  const probe = await runProbeTick(rt, options);
  // The peers answer once they have probed and written. The decision waits for them, so that it
  // is not taken on a half-told story (a split view while the others' failures are on their
  // way), but only so long: a peer in the lost region may never answer. Answers that come later
  // make the holder decide again if they could move a verdict it waits on.
  const peers: PeerAsked[] = [];
  const pending = new Map(probe.asked.map((p, i) => [i, p.then((asked) => ({ i, asked }))]));
  const answered = async (until: number) => {
    const settled = await settleBy(rt, Promise.race(pending.values()), until);
    if (!settled.done) return undefined;
    const next = settled.value;
    pending.delete(next.i);
    peers.push(next.asked);
    return next.asked;
  };
  while (pending.size > 0 && (await answered(startedAt + interval * WAIT_SHARE)));
  const now = rt.clock.now();
  let orchestrate = await runOrchestrateTick(rt, {
    ...options,
    lease,
    // The tick's probes and its decision are one operation in telemetry and the log.
    operation: `${probe.tick.instance}:${probe.tick.seq}`,
    // The levers get their usual share of the interval, and at least that much after the
    // probes, but the tick ends before the next one is due where it can.
    leverDeadline: Math.max(
      startedAt + interval * LEVER_SHARE,
      Math.min(now + interval * LEVER_SHARE, startedAt + interval * TICK_SHARE),
    ),
  });
  while (pending.size > 0) {
    const late = await answered(startedAt + interval * TICK_SHARE);
    if (!late) break;
    if (late.answer?.written && awaitedIn(orchestrate.groups, late.region, orchestrate))
      orchestrate = await decideAgain(rt, orchestrate, late.region);
  }
  return { probe, orchestrate, peers };
}

/**
 * A peer's request to probe a region now: probe it and write what was seen; then, holding the
 * lease, decide once the other observers' observations of the region have landed too (they were
 * asked at the same moment), or half an interval has passed.
 */
export async function answerPeer(
  rt: Runtime,
  request: PeerProbeRequest,
  options: { readonly abortSignal?: AbortSignal } = {},
): Promise<PeerProbeAnswer> {
  // Every observer that sees the region fail asks at once: requests for a region already being
  // probed here join that probe (and the decision after it) instead of probing it again.
  const running = rt.memory.observer.peerProbes.get(request.region);
  if (running) return running;
  const work = probeThenDecide(rt, request, options);
  rt.memory.observer.peerProbes.set(request.region, work);
  try {
    return await work;
  } finally {
    rt.memory.observer.peerProbes.delete(request.region);
  }
}

async function probeThenDecide(
  rt: Runtime,
  request: PeerProbeRequest,
  options: { readonly abortSignal?: AbortSignal },
): Promise<PeerProbeAnswer> {
  const answer = await runPeerProbe(rt, request, options);
  if (!answer.written || !heldLease(rt).leader) return answer;
  const until = rt.clock.now() + intervalOf(rt) * LOOK_SHARE;
  for (;;) {
    let view: AgreementView;
    try {
      view = await observeAgreement(rt, {}, { witness: "cached" });
    } catch {
      break;
    }
    if (!awaitedIn(view.groups, request.region) || rt.clock.now() >= until) break;
    await rt.clock.sleep(intervalOf(rt) * LOOK_EVERY_SHARE, options.abortSignal);
    if (options.abortSignal?.aborted) break;
  }
  await runOrchestrateTick(rt, { lease: heldLease(rt) });
  return answer;
}

/** Decides again, with the lease as held, if the region's evidence says another verdict now. */
async function decideAgain(
  rt: Runtime,
  decided: OrchestrateResult,
  region: string,
): Promise<OrchestrateResult> {
  let view: AgreementView;
  try {
    view = await observeAgreement(rt, {}, { witness: "cached" });
  } catch {
    return decided;
  }
  if (!moved(decided, view, region)) return decided;
  return runOrchestrateTick(rt, { lease: heldLease(rt) });
}

const evidenceOf = (groups: readonly { evidence: readonly RegionEvidence[] }[], region: string) =>
  groups.flatMap((g) => g.evidence.filter((e) => e.region === region));

/**
 * Whether the region's evidence is still being told: suspect or a split view, with some observer
 * seeing it fail and another not yet (passing on an older probe, or no current view). A peer asked
 * at the same moment is expected to change that within a second or two; a real split view stays.
 */
function awaitedIn(
  groups: readonly { readonly evidence: readonly RegionEvidence[] }[],
  region: string,
  decided?: OrchestrateResult,
): boolean {
  if (decided && !decided.lease.leader) return false;
  return evidenceOf(groups, region).some((e) => {
    if (e.verdict !== "suspect" && e.verdict !== "split-view") return false;
    const views = [
      ...e.outside.map((v) => v.view),
      ...(e.inside && !e.inside.silent ? [e.inside.view] : []),
    ];
    const failing = views.some((v) => v === "confirmed" || v === "failing");
    const notYet =
      e.blocking.length > 0 ||
      views.some((v) => v === "passing" || v === "none" || v === "recovering");
    return failing && notYet;
  });
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
