// Which observers are alive, judged without comparing clocks across machines: an observer is
// live while its heartbeat row keeps changing, as seen on the reader's own clock.
//
// A reader that has just started, or has seen a peer's heartbeat only once, does not know yet:
// the peer's liveness is "unknown" until the reader sees the heartbeat change (live) or stay put
// for the bound (stale). An observer of unknown liveness can hold back a `down` verdict but never
// help reach one (see verdict.ts), so not knowing only ever delays action.
import type { Heartbeat, Observation, TickId } from "./observation.js";

export type Liveness = "live" | "unknown" | "stale";

export interface PeerSighting {
  readonly tick: TickId;
  /** Reader's clock when this tick of the peer was first seen. */
  readonly since: number;
  /** The reader has seen this peer's heartbeat change at least once. */
  readonly changed: boolean;
}

/** What one reader remembers about its peers' heartbeats, between its ticks. */
export type PeerMemory = ReadonlyMap<string, PeerSighting>;

const sameTick = (a: TickId, b: TickId) => a.instance === b.instance && a.seq === b.seq;

export function rememberPeers(
  memory: PeerMemory,
  heartbeats: readonly Heartbeat[],
  now: number,
): PeerMemory {
  const next = new Map(memory);
  for (const h of heartbeats) {
    const seen = memory.get(h.observer);
    if (!seen) next.set(h.observer, { tick: h.tick, since: now, changed: false });
    else if (!sameTick(seen.tick, h.tick))
      next.set(h.observer, { tick: h.tick, since: now, changed: true });
  }
  return next;
}

/** Milliseconds the peer's heartbeat has not changed, on the reader's clock; undefined if never seen. */
export function unchangedFor(
  memory: PeerMemory,
  observer: string,
  now: number,
): number | undefined {
  const seen = memory.get(observer);
  return seen === undefined ? undefined : now - seen.since;
}

export function livenessOf(
  memory: PeerMemory,
  observer: string,
  now: number,
  staleAfterMs: number,
): Liveness {
  const seen = memory.get(observer);
  if (!seen || now - seen.since > staleAfterMs) return "stale";
  return seen.changed ? "live" : "unknown";
}

/**
 * An observation counts while it comes from the observer's current process and at most one tick
 * behind its heartbeat (the two rows are read a moment apart).
 */
export function isCurrent(observation: Observation, heartbeat: Heartbeat | undefined): boolean {
  if (!heartbeat || observation.tick.instance !== heartbeat.tick.instance) return false;
  return heartbeat.tick.seq - observation.tick.seq <= 1;
}
