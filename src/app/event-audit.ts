// The audit rows, derived from events (ADR 26): a fenced step's intent and outcome, a safety
// rule's refusal, a channel disabled or enabled again, and an operator's command (its intent,
// and whether it was accepted, refused or failed, with who asked and from where). Each row carries
// its event's id. The row is written before the event is published, and awaited: a step's or a
// command's intent must be on record before it changes anything.
import { disabledSummary } from "../core/channel-alerts.js";
import { errorText } from "../core/errors.js";
import type { EventBody, EventOf, TandemEvent } from "../core/events.js";
import type { ActionRecord } from "../ports/audit-store.js";
import { publish, stamp } from "./emit.js";
import { printable } from "./printable.js";
import type { Runtime } from "./runtime.js";
import { holderId } from "./runtime.js";

/** An event's audit row, and what is logged if it cannot be written (where it belongs, why). */
interface Audited {
  readonly row: ActionRecord;
  readonly unwritten: (problem: string) => { level: "warn" | "error"; text: string };
}

/** The audit row an event calls for, if any. `actor`: the lease holder id of its process. */
function auditOf(e: TandemEvent, actor: string): Audited | undefined {
  const base = { at: e.at, epoch: e.epoch ?? 0, event: e.id };
  switch (e.type) {
    case "action.started":
    case "action.done":
    case "action.failed":
    case "action.refused": {
      const outcome = e.type.slice("action.".length) as ActionRecord["outcome"];
      return {
        row: {
          ...base,
          actor: e.actor,
          name: e.name,
          outcome,
          ...(e.group === undefined ? {} : { group: e.group }),
          ...(e.incident === undefined ? {} : { incident: e.incident }),
          ...(e.reason === undefined ? {} : { reason: e.reason }),
        },
        unwritten: (problem) => ({
          level: "error",
          text: `action log: could not record ${outcome} ${e.name} (epoch ${base.epoch}): ${problem}`,
        }),
      };
    }
    case "automation.refused":
      return {
        row: {
          ...base,
          actor,
          name: `rule ${e.rule}`,
          group: e.group,
          outcome: "refused",
          reason: e.reason,
        },
        unwritten: (problem) => ({
          level: "error",
          text: `audit: could not record the refusal for ${e.group}: ${problem}`,
        }),
      };
    case "channel.disabled":
    case "channel.enabled": {
      const disabled = e.type === "channel.disabled";
      // Enabled by a passing test: the test is audited from its command event, with its caller.
      if (!disabled && e.epoch === undefined) return undefined;
      return {
        row: {
          ...base,
          actor,
          name: `alerts: ${disabled ? "disable" : "enable"} channel ${e.channel}`,
          outcome: "done",
          reason: disabled ? disabledSummary(e, e.reason) : e.reason,
        },
        unwritten: (problem) => ({
          level: "warn",
          text: `alerts: could not audit that ${e.channel} is ${disabled ? "disabled" : "enabled"}: ${problem}`,
        }),
      };
    }
    case "command.started":
    case "command.accepted":
    case "command.refused":
    case "command.failed":
      return commandRow(e, base);
    default:
      return undefined;
  }
}

const COMMAND_OUTCOME = {
  "command.started": "started",
  "command.accepted": "done",
  "command.refused": "refused",
  "command.failed": "failed",
} as const;

/** An operator's command: the caller is the actor, and where it asked from is in the detail. */
function commandRow(
  e: EventOf<keyof typeof COMMAND_OUTCOME>,
  base: Pick<ActionRecord, "at" | "epoch" | "event">,
): Audited {
  // A drill is a dry run by its name.
  const dryRun = "dryRun" in e && e.dryRun === true && e.command !== "drill";
  const name = `api ${e.command}${dryRun ? " (dry run)" : ""}`;
  const client = e.client;
  return {
    row: {
      ...base,
      actor: e.by,
      name,
      ...(e.group === undefined ? {} : { group: e.group }),
      outcome: COMMAND_OUTCOME[e.type],
      reason: e.type === "command.refused" ? printable(e.reason, 300) : e.reason,
      ...("incident" in e && e.incident !== undefined ? { incident: e.incident } : {}),
      detail: JSON.stringify({
        via: client?.via ?? "unknown",
        from: client?.address ?? "unknown",
        ...(client?.forwarded === undefined ? {} : { forwarded: client.forwarded }),
        ...("detail" in e ? e.detail : {}),
      }),
    },
    unwritten: (problem) => ({
      level: "error",
      text: `audit: could not record ${name} by ${e.by}: ${problem}`,
    }),
  };
}

/**
 * Writes the audit row derived from a stamped event (a failure is logged, never thrown), then
 * publishes the event; with `recordedOnly`, only once its row is written (a step's intent that is
 * not on record did not happen), and the caller says what failed. `problem`: why the row could
 * not be written.
 */
export async function record(
  rt: Runtime,
  event: TandemEvent,
  options: { readonly recordedOnly?: boolean } = {},
): Promise<{ readonly problem?: string }> {
  const audited = auditOf(event, holderId(rt));
  let problem: string | undefined;
  if (audited)
    try {
      await rt.store.appendAction(audited.row);
    } catch (error) {
      problem = errorText(error);
      const { level, text } = audited.unwritten(problem);
      if (!options.recordedOnly) rt.log[level](text);
    }
  if (problem === undefined || !options.recordedOnly) publish(rt, event);
  return problem === undefined ? {} : { problem };
}

/** Stamps an event, writes its audit row and publishes it (`record`). */
export async function recordEvent(
  rt: Runtime,
  operation: string,
  body: EventBody,
  epoch?: number,
  options: { readonly recordedOnly?: boolean } = {},
): Promise<{ readonly event: TandemEvent; readonly problem?: string }> {
  const event = stamp(rt, operation, body, epoch);
  return { event, ...(await record(rt, event, options)) };
}
