// Which observers are alive, judged without comparing clocks across machines: an observer is
// live while its heartbeat row keeps changing, as seen on the reader's own clock. A reader that
// has just started knows nothing yet and treats every observer with a heartbeat as live until
// the bound has passed on its own clock: waiting for a dead observer's agreement only delays
// action, it never causes one.
import type { Heartbeat, Observation, TickId } from "./observation.js";

export interface PeerSighting {
  readonly tick: TickId;
  /** Reader's clock when this tick of the peer was first seen. */
  readonly since: number;
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
    if (!seen || !sameTick(seen.tick, h.tick)) next.set(h.observer, { tick: h.tick, since: now });
  }
  return next;
}

/** Milliseconds the peer's heartbeat has not changed, on the reader's clock. */
export function unchangedFor(
  memory: PeerMemory,
  observer: string,
  now: number,
): number | undefined {
  const seen = memory.get(observer);
  return seen === undefined ? undefined : now - seen.since;
}

export function isLive(
  memory: PeerMemory,
  observer: string,
  now: number,
  staleAfterMs: number,
): boolean {
  const age = unchangedFor(memory, observer, now);
  return age !== undefined && age <= staleAfterMs;
}

/**
 * An observation counts while it comes from the observer's current process and at most one tick
 * behind its heartbeat (the two rows are read a moment apart).
 */
export function isCurrent(observation: Observation, heartbeat: Heartbeat | undefined): boolean {
  if (!heartbeat || observation.tick.instance !== heartbeat.tick.instance) return false;
  return heartbeat.tick.seq - observation.tick.seq <= 1;
}
