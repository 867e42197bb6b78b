// The verdict on each region: what the observers' latest observations say, by quorum, with the
// observer inside the region and a witness (Traffic Manager's own monitor) to tell a region that
// is down from observers that cannot see it. The rules are listed in docs/agreement.md; only
// `down` can ever lead to action, and a `split-view` never does.
import type { Heartbeat, Observation } from "./observation.js";
import type { Liveness } from "./liveness.js";
import { isCurrent } from "./liveness.js";

export type Verdict = "healthy" | "suspect" | "down" | "recovering" | "split-view" | "unknown";

/** What an independent monitor of the region says, if there is one. */
export type WitnessSignal = "up" | "down" | "unknown";

/** One observer's view of one region. */
export type View = "passing" | "recovering" | "failing" | "confirmed" | "none";

export interface VerdictPolicy {
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

export interface ObserverInfo {
  readonly name: string;
  /** The region the observer runs in. */
  readonly region: string;
  /** Whether its heartbeat keeps changing, as this reader has seen (see liveness.ts). */
  readonly liveness: Liveness;
  readonly heartbeat?: Heartbeat;
}

export interface ObserverView {
  readonly observer: string;
  readonly view: View;
}

export interface RegionEvidence {
  readonly region: string;
  readonly verdict: Verdict;
  /** One sentence a person can read: why this verdict. */
  readonly reason: string;
  /** Usable (not stale, not impaired) observers outside the region with a current view. */
  readonly outside: readonly ObserverView[];
  /** Usable observers outside the region with no current view: they hold back `down`. */
  readonly blocking: readonly string[];
  /** The observer in the region, if one is configured; `silent` when it is stale or impaired. */
  readonly inside?: ObserverView & { readonly silent: boolean };
  readonly witness: WitnessSignal;
}

export function viewOf(o: Observation | undefined, policy: VerdictPolicy): View {
  if (!o) return "none";
  if (!o.ok) return o.consecutiveFailures >= policy.failureThreshold ? "confirmed" : "failing";
  const afterOutage = o.failuresBefore >= policy.failureThreshold;
  return afterOutage && o.consecutiveSuccesses < policy.successThreshold ? "recovering" : "passing";
}

const names = (views: readonly ObserverView[]) => views.map((v) => v.observer).join(", ");
/** "westeurope sees" or "westeurope, northeurope see". */
const subject = (views: readonly ObserverView[], one: string, many: string) =>
  `${names(views)} ${views.length === 1 ? one : many}`;

export interface RegionInput {
  readonly region: string;
  readonly observers: readonly ObserverInfo[];
  /** Latest observations of this region, any observer. */
  readonly observations: readonly Observation[];
  readonly witness: WitnessSignal;
  readonly policy: VerdictPolicy;
}

function currentView(observer: ObserverInfo, input: RegionInput): View {
  const o = input.observations.find(
    (x) => x.observer === observer.name && x.target === input.region,
  );
  const view = o && isCurrent(o, observer.heartbeat) ? viewOf(o, input.policy) : "none";
  // Not yet known to be live: its failures may be old news, so they cannot complete a quorum.
  return observer.liveness === "unknown" && view === "confirmed" ? "failing" : view;
}

export function judgeRegion(input: RegionInput): RegionEvidence {
  const { region, witness } = input;
  const usable = (o: ObserverInfo) =>
    o.liveness !== "stale" && o.heartbeat !== undefined && !o.heartbeat.impaired;
  const outsideAll = input.observers
    .filter((o) => o.region !== region && usable(o))
    .map((o) => ({ observer: o.name, view: currentView(o, input) }))
    .sort((a, b) => a.observer.localeCompare(b.observer));
  const outside = outsideAll.filter((v) => v.view !== "none");
  const blocking = outsideAll.filter((v) => v.view === "none").map((v) => v.observer);
  const insideObserver = input.observers.find((o) => o.region === region);
  const inside = insideObserver
    ? usable(insideObserver)
      ? { observer: insideObserver.name, view: currentView(insideObserver, input), silent: false }
      : { observer: insideObserver.name, view: "none" as View, silent: true }
    : undefined;
  const base = { region, outside, blocking, witness, ...(inside ? { inside } : {}) };
  const say = (verdict: Verdict, reason: string): RegionEvidence => ({ ...base, verdict, reason });

  const count = (view: View) => outside.filter((v) => v.view === view);
  const [confirmed, failing, recovering, passing] = (
    ["confirmed", "failing", "recovering", "passing"] as const
  ).map(count);

  if (outside.length === 0) {
    if (blocking.length > 0)
      return say(
        "unknown",
        `the outside observers (${blocking.join(", ")}) have no current view of it`,
      );
    if (!inside || inside.silent || inside.view === "none")
      return say("unknown", "no live, unimpaired observer has a current view of it");
    if (inside.view === "passing")
      return say(
        "healthy",
        `only the observer inside (${inside.observer}) sees it, and sees it up`,
      );
    if (inside.view === "recovering")
      return say("recovering", `only the observer inside (${inside.observer}) sees it, recovering`);
    return say(
      "suspect",
      `only the observer inside (${inside.observer}) sees it failing; no outside observer can confirm`,
    );
  }

  if (confirmed!.length === outside.length) {
    const all = `every outside observer with a view (${names(outside)}) saw it fail`;
    if (blocking.length > 0)
      return say(
        "suspect",
        `${all}, but ${blocking.join(", ")} ${blocking.length === 1 ? "has" : "have"} no current view: down needs every live outside observer`,
      );
    // With two or more observers outside the region configured, one alone is not a quorum: a
    // partition between it and the region would look exactly like an outage.
    const quorum = Math.min(2, input.observers.filter((o) => o.region !== region).length);
    if (confirmed!.length < quorum && witness !== "down")
      return say(
        "suspect",
        `${all}, but down needs ${quorum} outside observers (or the witness) to agree`,
      );
    if (!inside || inside.silent)
      return say(
        "down",
        `${all}, and ${inside ? `the observer inside (${inside.observer}) is stale or impaired` : "no observer runs inside it"}`,
      );
    if (inside.view === "confirmed")
      return say("down", `${all}, and so did the observer inside (${inside.observer})`);
    if (witness === "down")
      return say(
        "down",
        `${all}; the observer inside sees it ${inside.view}, but the witness agrees it is down`,
      );
    if (inside.view === "failing" || inside.view === "none")
      return say(
        "suspect",
        `${all}; the observer inside (${inside.observer}) ${inside.view === "none" ? "has no current view" : "is failing too, below the threshold"}`,
      );
    return say(
      "split-view",
      `${all}, but the observer inside (${inside.observer}) sees it ${inside.view} and the witness says ${witness}: no action`,
    );
  }
  if (confirmed!.length > 0 && passing!.length > 0)
    return say(
      "split-view",
      `observers disagree: ${names(confirmed!)} saw it fail, ${subject(passing!, "sees", "see")} it up: no action`,
    );
  if (confirmed!.length + failing!.length > 0)
    return say(
      "suspect",
      `${subject([...confirmed!, ...failing!], "sees", "see")} it failing; down needs every outside observer to see ${input.policy.failureThreshold} failures in a row`,
    );
  if (recovering!.length > 0)
    return say(
      "recovering",
      `passing again, but ${subject(recovering!, "is", "are")} below ${input.policy.successThreshold} successes in a row`,
    );
  if (inside && !inside.silent && inside.view === "confirmed")
    return say(
      "split-view",
      `every outside observer (${names(outside)}) sees it up, but the observer inside (${inside.observer}) sees it failing: no action`,
    );
  if (inside && !inside.silent && inside.view === "failing")
    return say(
      "suspect",
      `the observer inside (${inside.observer}) sees it failing; the outside observers see it up`,
    );
  return say("healthy", `every outside observer with a view (${names(passing!)}) sees it up`);
}

/**
 * Whether the witness could change this verdict: every live outside observer has seen the region
 * fail, yet it is not down (the observer inside disagrees, or one outside observer is not a
 * quorum). Only then is the witness worth asking; otherwise its answer changes nothing.
 */
export function witnessMatters(e: RegionEvidence): boolean {
  return (
    e.verdict !== "down" &&
    e.blocking.length === 0 &&
    e.outside.length > 0 &&
    e.outside.every((v) => v.view === "confirmed")
  );
}

/** Each region's evidence, for one group. */
export function judgeRegions(
  regions: readonly { readonly name: string }[],
  input: Omit<RegionInput, "region" | "witness"> & {
    readonly witness: (region: string) => WitnessSignal;
  },
): RegionEvidence[] {
  return regions.map((r) =>
    judgeRegion({ ...input, region: r.name, witness: input.witness(r.name) }),
  );
}

/** A region's verdict as the lease holder keeps it: the evidence, with memory of an outage. */
export interface RegionState {
  readonly verdict: Verdict;
  /** When the verdict began, on the clock of the holder of `epoch`. */
  readonly since: number;
  /**
   * When a down verdict began as the first holder recorded it, kept across lease holders (so on
   * another holder's clock, never later than `since`): what reminders count from. Absent while
   * it is `since`.
   */
  readonly firstSince?: number;
  /**
   * Since when only the observer inside the region has seen it fail, with no outside observer
   * able to confirm (stale, impaired or none): a down verdict is blocked and a person should look.
   * Set while that stands (suspect or unknown, no outside view), kept across lease holders.
   */
  readonly unconfirmedSince?: number;
  /** While recovering: when the region began passing again. */
  readonly recoveringSince?: number;
  /**
   * Its verdict alerts are not told: a passive-cold standby at rest (its cluster stopped by
   * design) when this stretch of not being healthy began. Kept until it is healthy again, so that
   * its recovery after a wake is not told either; ended by a down verdict while it takes traffic.
   */
  readonly quiet?: true;
  readonly epoch: number;
  readonly reason: string;
}

/**
 * Whether the observer inside the region has seen it fail for the failure threshold while no
 * live outside observer has any view of it: the region may be down, but `down` needs an outside
 * observer, so nothing is done until a person looks.
 */
export function unconfirmable(e: RegionEvidence): boolean {
  return (
    e.verdict === "suspect" &&
    e.outside.length === 0 &&
    e.blocking.length === 0 &&
    e.inside !== undefined &&
    !e.inside.silent &&
    e.inside.view === "confirmed"
  );
}

/**
 * The next kept state (see keptVerdict), and whether a down verdict is blocked because no outside
 * observer can confirm it: set when the observer inside alone sees it fail, kept while no outside
 * observer has a view and the region is neither down nor healthy. `atRest`: the region is a
 * passive-cold standby at rest now (see atRestByDesign), which makes its stretch quiet.
 */
export function nextRegionState(
  prev: RegionState | undefined,
  evidence: RegionEvidence,
  now: number,
  epoch: number,
  dwellMs: number,
  atRest = false,
): RegionState {
  const state = keptVerdict(prev, evidence, now, epoch, dwellMs);
  const standing =
    (state.verdict === "suspect" || state.verdict === "unknown") &&
    evidence.outside.length === 0 &&
    evidence.blocking.length === 0;
  const since = prev?.unconfirmedSince ?? (unconfirmable(evidence) ? now : undefined);
  const kept = standing && since !== undefined ? { ...state, unconfirmedSince: since } : state;
  return quietOf(prev, kept.verdict, atRest) ? { ...kept, quiet: true } : kept;
}

function quietOf(prev: RegionState | undefined, verdict: Verdict, atRest: boolean): boolean {
  if (verdict === "healthy") return false;
  // A region that takes traffic and goes down is an outage, whatever it was before.
  if (!atRest && verdict === "down" && prev?.verdict !== "down") return false;
  const sameStretch = prev !== undefined && prev.verdict !== "healthy";
  return sameStretch ? prev.quiet === true : atRest;
}

/**
 * The next kept verdict. A region that was down stays down until every outside observer sees it
 * passing; it is recovering while they reach the success threshold and then for the dwell time,
 * and healthy after that. Times are the holder's own clock; a new holder (another epoch) restarts
 * the dwell rather than read another machine's clock.
 */
function keptVerdict(
  prev: RegionState | undefined,
  evidence: RegionEvidence,
  now: number,
  epoch: number,
  dwellMs: number,
): RegionState {
  const previous =
    prev && prev.epoch !== epoch
      ? {
          ...prev,
          since: now,
          ...(prev.recoveringSince === undefined ? {} : { recoveringSince: now }),
        }
      : prev;
  const keep = (verdict: Verdict, reason: string, recoveringSince?: number): RegionState => {
    const same = prev?.verdict === verdict;
    const since = same ? previous!.since : now;
    // Only an outage is reminded of: a healthy region's time restarts with each holder.
    const firstSince =
      same && verdict === "down" ? Math.min(prev.firstSince ?? prev.since, since) : since;
    return {
      verdict,
      since,
      ...(firstSince === since ? {} : { firstSince }),
      epoch,
      reason,
      ...(recoveringSince === undefined ? {} : { recoveringSince }),
    };
  };
  const wasDown = previous?.verdict === "down" || previous?.verdict === "recovering";
  if (evidence.verdict === "down") return keep("down", evidence.reason);
  // "Recovering" means recovering from a down verdict; a region that was not down is healthy
  // once every observer passes again, even if one of them is still below the success threshold.
  if (!wasDown)
    return evidence.verdict === "recovering"
      ? keep("healthy", evidence.reason)
      : keep(evidence.verdict, evidence.reason);
  // A region that was down recovers only on the word of observers outside it, all of them; while
  // they cannot say, it stays as it was (and its dwell starts again).
  if (evidence.outside.length === 0 || evidence.blocking.length > 0)
    return keep(
      previous!.verdict,
      `no outside observer can confirm a recovery now (${evidence.reason})`,
    );
  if (evidence.verdict === "recovering") return keep("recovering", evidence.reason);
  // Only a down verdict makes a region down; anything else short of healthy holds it where it was
  // and restarts its dwell (a split view must never turn into an action).
  if (evidence.verdict !== "healthy")
    return keep(
      previous!.verdict,
      `${previous!.verdict === "down" ? "still down" : "recovery paused"}: ${evidence.reason}`,
    );
  // The dwell starts once every outside observer has passed the success threshold.
  const recoveringSince = previous?.recoveringSince ?? now;
  const dwelt = now - recoveringSince;
  if (dwelt >= dwellMs) return keep("healthy", evidence.reason);
  const left = Math.ceil((dwellMs - dwelt) / 1000);
  return keep(
    "recovering",
    `${evidence.reason}; healthy after the dwell time (${left} s left)`,
    recoveringSince,
  );
}
