// Azure SQL Database failover groups as the sandbox's ARM emulator serves them (Microsoft.Sql,
// 2020-11-01-preview): a failover group on two logical servers, each server's instance saying its
// own role, its replication state and its partner's role; planned and forced failovers as
// long-running operations; a server made unreachable, as in a lost region.
//
// From the spec (FailoverGroups.json 2020-11-01-preview, test/specs/sql/) and Azure's docs:
// - `failover` and `forceFailoverAllowDataLoss` are POSTs to the failover group on the server that
//   is to become primary ("Fails over from the current primary server to this server"); sent to
//   the primary they are answered 400 FailoverGroupFailoverRequestOnPrimary; both answer 200 or
//   202 (x-ms-long-running-operation);
// - a second operation while one runs is answered 409 FailoverGroupBusy ("Failover Group is busy
//   with another operation");
// - a planned failover "performs full data synchronization ... Failover is only possible when the
//   primary is accessible" (learn.microsoft.com, failover group terminology); PowerShell's
//   Switch-AzSqlDatabaseFailoverGroup calls it one that "will either succeed without losing data
//   or fail and roll back". Here it is accepted, and with the primary unreachable its operation
//   fails after `failoverMs` with PlannedFailoverTimedOut, roles unchanged. Otherwise the primary
//   is demoted at once (its last writes are synchronised) and the partner takes the role when the
//   operation ends: in between, no server says it is primary. That window is this emulator's
//   model: Azure does not document what the instances say mid-failover;
// - a forced failover "immediately switches the secondary to the primary role"; the old primary,
//   "when the outage is mitigated, will automatically reconnect and become a new secondary";
// - an unreachable server is answered 503 (Azure does not document what ARM answers for a server
//   in a lost region; a 5xx or no answer, which the lever treats alike).
import type { Reply, RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, lower, RG } from "../../sandbox/arm/kit.js";
import { SQL_API_VERSION, SQL_OPERATIONS } from "./operations.js";

type Role = "Primary" | "Secondary";

export interface SqlServerSpec {
  readonly id: string;
  /** The server's location as ARM spells it on the failover group (e.g. `North Europe`). */
  readonly location: string;
}

interface Server extends SqlServerSpec {
  readonly name: string;
  reachable: boolean;
}

interface FailoverGroupPair {
  readonly name: string;
  /** Server id (lower-case) to its instance's role and replication state. */
  readonly roles: Map<string, Role>;
  readonly states: Map<string, string>;
  readonly databases: readonly string[];
  /** The failover under way. */
  op?: {
    readonly to: string;
    readonly from: string;
    readonly doneAt: number;
    readonly fails: boolean;
  };
}

const SERVER = `^(${RG.slice(1)}microsoft\\.sql\\/servers\\/[^/]+)`;
const FAILOVER_GROUP = `${SERVER}\\/failovergroups\\/([^/]+)`;

export class SqlService extends ArmService {
  readonly kind = "sql-failover-group";
  readonly namespace = "microsoft.sql";
  readonly apiVersions = [SQL_API_VERSION] as const;
  readonly #servers = new Map<string, Server>();
  /** `${server id}/${name}`, lower-case, to the pair both servers share. */
  readonly #groups = new Map<string, FailoverGroupPair>();
  /** How long a failover's operation runs; the timing profile's `operationMs` unless set. */
  failoverMs: number | undefined;

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addFailoverGroup(spec: {
    readonly name: string;
    readonly primary: SqlServerSpec;
    readonly secondary: SqlServerSpec;
    readonly databases?: readonly string[];
  }): void {
    const pair: FailoverGroupPair = {
      name: spec.name,
      roles: new Map(),
      states: new Map(),
      databases: spec.databases ?? [],
    };
    for (const [s, role] of [
      [spec.primary, "Primary"],
      [spec.secondary, "Secondary"],
    ] as const) {
      const id = lower(s.id);
      if (!this.#servers.has(id))
        this.#servers.set(id, { ...s, name: s.id.split("/").at(-1)!, reachable: true });
      pair.roles.set(id, role);
      pair.states.set(id, "CATCH_UP");
      this.#groups.set(`${id}/${lower(spec.name)}`, pair);
    }
  }

  /** A server's region lost (false) or back (true). */
  setReachable(serverId: string, reachable: boolean): void {
    this.#server(serverId).reachable = reachable;
  }

  /** What a server's instance of the failover group says of its replication (SEEDING...). */
  setReplicationState(serverId: string, name: string, state: string): void {
    this.#pair(serverId, name).states.set(lower(serverId), state);
  }

  /** Each server's role (by server name), as Azure holds it now. */
  roles(serverId: string, name: string): Record<string, Role> {
    this.settle(Date.now());
    const pair = this.#pair(serverId, name);
    return Object.fromEntries(
      [...pair.roles].map(([id, role]) => [this.#servers.get(id)!.name, role]),
    );
  }

  /** Ends every failover under way now, as if its time had passed. */
  finishFailovers(): void {
    for (const pair of this.#groups.values())
      if (pair.op) pair.op = { ...pair.op, doneAt: Date.now() };
  }

  #server(id: string): Server {
    const server = this.#servers.get(lower(id));
    if (!server) throw new Error(`no emulated SQL server ${id}`);
    return server;
  }

  #pair(serverId: string, name: string): FailoverGroupPair {
    const pair = this.#groups.get(`${lower(serverId)}/${lower(name)}`);
    if (!pair) throw new Error(`no failover group ${name} on ${serverId}`);
    return pair;
  }

  settle(now: number): void {
    for (const pair of new Set(this.#groups.values())) {
      const op = pair.op;
      if (!op || op.doneAt > now) continue;
      delete pair.op;
      // A planned failover that failed rolls back: the old primary keeps its role.
      pair.roles.set(op.from, op.fails ? "Primary" : "Secondary");
      pair.roles.set(op.to, op.fails ? "Secondary" : "Primary");
    }
  }

  // ---- ARM ----

  readonly routes = [
    {
      pattern: new RegExp(`${FAILOVER_GROUP}$`),
      methods: {
        GET: {
          action: SQL_OPERATIONS.read.action,
          handle: (call: RouteCall): Reply => {
            const [server, pair] = this.#reached(call);
            return { status: 200, body: this.#json(server, pair) };
          },
        },
      },
    },
    {
      pattern: new RegExp(`${FAILOVER_GROUP}\\/(failover|forcefailoverallowdataloss)$`),
      methods: {
        POST: {
          action: (call: RouteCall) =>
            call.match[3] === "failover"
              ? SQL_OPERATIONS.failover.action
              : SQL_OPERATIONS.forceFailover.action,
          resource: (call: RouteCall) => call.path.slice(0, call.path.lastIndexOf("/")),
          handle: (call: RouteCall) => this.#failover(call, call.match[3] === "failover"),
        },
      },
    },
  ];

  /** The server a call names and its failover group; 404 when missing, 503 when unreachable. */
  #reached(call: RouteCall): [Server, FailoverGroupPair] {
    const serverPath = call.path.slice(0, call.match[1]!.length);
    const server = this.resourceAt(this.#servers, serverPath);
    const pair = this.resourceAt(this.#groups, `${serverPath}/${call.match[2]}`);
    if (!server.reachable)
      throw new ArmReply(
        503,
        "ServiceUnavailable",
        `The server '${server.name}' is not available: its region does not answer. Retry later.`,
      );
    return [server, pair];
  }

  #json(server: Server, pair: FailoverGroupPair) {
    const id = lower(server.id);
    const partners = [...pair.roles.keys()].filter((p) => p !== id);
    return {
      id: `${server.id}/failoverGroups/${pair.name}`,
      name: pair.name,
      type: "Microsoft.Sql/servers/failoverGroups",
      location: server.location,
      properties: {
        readWriteEndpoint: { failoverPolicy: "Manual" },
        readOnlyEndpoint: { failoverPolicy: "Disabled" },
        replicationRole: pair.roles.get(id),
        replicationState: pair.states.get(id),
        partnerServers: partners.map((p) => {
          const partner = this.#servers.get(p)!;
          return { id: partner.id, location: partner.location, replicationRole: pair.roles.get(p) };
        }),
        databases: pair.databases.map((db) => `${server.id}/databases/${db}`),
      },
    };
  }

  #failover(call: RouteCall, planned: boolean): Reply {
    const [server, pair] = this.#reached(call);
    const to = lower(server.id);
    if (pair.op)
      throw new ArmReply(
        409,
        "FailoverGroupBusy",
        `Failover Group is busy with another operation: a failover to '${this.#servers.get(pair.op.to)!.name}' is in progress.`,
      );
    if (pair.roles.get(to) === "Primary")
      throw new ArmReply(
        400,
        "FailoverGroupFailoverRequestOnPrimary",
        "The failover request should be initiated on the secondary server of failover group.",
      );
    const from = [...pair.roles.keys()].find((id) => id !== to)!;
    const ms = this.failoverMs ?? this.kit.timings.operationMs;
    const fails = planned && !this.#servers.get(from)!.reachable;
    pair.op = { to, from, doneAt: Date.now() + ms, fails };
    if (!planned) pair.roles.set(to, "Primary");
    if (!fails) pair.roles.set(from, "Secondary");
    const error = fails
      ? {
          code: "PlannedFailoverTimedOut",
          message:
            "User invoked planned failover, and it timed out while trying to contact the partner management service.",
        }
      : undefined;
    return {
      status: 202,
      headers: this.kit.operation(
        call.url,
        "Microsoft.Sql",
        locationCode(server.location),
        ms,
        error,
      ),
    };
  }
}

/** `North Europe` as ARM spells it in URLs: `northeurope`. */
const locationCode = (location: string) => lower(location).replace(/\s+/g, "");

const create: ServiceFactory = (kit) => new SqlService(kit);
export default create;
