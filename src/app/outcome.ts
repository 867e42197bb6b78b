// What an operator command comes to, the HTTP status that says it, and the events that tell it
// (its audit rows derived from them, app/event-audit.ts).
import type { EventBody } from "../core/events.js";
import type { SafetyRule } from "../core/runbook.js";
import type { Caller } from "./audit.js";
import { clientOf, currentEpoch } from "./audit.js";
import { recordEvent } from "./event-audit.js";
import type { Plan } from "./planner.js";
import { printable } from "./printable.js";
import type { Runtime } from "./runtime.js";

/** What a command's final event tells beyond its outcome, for its audit row. */
interface Told {
  /** What it came to: the command as asked, a plan's outcome, the pause before and after. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Its intent was on record (`command.started`) and its change could not be written. */
  readonly failed?: true;
  readonly incident?: string;
}

export type Outcome = (
  | {
      readonly kind: "accepted";
      readonly group: string;
      readonly incident: string;
      /** A retry with the same idempotency key: the incident it opened the first time. */
      readonly repeated: boolean;
    }
  | { readonly kind: "planned"; readonly plan: Plan }
  | { readonly kind: "done"; readonly detail: object }
  | {
      readonly kind: "conflict";
      readonly message: string;
      readonly incident?: string;
      readonly rule?: SafetyRule;
    }
  | { readonly kind: "not-found"; readonly field: string; readonly message: string }
  /** An Idempotency-Key reused with a different request. */
  | { readonly kind: "unprocessable"; readonly message: string; readonly incident?: string }
  /** Not now: `retryAfterSeconds` says when to ask again (a Retry-After header). */
  | { readonly kind: "unavailable"; readonly message: string; readonly retryAfterSeconds?: number }
) & { readonly told?: Told };

/** The HTTP status an outcome is answered with. */
export function statusOf(outcome: Outcome): number {
  switch (outcome.kind) {
    case "accepted":
      return 202;
    case "planned":
    case "done":
      return 200;
    case "conflict":
      return 409;
    case "not-found":
      return 404;
    case "unprocessable":
      return 422;
    case "unavailable":
      return 503;
  }
}

/**
 * Stamps a command's event with where its caller asked from and the lease's epoch, writes the
 * audit row derived from it, then publishes it (ADR 26). `problem`: the row was not written (with
 * `recordedOnly`, the event was not published either).
 */
async function recordCommand(
  rt: Runtime,
  caller: Caller,
  body: Extract<EventBody, { readonly type: `command.${string}` }>,
  options: { readonly recordedOnly?: boolean } = {},
): Promise<{ readonly problem?: string }> {
  const operation = caller.request ?? `${rt.instance}:api`;
  const epoch = await currentEpoch(rt);
  const told = { ...body, client: clientOf(caller) };
  return recordEvent(rt, operation, told, epoch, options);
}

/** Records a command's intent before its change: false when it could not be (then nothing is). */
export async function sayStarted(
  rt: Runtime,
  caller: Caller,
  intent: {
    readonly command: string;
    readonly group?: string;
    readonly reason: string;
    readonly incident?: string;
  },
): Promise<boolean> {
  const { problem } = await recordCommand(
    rt,
    caller,
    { type: "command.started", ...intent, by: caller.name },
    { recordedOnly: true },
  );
  return problem === undefined;
}

/**
 * Says a command's outcome as an event, its audit row written first: accepted, failed after it
 * started, or refused with the rule if one refused it.
 */
export async function sayCommand(
  rt: Runtime,
  caller: Caller,
  command: string,
  group: string | undefined,
  reason: string,
  outcome: Outcome,
  dryRun = false,
): Promise<void> {
  const { detail, failed, incident } = outcome.told ?? {};
  const base = {
    command,
    ...(group === undefined ? {} : { group }),
    by: caller.name,
    ...(detail === undefined ? {} : { detail }),
  };
  if (outcome.kind === "accepted" || outcome.kind === "planned" || outcome.kind === "done")
    await recordCommand(rt, caller, {
      type: "command.accepted",
      ...base,
      reason: printable(reason, 500),
      ...(outcome.kind === "accepted" ? { incident: outcome.incident } : {}),
      dryRun,
    });
  else if (failed)
    await recordCommand(rt, caller, {
      type: "command.failed",
      command,
      ...(group === undefined ? {} : { group }),
      by: caller.name,
      reason: outcome.message,
      ...(incident === undefined ? {} : { incident }),
    });
  else
    await recordCommand(rt, caller, {
      type: "command.refused",
      ...base,
      reason: outcome.message,
      ...(outcome.kind === "conflict" && outcome.rule ? { rule: outcome.rule } : {}),
      status: statusOf(outcome),
      ...(dryRun ? { dryRun } : {}),
    });
}
