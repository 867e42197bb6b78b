// Who asks the operator surface for something, and from where. An operator's command is audited
// from its events (app/event-audit.ts), which carry the caller's name, where it asked from, and
// the lease's epoch at the time.
import type { RequestClient } from "../core/events.js";
import type { Runtime } from "./runtime.js";

export interface Caller {
  readonly name: string;
  readonly via: string;
  /** Where the request came from: the client address as the platform states it. */
  readonly address?: string;
  /** The whole X-Forwarded-For chain, when it says more than the address (its end, if long). */
  readonly forwarded?: string;
  /** The request's id: the operation its events and audit entries belong to. */
  readonly request?: string;
}

export async function currentEpoch(rt: Runtime): Promise<number> {
  try {
    return (await rt.store.readLease())?.record.epoch ?? 0;
  } catch {
    return 0;
  }
}

/** Where the caller asked from, as its command's events carry it for the audit row alone. */
export function clientOf(caller: Caller): RequestClient {
  return {
    via: caller.via,
    ...(caller.address === undefined ? {} : { address: caller.address }),
    ...(caller.forwarded === undefined ? {} : { forwarded: caller.forwarded }),
  };
}
