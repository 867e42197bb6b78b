// What both stores do alike with refused-call counts (ADR 0017): which row a caller's calls go on.
import { createHash } from "node:crypto";
import type { RefusedCalls } from "../../ports/audit-store.js";
import { OTHERS } from "../../ports/audit-store.js";

/** The caller's part of a refused-call row's key: a digest of who and from where. */
export function callerKey(actor: string, from: string): string {
  return createHash("sha256").update(`${actor}\n${from}`).digest("hex").slice(0, 20);
}

/** Counted on the minute's `others` row whatever the room: a process's own overflow. */
export const isOthers = (calls: RefusedCalls) => calls.actor === OTHERS && calls.from === "";
