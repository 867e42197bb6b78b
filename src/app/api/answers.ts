// The shapes the API answers with, one type per answer. The API writes them and the CLI reads
// them through these same types, so the two cannot drift apart.
import type { Incident } from "../../core/incident.js";
import type { ActionRecord, PauseState, RefusedCalls } from "../../ports/state-store.js";
import type { DrillResult, Plan } from "../planner.js";
import type { IncidentDetail } from "../read-models.js";
import type { StatusView } from "../status.js";
import type { ErrorBody } from "./http.js";

export type { DrillResult, ErrorBody, IncidentDetail, Plan, StatusView };

/** 202: a failover or failback became an incident for the lease holder. */
export interface CommandAccepted {
  readonly incident: string;
  readonly group: string;
  /** A retry with the same Idempotency-Key: the incident the first request opened. */
  readonly repeated: boolean;
  /** Where to follow it: GET this path. */
  readonly status: string;
}

/** 200: what a failover or failback would do (dryRun: true). */
export interface DryRunAnswer {
  readonly dryRun: true;
  readonly plan: Plan;
}

/** 200: pause or resume. */
export interface PauseAnswer {
  readonly paused: Omit<PauseState, "etag">;
}

/**
 * A command for every group (`POST /api/all/{command}`): each group's answer as that group alone
 * would have had it, with its HTTP status as `httpStatus`.
 */
export interface AllGroupsAnswer {
  readonly groups: Readonly<
    Record<
      string,
      { readonly httpStatus: number } & Partial<CommandAccepted & DryRunAnswer & ErrorBody>
    >
  >;
}

export interface IncidentsAnswer {
  readonly incidents: readonly Incident[];
}

/** A page of a read that goes back in time, newest first. */
export interface PageAnswer<T> {
  readonly entries: readonly T[];
  /** The cursor of the next (older) page, and the path that fetches it. */
  readonly next?: string;
  readonly nextUrl?: string;
}

/** `GET /api/audit`. */
export type AuditAnswer = PageAnswer<ActionRecord>;

/** `GET /api/audit/refused`: refused calls counted per caller and minute, newest minute first. */
export type RefusedAnswer = PageAnswer<RefusedCalls>;
