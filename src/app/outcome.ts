// What an operator command comes to, the HTTP status that says it, and the event that tells it.
import type { SafetyRule } from "../core/runbook.js";
import type { Caller } from "./audit.js";
import { emit } from "./emit.js";
import type { Plan } from "./planner.js";
import { printable } from "./printable.js";
import type { Runtime } from "./runtime.js";

export type Outcome =
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
  | { readonly kind: "unavailable"; readonly message: string; readonly retryAfterSeconds?: number };

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

/** Says a command's outcome as an event: accepted, or refused with the rule if one refused it. */
export function sayCommand(
  rt: Runtime,
  caller: Caller,
  command: string,
  group: string | undefined,
  reason: string,
  outcome: Outcome,
  dryRun = false,
): void {
  const operation = caller.request ?? `${rt.instance}:api`;
  const base = { command, ...(group === undefined ? {} : { group }), by: caller.name };
  if (outcome.kind === "accepted" || outcome.kind === "planned" || outcome.kind === "done")
    emit(rt, operation, {
      type: "command.accepted",
      ...base,
      reason: printable(reason, 500),
      ...(outcome.kind === "accepted" ? { incident: outcome.incident } : {}),
      dryRun,
    });
  else
    emit(rt, operation, {
      type: "command.refused",
      ...base,
      reason: outcome.message,
      ...(outcome.kind === "conflict" && outcome.rule ? { rule: outcome.rule } : {}),
      status: statusOf(outcome),
    });
}
