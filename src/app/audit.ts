// The audit log as the operator surface writes it: who asked for what, from where, with the
// lease's epoch at the time. A failure to audit is logged and reported, never hidden.
import { errorText } from "../core/errors.js";
import type { ActionRecord } from "../ports/state-store.js";
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

/** Appends an operator's action to the audit log; false when it could not be written. */
export async function audit(
  rt: Runtime,
  caller: Caller,
  entry: Omit<ActionRecord, "at" | "actor" | "epoch" | "detail"> & { detail?: object },
): Promise<boolean> {
  const { detail, ...rest } = entry;
  try {
    await rt.store.appendAction({
      ...rest,
      at: rt.clock.now(),
      actor: caller.name,
      epoch: await currentEpoch(rt),
      detail: JSON.stringify({
        via: caller.via,
        from: caller.address ?? "unknown",
        ...(caller.forwarded === undefined ? {} : { forwarded: caller.forwarded }),
        ...detail,
      }),
    });
    return true;
  } catch (error) {
    rt.log.error(`audit: could not record ${entry.name} by ${caller.name}: ${errorText(error)}`);
    return false;
  }
}
