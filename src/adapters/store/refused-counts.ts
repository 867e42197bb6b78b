// What both stores do alike with refused-call counts (ADR 0017): which row a caller's calls go on,
// and how two counts of one row add up.
import { createHash } from "node:crypto";
import type { RefusedCalls } from "../../ports/audit-store.js";

/** The caller's part of a refused-call row's key: a digest of who and from where. */
export function callerKey(actor: string, from: string): string {
  return createHash("sha256").update(`${actor}\n${from}`).digest("hex").slice(0, 20);
}

/** The key part of the row of a minute's callers past its cap (sorts after every digest). */
export const OTHERS = "others";

/** Two counts of one row as one: the later call's description wins. */
export function mergeRefused(a: RefusedCalls, b: RefusedCalls): RefusedCalls {
  const { id: _id, ...last } = b.lastAt >= a.lastAt ? b : a;
  return {
    ...last,
    minute: a.minute,
    actor: a.actor,
    from: a.from,
    count: a.count + b.count,
    firstAt: Math.min(a.firstAt, b.firstAt),
    lastAt: Math.max(a.lastAt, b.lastAt),
  };
}
