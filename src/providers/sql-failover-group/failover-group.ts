// The SQL failover group lever: reads the failover group on every server of a store, and asks
// for a failover on the server that is to become primary. Each tick reads both servers, so that a
// lost region's server is seen as unreachable while the other still answers (with its partner's
// role as it last knew it).
//
// What ARM tells, and what it does not (FailoverGroups.json 2020-11-01-preview, test/specs/sql/):
// - each server's instance of the failover group says its own `replicationRole` (Primary or
//   Secondary), its `replicationState` (a free string; Azure's examples show `CATCH_UP`, the
//   synchronising state of SQL geo-replication: PENDING, SEEDING, CATCH_UP, SUSPENDED,
//   sys.dm_geo_replication_link_status) and `partnerServers[]` with each partner's role;
// - no lag: `replication_lag_sec` is only in sys.dm_geo_replication_link_status on the primary
//   database (T-SQL, not ARM), so `lagSeconds` stays undefined (docs/data-sql.md says where it
//   could come from);
// - no "failover in progress" flag: a change is seen as the servers disagreeing on who is primary
//   (a planned failover demotes the primary for its last synchronisation before the partner takes
//   the role), and Azure answers a second failover meanwhile with 409 FailoverGroupBusy.
import type { FailoverGroup, SqlManagementClient as SqlClient } from "@azure/arm-sql";
import { SqlManagementClient } from "@azure/arm-sql";
import type { ArmConnection, ResourceId } from "../../adapters/azure/arm.js";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ARM_DEFAULTS,
  ArmError,
  armCall,
  parseResourceId,
  retryDelayMs,
} from "../../adapters/azure/arm.js";
import type { DataCopy, DataFailoverMode, DataState } from "../../ports/data-control.js";
import { DataFailoverRefused } from "../../ports/data-control.js";
import type { DataChange } from "../arm-lever.js";
import { ArmDataLever } from "../arm-lever.js";
import { SQL_OPERATIONS } from "./operations.js";
import { errorText } from "../../core/errors.js";

/** The replication state in which a secondary may take a planned failover. */
const CAUGHT_UP = "CATCH_UP";

interface SqlStore {
  readonly group: string;
  readonly store: string;
  readonly failoverGroup: string;
  /** Region name to its logical server's resource ID. */
  readonly servers: ReadonlyMap<string, string>;
  /** Whether a forced failover may ever be sent (the store's `allowDataLoss`). */
  readonly allowDataLoss: boolean;
}

interface Located {
  readonly group: string;
  readonly store: string;
  readonly failoverGroup: string;
  readonly servers: ReadonlyMap<string, ResourceId>;
  readonly allowDataLoss: boolean;
}

/** One server's answer: its instance of the failover group, or why it did not answer. */
type View =
  | { readonly region: string; readonly fg: FailoverGroup }
  | { readonly region: string; readonly error: ArmError };

/**
 * Replies that mean the server (or its region) is not answering: a server error that Azure
 * answered, after the SDK's retries. That is the 5xx the SDK itself takes for transient (all but
 * 501 Not Implemented and 505 HTTP Version Not Supported, which say the request is wrong:
 * azure-sdk-for-js core-rest-pipeline, exponentialRetryStrategy.ts), as ARM answers for a lost
 * region's server (503 in the emulator). Anything else fails the read: no status at all (the 30 s
 * call timeout, a dropped connection) says nothing about the server, only that this process did
 * not hear, and a 429 is ARM throttling Tandem. Taken for unreachable, either would let one slow
 * read open the way to a forced failover (docs/data-sql.md).
 */
const unreachable = (error: ArmError) =>
  error.status !== undefined &&
  error.status >= 500 &&
  error.status !== 501 &&
  error.status !== 505 &&
  // Tandem's own cut of a reply that asked to wait longer than a step can (retryAfterCapPolicy):
  // a 503 with a long Retry-After is ARM pacing its callers, not the server's region lost.
  error.code !== "RetryAfterTooLong";

export class SqlFailoverGroupControl extends ArmDataLever<Located, SqlClient> {
  constructor(conn: ArmConnection, stores: readonly SqlStore[]) {
    super(
      conn,
      (credential, subscriptionId, options) =>
        new SqlManagementClient(credential, subscriptionId, options),
      stores.map((s) => [
        [s.group, s.store],
        {
          group: s.group,
          store: s.store,
          failoverGroup: s.failoverGroup,
          servers: new Map([...s.servers].map(([region, id]) => [region, parseResourceId(id)])),
          allowDataLoss: s.allowDataLoss,
        },
      ]),
      (group, store) => `group ${group} has no SQL failover group store ${store}`,
    );
  }

  protected async readStore(located: Located, signal: AbortSignal | undefined): Promise<DataState> {
    const { store } = located;
    const views = await Promise.all(
      [...located.servers].map(([region, server]) => this.#view(located, region, server, signal)),
    );
    const answered = views.filter((v) => "fg" in v);
    if (answered.length === 0)
      throw new Error(
        `no server of failover group ${located.failoverGroup} (store ${store}) answers: ${views
          .map((v) => ("error" in v ? v.error.message : ""))
          .join("; ")}`,
      );
    return stateOf(located, views);
  }

  async #view(
    located: Located,
    region: string,
    server: ResourceId,
    signal: AbortSignal | undefined,
  ): Promise<View> {
    const resource = `${server.id}/failoverGroups/${located.failoverGroup}`;
    const once = () =>
      armCall(
        {
          action: SQL_OPERATIONS.read.action,
          resource,
          doing: `read ${located.store} on ${server.name}`,
        },
        this.lever.conn,
        signal,
        (abortSignal) =>
          this.lever
            .singleTryClient(server.subscriptionId)
            .failoverGroups.get(server.resourceGroup, server.name, located.failoverGroup, {
              abortSignal,
            }),
      );
    // A server that answers with a server error twice in a row is unreachable; one stray 5xx is
    // not, and neither is no answer (that says only that this process did not hear). The second
    // try has its own timeout: while ARM is slow, two tries do not fit in one (ADR 35).
    // A 404 or 403 is the configuration's or the role's fault, not the region's: it fails the read.
    const lost = (error: unknown): error is ArmError =>
      error instanceof ArmError && unreachable(error) && !signal?.aborted;
    try {
      return { region, fg: await once() };
    } catch (first) {
      if (!lost(first)) throw first;
    }
    await sleep(retryDelayMs(this.lever.conn), undefined, signal ? { signal } : {}).catch(() => {});
    try {
      return { region, fg: await once() };
    } catch (second) {
      if (lost(second)) return { region, error: second };
      throw second;
    }
  }

  protected async change({ located, region, mode, signal }: DataChange<Located>): Promise<void> {
    const server = located.servers.get(region);
    if (!server)
      throw new DataFailoverRefused(
        `store ${located.store} in group ${located.group} has no server in ${region}`,
      );
    // The lever's own fresh read decides, whatever the caller read: nothing is sent on an older
    // view, nor when the read fails.
    let state: DataState;
    try {
      state = await this.readStore(located, signal);
    } catch (error) {
      throw new DataFailoverRefused(
        `${located.store} could not be read before asking for its failover, so nothing was sent: ${errorText(error)}`,
        { passing: true },
      );
    }
    if (state.primary === region && !state.changing) return;
    refusal(located, state, region, mode);
    await this.#post(located, server, mode, signal);
  }

  async #post(
    located: Located,
    server: ResourceId,
    mode: DataFailoverMode,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const op = mode === "planned" ? SQL_OPERATIONS.failover : SQL_OPERATIONS.forceFailover;
    const resource = `${server.id}/failoverGroups/${located.failoverGroup}`;
    const doing = `${mode} failover of ${located.store} to ${server.name}`;
    await armCall(
      { action: op.action, resource, doing },
      this.lever.conn,
      signal,
      async (abortSignal) => {
        const groups = this.lever.client(server.subscriptionId).failoverGroups;
        const options = {
          abortSignal,
          updateIntervalInMs: this.lever.conn.pollIntervalMs ?? ARM_DEFAULTS.pollIntervalMs,
        };
        // Accepted is enough (the SDK has polled once): later ticks read the roles.
        const poller =
          mode === "planned"
            ? await groups.beginFailover(
                server.resourceGroup,
                server.name,
                located.failoverGroup,
                options,
              )
            : await groups.beginForceFailoverAllowDataLoss(
                server.resourceGroup,
                server.name,
                located.failoverGroup,
                options,
              );
        if (poller.getOperationState().status === "failed")
          throw poller.getOperationState().error ?? new Error("long-running operation failed");
      },
    );
  }
}

/**
 * Throws why a failover may not be asked for now, if it may not. Nothing is sent while a change
 * runs (the servers disagree on the primary): SQL shows no "in progress" flag, and a second POST
 * could be a second failover. A planned failover needs the primary reachable ("Failover is only
 * possible when the primary is accessible": Azure SQL's failover group docs; asked anyway, Azure
 * accepts it and fails it later with PlannedFailoverTimedOut) and the target caught up. A forced
 * one needs the store's allowDataLoss and a primary whose server does not answer: while it
 * answers, a planned failover loses nothing. Any failover needs the target's server.
 */
function refusal(located: Located, state: DataState, region: string, mode: DataFailoverMode) {
  if (state.changing)
    throw new DataFailoverRefused(
      `a change of ${located.store}'s primary is in progress (its servers do not agree on the primary); nothing is sent until it ends`,
    );
  const target = state.regions[region];
  const name = located.servers.get(region)?.name ?? region;
  if (!target?.reachable)
    throw new DataFailoverRefused(
      `${region}'s server ${name} does not answer; it cannot become the primary of ${located.store}`,
    );
  const primary = state.primary === undefined ? undefined : state.regions[state.primary];
  if (mode === "forced") {
    if (!located.allowDataLoss)
      throw new DataFailoverRefused(
        `a forced failover of ${located.store} may lose writes, and the store does not allow data loss (allowDataLoss is false)`,
      );
    if (primary?.reachable)
      throw new DataFailoverRefused(
        `a forced failover of ${located.store} is refused: its primary's server in ${state.primary} answers, and a planned failover loses nothing`,
      );
    return;
  }
  if (!primary?.reachable)
    throw new DataFailoverRefused(
      `a planned failover of ${located.store} needs its primary (${state.primary ?? "unknown"}) reachable, and its server does not answer: only a forced failover (allowDataLoss) can go ahead`,
    );
  if (!target.caughtUp)
    throw new DataFailoverRefused(
      `${region}'s copy of ${located.store} is ${target.replication ?? "in an unknown state"}, not ${CAUGHT_UP}: a planned failover to it is refused`,
    );
}

/**
 * The store's state from every server's view. Each region's role is what its own server says and
 * what its partners say of it; the primary is the one region all views agree is primary. Views
 * that disagree (both primary, or none) are a change under way.
 */
function stateOf(located: Located, views: readonly View[]): DataState {
  const regionOf = new Map(
    [...located.servers].map(([region, id]) => [id.id.toLowerCase(), region]),
  );
  const claims = new Map<string, Set<string>>();
  const claim = (region: string | undefined, role: string | undefined) => {
    if (region === undefined || role === undefined) return;
    claims.set(region, (claims.get(region) ?? new Set()).add(role));
  };
  for (const v of views) {
    if (!("fg" in v)) continue;
    claim(v.region, v.fg.replicationRole);
    for (const p of v.fg.partnerServers ?? [])
      claim(regionOf.get(p.id.toLowerCase()), p.replicationRole);
  }
  const agreed = (region: string) => {
    const roles = claims.get(region);
    return roles?.size === 1 ? [...roles][0] : undefined;
  };
  const primaries = [...located.servers.keys()].filter((r) => agreed(r) === "Primary");
  const settled = primaries.length === 1 && [...claims.values()].every((roles) => roles.size === 1);
  const primary = settled ? primaries[0] : undefined;
  const regions: Record<string, DataCopy> = {};
  for (const v of views) regions[v.region] = copyOf(v, v.region === primary);
  return { ...(primary === undefined ? {} : { primary }), changing: !settled, regions };
}

function copyOf(view: View, primary: boolean): DataCopy {
  if (!("fg" in view)) return { reachable: false, caughtUp: false };
  if (primary) return { reachable: true, caughtUp: true };
  const replication = view.fg.replicationState;
  return {
    reachable: true,
    ...(replication === undefined ? {} : { replication }),
    caughtUp: replication === CAUGHT_UP,
  };
}
