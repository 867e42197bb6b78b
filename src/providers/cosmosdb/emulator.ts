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
// - an account with multiple write regions lists every online region as a write location;
// - the percentile metrics of a source and a target region (PercentileSourceTarget_ListMetrics)
//   need a $filter (name.value, timeGrain, startTime, endTime; operator eq); the reply names each
//   metric `<name>-S-<source>-T-<target>` and gives its values per grain (the official example:
//   P10 to P99, in Milliseconds). Here the latency of a region pair is what a test or the sandbox
//   set (`setReplicationLatency`), one value for the last grain of the window; none set, no
//   values (an account whose metrics are not there yet).
import type { RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, RG } from "../../sandbox/arm/kit.js";
import { integer, onlyKeys } from "../../sandbox/arm/body.js";
import { Resources, nameOf, parentPath, reads, route, serve } from "../emulated.js";
import { COSMOSDB_API_VERSION, COSMOSDB_OPERATIONS } from "./operations.js";

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
  /** P99 replication latency (ms) by `source>target` location keys, as set by tests. */
  readonly latencies: Map<string, number>;
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
  readonly apiVersions = [COSMOSDB_API_VERSION] as const;
  readonly #accounts = new Resources<Account>("Cosmos DB account");

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addAccount(spec: AccountSpec): void {
    this.#accounts.put(spec.id, {
      id: spec.id,
      name: nameOf(spec.id),
      home: spec.locations[0]!,
      multiWrite: spec.multipleWriteLocations ?? false,
      automaticFailover: spec.automaticFailover ?? false,
      regions: spec.locations.map((name, priority) => ({
        name,
        priority,
        offline: false,
        lost: false,
      })),
      latencies: new Map(),
    });
  }

  /** The P99 replication latency (ms) from one region to another; undefined: no metrics. */
  setReplicationLatency(
    accountId: string,
    source: string,
    target: string,
    ms: number | undefined,
  ): void {
    const account = this.#account(accountId);
    const key = `${keyOf(this.#region(account, source).name)}>${keyOf(this.#region(account, target).name)}`;
    if (ms === undefined) account.latencies.delete(key);
    else account.latencies.set(key, ms);
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

  /**
   * A region's gateway, asked without a key: 401 `Unauthorized`, "Required Header authorization
   * is missing. Ensure a valid Authorization token is passed." (Cosmos DB's REST API requires the
   * Authorization header on every request; those words are what users of the service report
   * for an unauthenticated GET of `https://{account}.documents.azure.com/`), outside ARM: ARM being slow or throttled leaves it answering. A region
   * lost since its address was read does not answer (the connection is dropped).
   */
  dataPlane(
    _method: string,
    path: string,
  ): { status: number; body: unknown } | "no answer" | undefined {
    const id = /^\/cosmos-gateway\/([^/]+)\/?$/.exec(path)?.[1];
    if (id === undefined) return undefined;
    for (const account of this.#accounts.values())
      for (const region of account.regions)
        if (`${account.name}-${keyOf(region.name)}` === id)
          return region.lost
            ? "no answer"
            : {
                status: 401,
                body: {
                  code: "Unauthorized",
                  message:
                    "Required Header authorization is missing. Ensure a valid Authorization token is passed.",
                },
              };
    return { status: 404, body: { code: "NotFound", message: `no gateway ${id}` } };
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
    return this.#accounts.named(id);
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
    route(`${ACCOUNT}$`, {
      GET: reads(COSMOSDB_OPERATIONS.readAccount, (call) =>
        this.#accountJson(call.url.origin, this.#accountAt(call)),
      ),
    }),
    ...(["failoverPriorityChange", "offlineRegion"] as const).map((verb) =>
      route(`${ACCOUNT}\\/${verb.toLowerCase()}$`, {
        POST: serve(
          COSMOSDB_OPERATIONS[verb],
          (call) =>
            verb === "offlineRegion"
              ? this.#offline(call, this.#accountAt(call))
              : this.#priorityChange(call, this.#accountAt(call)),
          parentPath,
        ),
      }),
    ),
    route(`${ACCOUNT}\\/sourceregion\\/([^/]+)\\/targetregion\\/([^/]+)\\/percentile\\/metrics$`, {
      GET: reads(COSMOSDB_OPERATIONS.readReplicationLatency, (call) =>
        this.#latencyJson(call, this.#accountAt(call)),
      ),
    }),
  ];

  #accountAt(call: RouteCall): Account {
    return this.resourceAt(this.#accounts, parentPath(call));
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

  /** The percentile metrics of the call's region pair over the window its $filter names. */
  #latencyJson(call: RouteCall, account: Account) {
    const [source, target] = [call.match[2]!, call.match[3]!].map((segment) =>
      regionIn(account, decodeURIComponent(segment)),
    );
    const filter = parseFilter(call.url.searchParams.get("$filter"));
    const ms = account.latencies.get(`${keyOf(source!.name)}>${keyOf(target!.name)}`);
    if (ms === undefined || filter.name !== LATENCY_METRIC) return { value: [] };
    const name = `${filter.name}-S-${source!.name}-T-${target!.name}`;
    return {
      value: [
        {
          timeGrain: filter.timeGrain,
          startTime: filter.startTime,
          endTime: filter.endTime,
          unit: "Milliseconds",
          metricValues: [
            // The last whole grain of the window; a median below the P99, as latencies go.
            { timestamp: filter.lastGrain, P50: ms / 2, P99: ms },
          ],
          name: { value: name, localizedValue: name },
        },
      ],
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
    const region = regionIn(account, name);
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

/** The account's region a request names, or the 400 Cosmos DB answers for another. */
function regionIn(account: Account, name: string): Region {
  const region = account.regions.find((r) => keyOf(r.name) === keyOf(name));
  if (!region)
    throw new ArmReply(
      400,
      "BadRequest",
      `Region '${name}' is not a region of database account '${account.name}'.`,
    );
  return region;
}

/** The metric the emulator has values of (the others answer no values). */
const LATENCY_METRIC = "Replication Latency";

/** Grains the emulator knows, in ms (ISO 8601 durations). */
const GRAINS: Readonly<Record<string, number>> = { PT1M: 60_000, PT5M: 300_000, PT1H: 3_600_000 };

/**
 * A metrics `$filter` ("name.value …, startTime, endTime, and timeGrain. The supported operator is
 * eq."), read as leniently as the official example needs (it leaves endTime's quote open).
 */
function parseFilter(filter: string | null) {
  const bad = (what: string) =>
    new ArmReply(400, "BadRequest", `The $filter ${what}: '${filter ?? ""}'.`);
  if (!filter) throw bad("is required");
  const name = /name\.value eq '([^']+)'/.exec(filter)?.[1];
  const timeGrain = /timeGrain eq duration'([^']+)'/.exec(filter)?.[1];
  const startTime = /startTime eq '([^']+)'/.exec(filter)?.[1];
  const endTime = /endTime eq '([^']+)'?/.exec(filter)?.[1];
  if (!name || !timeGrain || !startTime || !endTime)
    throw bad("needs name.value, timeGrain, startTime and endTime, each with eq");
  const grain = GRAINS[timeGrain];
  const [start, end] = [Date.parse(startTime), Date.parse(endTime)];
  if (grain === undefined) throw bad(`has a time grain it does not know (${timeGrain})`);
  if (Number.isNaN(start) || Number.isNaN(end) || end <= start)
    throw bad("needs a startTime before its endTime");
  const lastGrain = new Date(
    Math.max(start, Math.floor(end / grain) * grain - grain),
  ).toISOString();
  return { name, timeGrain, startTime, endTime, lastGrain };
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
