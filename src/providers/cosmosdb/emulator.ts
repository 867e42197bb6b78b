// Cosmos DB accounts as the sandbox's ARM emulator serves them (Microsoft.DocumentDB, 2026-03-15):
// the account's GET with its write, read and all locations; the planned change of write region
// (failoverPriorityChange) and the forced one (offlineRegion) as long-running operations that
// lock the account while they run. Tests and the sandbox can lose a region (its data plane goes
// down: its gateway stops answering; nothing else in ARM's view of the account changes, as in
// Azure, but the gateway's address, the emulator's stand-in for a network that does not answer)
// and bring it back.
//
// From the spec (openapi.json 2026-03-15, test/specs/cosmosdb/) and Azure's docs (sources in
// docs/data-cosmosdb.md):
// - failoverPriorityChange takes every region of the account, priorities unique from 0 (the write
//   region) to n-1; it answers 202 with Azure-AsyncOperation, Location and Retry-After;
// - a change of write region needs the old and the new write region up (Azure checks consistency
//   between them first): with either lost, the operation is accepted and then fails here (the
//   docs say it "will not succeed" during an outage; how it fails is not documented);
// - offlineRegion of the write region gives writes to the online read region next by failover
//   priority, in seconds; the offline region leaves the read and write locations (the account
//   then serves from the others) and comes back only when brought online;
// - one operation at a time: another change while one runs is refused with 412 PreconditionFailed,
//   "There is another user operation in progress which requires an exclusive lock"
//   (hashicorp/terraform-provider-azurerm#15842 shows Cosmos DB's words);
// - an account with multiple write regions lists every online region as a write location.
import type { Reply, RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, lower, RG } from "../../sandbox/arm/kit.js";
import { integer, onlyKeys } from "../../sandbox/arm/body.js";
import { COSMOSDB_API_VERSION, COSMOSDB_OPERATIONS } from "./operations.js";

export const API_VERSIONS = [COSMOSDB_API_VERSION] as const;

export interface AccountSpec {
  readonly id: string;
  /** Its locations as Cosmos DB names them ("West Europe"), by failover priority: the first writes. */
  readonly locations: readonly string[];
  readonly multipleWriteLocations?: boolean;
  /** Service-managed failover (`enableAutomaticFailover`); false unless said. */
  readonly automaticFailover?: boolean;
}

interface Region {
  readonly name: string;
  priority: number;
  /** Taken offline (offlineRegion): out of the read and write locations. */
  offline: boolean;
  /** Lost in an outage: its data plane is down; ARM's view of the account does not show it. */
  lost: boolean;
}

interface Pending {
  readonly doneAt: number;
  readonly apply?: () => void;
}

interface Account {
  readonly id: string;
  readonly name: string;
  /** Where the account lives (its `location`): the first region it was made with. */
  readonly home: string;
  readonly multiWrite: boolean;
  readonly automaticFailover: boolean;
  readonly regions: Region[];
  pending?: Pending;
}

const ACCOUNT = `^(${RG.slice(1)}microsoft\\.documentdb\\/databaseaccounts\\/[^/]+)`;

/** A loopback port nothing listens on (binding it takes privileges no test has given away). */
const NO_ANSWER_PORT = 1;

/** Cosmos DB's location key: its name without spaces, lower-case ("westeurope"). */
const keyOf = (name: string) => name.replace(/\s+/g, "").toLowerCase();

export class CosmosDbService extends ArmService {
  readonly kind = "cosmosdb";
  readonly namespace = "microsoft.documentdb";
  readonly apiVersions = API_VERSIONS;
  readonly #accounts = new Map<string, Account>();

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addAccount(spec: AccountSpec): void {
    this.#accounts.set(lower(spec.id), {
      id: spec.id,
      name: spec.id.split("/").at(-1)!,
      home: spec.locations[0]!,
      multiWrite: spec.multipleWriteLocations ?? false,
      automaticFailover: spec.automaticFailover ?? false,
      regions: spec.locations.map((name, priority) => ({
        name,
        priority,
        offline: false,
        lost: false,
      })),
    });
  }

  /** A region's outage begins (its data plane is down) or ends. ARM's view does not change. */
  setLost(accountId: string, location: string, lost: boolean): void {
    this.#region(this.#account(accountId), location).lost = lost;
  }

  /** Brings an offline region back as a read region (what Microsoft does after an outage). */
  bringOnline(accountId: string, location: string): void {
    const account = this.#account(accountId);
    const region = this.#region(account, location);
    region.offline = false;
    region.lost = false;
    region.priority = Math.max(...account.regions.map((r) => r.priority)) + 1;
    renumber(account);
  }

  /** The region that takes writes (single-write accounts), as Cosmos DB names it. */
  writeRegion(accountId: string): string | undefined {
    this.settle(Date.now());
    return writerOf(this.#account(accountId))?.name;
  }

  /** Whether an operation runs on the account. */
  busy(accountId: string): boolean {
    this.settle(Date.now());
    return this.#account(accountId).pending !== undefined;
  }

  #account(id: string): Account {
    const account = this.#accounts.get(lower(id));
    if (!account) throw new Error(`no emulated Cosmos DB account ${id}`);
    return account;
  }

  #region(account: Account, location: string): Region {
    const region = account.regions.find((r) => keyOf(r.name) === keyOf(location));
    if (!region) throw new Error(`${account.name} has no region ${location}`);
    return region;
  }

  settle(now: number): void {
    for (const account of this.#accounts.values())
      if (account.pending && account.pending.doneAt <= now) {
        const { apply } = account.pending;
        account.pending = undefined;
        apply?.();
      }
  }

  // ---- ARM ----

  readonly routes = [
    {
      pattern: new RegExp(`${ACCOUNT}$`),
      methods: {
        GET: {
          action: COSMOSDB_OPERATIONS.readAccount.action,
          handle: (call: RouteCall): Reply => ({
            status: 200,
            body: this.#accountJson(call.url.origin, this.#accountAt(call)),
          }),
        },
      },
    },
    {
      pattern: new RegExp(`${ACCOUNT}\\/failoverprioritychange$`),
      methods: {
        POST: {
          action: COSMOSDB_OPERATIONS.failoverPriorityChange.action,
          resource: (call: RouteCall) => call.path.slice(0, call.match[1]!.length),
          handle: (call: RouteCall) => this.#priorityChange(call, this.#accountAt(call)),
        },
      },
    },
    {
      pattern: new RegExp(`${ACCOUNT}\\/offlineregion$`),
      methods: {
        POST: {
          action: COSMOSDB_OPERATIONS.offlineRegion.action,
          resource: (call: RouteCall) => call.path.slice(0, call.match[1]!.length),
          handle: (call: RouteCall) => this.#offline(call, this.#accountAt(call)),
        },
      },
    },
  ];

  #accountAt(call: RouteCall): Account {
    return this.resourceAt(this.#accounts, call.path.slice(0, call.match[1]!.length));
  }

  /**
   * A region's gateway (`documentEndpoint`): in Azure https://{account}-{location}.documents.azure.com;
   * here a path of the emulator itself, which answers (401, as a gateway asked without a key),
   * or, for a lost region, a loopback port nothing listens on, which does not.
   */
  #gateway(origin: string, account: Account, region: Region): string {
    return region.lost
      ? `https://127.0.0.1:${NO_ANSWER_PORT}/`
      : `${origin}/cosmos-gateway/${account.name}-${keyOf(region.name)}/`;
  }

  #locationJson(origin: string, account: Account, region: Region) {
    return {
      id: `${account.name}-${keyOf(region.name)}`,
      locationName: region.name,
      documentEndpoint: this.#gateway(origin, account, region),
      provisioningState: account.pending ? "Updating" : "Succeeded",
      failoverPriority: region.priority,
      isZoneRedundant: false,
    };
  }

  #accountJson(origin: string, account: Account) {
    const ordered = [...account.regions].sort((a, b) => a.priority - b.priority);
    const online = ordered.filter((r) => !r.offline);
    const writer = writerOf(account);
    const writers = account.multiWrite ? online : writer ? [writer] : [];
    const location = (r: Region) => this.#locationJson(origin, account, r);
    return {
      id: account.id,
      name: account.name,
      location: account.home,
      type: "Microsoft.DocumentDB/databaseAccounts",
      kind: "GlobalDocumentDB",
      tags: {},
      properties: {
        provisioningState: account.pending ? "Updating" : "Succeeded",
        documentEndpoint: `https://${account.name}.documents.azure.com:443/`,
        databaseAccountOfferType: "Standard",
        enableAutomaticFailover: account.automaticFailover,
        enableMultipleWriteLocations: account.multiWrite,
        consistencyPolicy: {
          defaultConsistencyLevel: "Session",
          maxIntervalInSeconds: 5,
          maxStalenessPrefix: 100,
        },
        writeLocations: writers.map(location),
        readLocations: online.map(location),
        locations: ordered.map(location),
        failoverPolicies: ordered.map((r) => ({
          id: `${account.name}-${keyOf(r.name)}`,
          locationName: r.name,
          failoverPriority: r.priority,
        })),
      },
    };
  }

  /** One operation at a time on an account, as Cosmos DB locks it. */
  #lock(account: Account): void {
    if (account.pending)
      throw new ArmReply(
        412,
        "PreconditionFailed",
        `There is another user operation in progress which requires an exclusive lock on [${account.name}]. Please retry after sometime.`,
      );
  }

  #begin(call: RouteCall, account: Account, apply: () => void, error?: string) {
    const ms = this.kit.timings.operationMs;
    const failure = error === undefined ? undefined : { code: "BadRequest", message: error };
    const headers = this.kit.operation(
      call.url,
      "Microsoft.DocumentDB",
      keyOf(account.home),
      ms,
      failure,
    );
    account.pending = { doneAt: Date.now() + ms, ...(failure ? {} : { apply }) };
    if (ms <= 0) this.settle(Date.now());
    return { status: 202, headers };
  }

  #priorityChange(call: RouteCall, account: Account) {
    const body = onlyKeys(call.body ?? {}, new Set(["failoverPolicies"]), "FailoverPolicies");
    const policies = body["failoverPolicies"];
    if (!Array.isArray(policies))
      throw new ArmReply(400, "BadRequest", "The 'failoverPolicies' of the request are required.");
    const wanted = new Map<string, number>();
    for (const [i, p] of policies.entries()) {
      const policy = onlyKeys(p, new Set(["locationName", "failoverPriority"]), "FailoverPolicy");
      const name = policy["locationName"];
      const priority = integer(
        policy["failoverPriority"],
        `failoverPolicies[${i}].failoverPriority`,
        0,
        account.regions.length - 1,
      );
      if (typeof name !== "string" || priority === undefined)
        throw new ArmReply(
          400,
          "BadRequest",
          `failoverPolicies[${i}] needs a locationName and a failoverPriority.`,
        );
      if (!account.regions.some((r) => keyOf(r.name) === keyOf(name)))
        throw new ArmReply(
          400,
          "BadRequest",
          `Location '${name}' is not a region of database account '${account.name}'.`,
        );
      wanted.set(keyOf(name), priority);
    }
    const priorities = [...wanted.values()];
    if (wanted.size !== account.regions.length || new Set(priorities).size !== priorities.length)
      throw new ArmReply(
        400,
        "BadRequest",
        `Failover priorities must list every region of database account '${account.name}' once (${account.regions.map((r) => r.name).join(", ")}), with unique values from 0 to ${account.regions.length - 1}.`,
      );
    this.#lock(account);
    const writer = writerOf(account);
    const next = account.regions.find((r) => wanted.get(keyOf(r.name)) === 0)!;
    const moves = writer !== undefined && writer !== next;
    const lost = [writer, next].filter((r) => r !== undefined && (r.lost || r.offline));
    const error =
      moves && lost.length > 0
        ? `Failed to change the write region of '${account.name}': ${lost.map((r) => r!.name).join(" and ")} did not answer the consistency check between the old and the new write region.`
        : undefined;
    return this.#begin(
      call,
      account,
      () => {
        for (const r of account.regions) r.priority = wanted.get(keyOf(r.name))!;
      },
      error,
    );
  }

  #offline(call: RouteCall, account: Account) {
    const body = onlyKeys(call.body ?? {}, new Set(["region"]), "RegionForOnlineOffline");
    const name = body["region"];
    if (typeof name !== "string")
      throw new ArmReply(400, "BadRequest", "The 'region' of the request is required.");
    const region = account.regions.find((r) => keyOf(r.name) === keyOf(name));
    if (!region)
      throw new ArmReply(
        400,
        "BadRequest",
        `Region '${name}' is not a region of database account '${account.name}'.`,
      );
    if (region.offline)
      throw new ArmReply(
        400,
        "BadRequest",
        `Region '${region.name}' of database account '${account.name}' is already offline.`,
      );
    if (account.regions.filter((r) => !r.offline).length < 2)
      throw new ArmReply(
        400,
        "BadRequest",
        `Region '${region.name}' is the only online region of database account '${account.name}'.`,
      );
    this.#lock(account);
    return this.#begin(call, account, () => {
      region.offline = true;
      // The offline region goes to the back of the line; the next online region moves up.
      region.priority = Infinity;
      renumber(account);
    });
  }
}

/** The write region of a single-write account: the online region first by priority. */
function writerOf(account: Account): Region | undefined {
  if (account.multiWrite) return undefined;
  return [...account.regions].filter((r) => !r.offline).sort((a, b) => a.priority - b.priority)[0];
}

/** Priorities back to 0..n-1, online regions first, each keeping its order. */
function renumber(account: Account): void {
  const ordered = [...account.regions].sort(
    (a, b) => Number(a.offline) - Number(b.offline) || a.priority - b.priority,
  );
  ordered.forEach((r, i) => (r.priority = i));
}

const create: ServiceFactory = (kit) => new CosmosDbService(kit);
export default create;
