// The Cosmos DB data lever: reads an account's write region and regions, and moves the write
// region, planned (failoverPriorityChange: no data loss, every region up) or forced (offlineRegion
// of the lost write region: the next region by failover priority takes writes, unreplicated writes
// may be lost). Both return once Azure has accepted the operation; later reads say `changing`
// until it ends. Every failover reads first, sends nothing when the target already takes writes,
// and refuses, saying why and what a person could run, whatever Azure would not do or the store's
// settings do not allow. Asked for it (readiness), a read also gives each read region's replication
// lag from the write region's percentile metrics (lag.ts). See docs/data-cosmosdb.md.
import { createCosmosDBManagement } from "@azure/arm-cosmosdb/api";
import type { CosmosDBManagementContext } from "@azure/arm-cosmosdb/api";
import { RestError } from "@azure/core-rest-pipeline";
import type { DataState } from "../../core/levers.js";
import { DataFailoverRefused } from "../../ports/data-control.js";
import type { ArmConnection, ResourceId } from "../../adapters/azure/arm.js";
import { ArmError, armCall, parseResourceId } from "../../adapters/azure/arm.js";
import type { DataChange } from "../arm-lever.js";
import { ArmDataLever } from "../arm-lever.js";
import type { ACCOUNT } from "./operations.js";
import { COSMOSDB_API_VERSION, COSMOSDB_OPERATIONS, LATENCY_PATH } from "./operations.js";
import type { AccountView } from "./state.js";
import { gatewayAnswers } from "./gateway.js";
import { lagSecondsOf, latencyFilter } from "./lag.js";
import {
  dataStateOf,
  gatewaysOf,
  locationKey,
  nextInLine,
  prioritiesWith,
  readLocations,
  writeLocation,
} from "./state.js";

/** A store of a group that is a Cosmos DB account. */
interface CosmosStore {
  readonly group: string;
  readonly store: string;
  readonly resourceId: string;
  /** Tandem's region to the account's location for it (the group's regions unless configured). */
  readonly locations: ReadonlyMap<string, string>;
  readonly allowDataLoss: boolean;
}

/** A failover the lever will not ask Azure for: why, and what a person could do instead. */
/** The lever's own refusal, before it sent anything (every throw of it comes before #submit). */
class CosmosFailoverRefused extends DataFailoverRefused {
  constructor(message: string, options: { readonly passing?: boolean } = {}) {
    super(message, options);
    this.name = "CosmosFailoverRefused";
  }
}

interface Located {
  readonly store: CosmosStore;
  readonly id: ResourceId;
  /** Location key to Tandem's region. */
  readonly regionOf: ReadonlyMap<string, string>;
}

export class CosmosDataControl extends ArmDataLever<Located, CosmosDBManagementContext> {
  constructor(conn: ArmConnection, stores: readonly CosmosStore[]) {
    super(
      conn,
      createCosmosDBManagement,
      stores.map((store) => [
        [store.group, store.store],
        {
          store,
          id: parseResourceId(store.resourceId),
          regionOf: new Map(
            [...store.locations].map(([region, name]) => [locationKey(name), region]),
          ),
        },
      ]),
      (group, store) =>
        `store ${store} of group ${group} is not a Cosmos DB account Tandem was configured with`,
    );
  }

  protected async readStore(
    located: Located,
    signal: AbortSignal | undefined,
    lag = false,
  ): Promise<DataState> {
    const doing = `read ${located.id.name}`;
    const account = await this.#get(located, doing, signal);
    const lags = lag ? this.#lags(located, account, signal) : undefined;
    return this.#stateOf(located, account, doing, signal, lags);
  }

  /**
   * Each read region's replication lag from the write region, by location key: one metrics read
   * per read region, side by side. A region whose latency cannot be read (no value in the window,
   * a refusal, no answer) is left out, its lag unknown: it never fails the account's read.
   */
  async #lags(
    located: Located,
    account: AccountView,
    signal: AbortSignal | undefined,
  ): Promise<ReadonlyMap<string, number>> {
    const writer = writeLocation(account)?.locationName;
    if (writer === undefined) return new Map();
    // The wall clock, not the runtime's: Azure's metrics are stamped with it.
    const filter = latencyFilter(Date.now());
    const read = async (target: string): Promise<[string, number] | undefined> => {
      try {
        const body = await armCall(
          {
            action: COSMOSDB_OPERATIONS.readReplicationLatency.action,
            resource: located.id.id,
            doing: `read the replication latency of ${located.id.name} from ${writer} to ${target}`,
          },
          this.lever.conn,
          signal,
          (abortSignal) => this.#readLatency(located, writer, target, filter, abortSignal),
        );
        const seconds = lagSecondsOf(body);
        return seconds === undefined ? undefined : [locationKey(target), seconds];
      } catch {
        return undefined;
      }
    };
    const targets = readLocations(account).filter(
      (name) => locationKey(name) !== locationKey(writer),
    );
    const found = await Promise.all(targets.map(read));
    return new Map(found.filter((entry) => entry !== undefined));
  }

  /** The account's state, each online region's gateway asked whether it answers. */
  async #stateOf(
    located: Located,
    account: AccountView,
    doing: string,
    signal?: AbortSignal,
    lags?: Promise<ReadonlyMap<string, number>>,
  ): Promise<DataState> {
    const gateways = [...gatewaysOf(account)];
    const answers = await Promise.all(
      gateways.map(([, endpoint]) =>
        gatewayAnswers(endpoint, {
          ...(this.lever.conn.ca === undefined ? {} : { ca: this.lever.conn.ca }),
          ...(signal === undefined ? {} : { signal }),
        }),
      ),
    );
    // A probe cut short by the caller says nothing about the region.
    if (signal?.aborted) throw new Error(`${doing}: stopped before every region answered`);
    const answered = new Set(gateways.filter((_, i) => answers[i]).map(([key]) => key));
    return dataStateOf(
      account,
      (name) => located.regionOf.get(locationKey(name)) ?? name,
      answered,
      await lags,
    );
  }

  /**
   * A read the lever makes before it sends anything: its failure (a timeout, a 5xx, a 429, the
   * caller's stop) is a refusal before sending, so the data step may ask again after its backoff.
   */
  async #beforeSending<T>(doing: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof CosmosFailoverRefused) throw error;
      throw new CosmosFailoverRefused(
        `${doing}: not sent, the account could not be read first (${error instanceof Error ? error.message : String(error)})`,
        { passing: true },
      );
    }
  }

  protected async change({ located, region, mode, signal }: DataChange<Located>): Promise<void> {
    const { group, store } = located.store;
    const target = located.store.locations.get(region);
    const name = located.id.name;
    if (target === undefined)
      throw new CosmosFailoverRefused(
        `${region} has no copy of store ${store} in group ${group} (its locations: ${[...located.store.locations.keys()].join(", ")})`,
      );
    const doing = `${mode} failover of ${name} to ${target}`;
    if (mode === "forced" && !located.store.allowDataLoss)
      throw new CosmosFailoverRefused(
        `${doing}: refused, store ${store} does not allow data loss (allowDataLoss is false); a planned failover needs the write region up`,
      );
    const account = await this.#beforeSending(doing, () => this.#get(located, doing, signal));
    const writer = writeLocation(account);
    if (writer && locationKey(writer.locationName!) === locationKey(target)) return;
    if (account.enableMultipleWriteLocations === true)
      throw new CosmosFailoverRefused(
        `${doing}: refused, ${name} takes writes in every region (enableMultipleWriteLocations): there is no single write region to move, and clients already write to the nearest region`,
      );
    const state = await this.#beforeSending(doing, () =>
      this.#stateOf(located, account, doing, signal),
    );
    const copy = state.regions[region];
    const primary = state.primary === undefined ? undefined : state.regions[state.primary];
    if (!copy || !copy.reachable)
      throw new CosmosFailoverRefused(
        `${doing}: refused, ${region}'s copy is ${copy ? "unreachable (offline, or its gateway does not answer)" : "not a region of the account"}`,
      );
    // A change already under way is left to Azure's lock to refuse (412, "in progress").
    if (mode === "planned") {
      if (!primary?.reachable)
        throw new CosmosFailoverRefused(
          `${doing}: refused, the write region's copy (${state.primary ?? "none"}) is unreachable: a planned change of write region needs it up (Azure checks consistency between the old and the new write region first); a forced failover is what Azure offers during its outage`,
        );
      await this.#submit(
        located,
        "failoverPriorityChange",
        doing,
        signal,
        prioritiesWith(account, target),
      );
      return;
    }
    if (primary?.reachable)
      throw new CosmosFailoverRefused(
        `${doing}: refused, the write region (${state.primary}) answers: a planned failover loses nothing`,
      );
    const next = nextInLine(account);
    // Azure gives writes to the next online region by failover priority, and priorities cannot
    // be changed during the outage: a target that is not next is refused rather than missed.
    if (!writer || !next || locationKey(next.locationName!) !== locationKey(target))
      throw new CosmosFailoverRefused(
        `${doing}: refused, taking the write region ${writer?.locationName ?? "(none)"} offline would give writes to ${next?.locationName ?? "no region"}, not ${target}; choose ${next?.locationName ?? "another region"}, or order the failover priorities once the outage is over`,
      );
    await this.#submit(located, "offlineRegion", doing, signal, { region: writer.locationName! });
  }

  async #get(located: Located, doing: string, signal?: AbortSignal): Promise<AccountView> {
    const { id } = located;
    const body = await armCall(
      { action: COSMOSDB_OPERATIONS.readAccount.action, resource: id.id, doing },
      this.lever.conn,
      signal,
      (abortSignal) => this.#send(located, "readAccount", abortSignal),
    );
    return (body as { properties?: AccountView } | undefined)?.properties ?? {};
  }

  /**
   * One call through the SDK's client (its pipeline: credential, retries, Tandem's policies) on
   * the operation's path. The SDK's operation functions are not used: their deserialisers and
   * their own copy of @azure/core-lro were 14 KB of the 600 KB package, for three calls of which
   * Tandem reads a few members (docs/data-cosmosdb.md).
   */
  async #send(
    located: Located,
    operation: keyof typeof COSMOSDB_OPERATIONS,
    abortSignal: AbortSignal,
    body?: unknown,
  ): Promise<unknown> {
    const { id } = located;
    const op = COSMOSDB_OPERATIONS[operation];
    // Typed as the account's path: every operation's has the same three parameters.
    const resource = this.lever
      .client(id.subscriptionId)
      .pathUnchecked(op.path as typeof ACCOUNT.path, id.subscriptionId, id.resourceGroup, id.name);
    const request = { queryParameters: { "api-version": COSMOSDB_API_VERSION }, abortSignal };
    const response =
      op.method === "GET"
        ? await resource.get(request)
        : await resource.post({ ...request, contentType: "application/json", body });
    return answerOf(response);
  }

  /** The percentile metrics of the latency from `source` to `target` (Cosmos DB's location names). */
  async #readLatency(
    located: Located,
    source: string,
    target: string,
    filter: string,
    abortSignal: AbortSignal,
  ): Promise<unknown> {
    const { id } = located;
    const response = await this.lever
      .client(id.subscriptionId)
      .pathUnchecked(LATENCY_PATH, id.subscriptionId, id.resourceGroup, id.name, source, target)
      .get({
        queryParameters: { "api-version": COSMOSDB_API_VERSION, $filter: filter },
        abortSignal,
      });
    return answerOf(response);
  }

  /**
   * Sends a change and returns once Azure accepted it (200, 202 or 204: the change takes minutes
   * and later reads say where it stands); a locked account says so.
   */
  async #submit(
    located: Located,
    operation: "failoverPriorityChange" | "offlineRegion",
    doing: string,
    signal: AbortSignal | undefined,
    body: unknown,
  ): Promise<void> {
    const { id } = located;
    try {
      await armCall(
        { action: COSMOSDB_OPERATIONS[operation].action, resource: id.id, doing },
        this.lever.conn,
        signal,
        (abortSignal) => this.#send(located, operation, abortSignal, body),
      );
    } catch (error) {
      if (error instanceof ArmError && error.status === 412)
        throw new ArmError(
          `${error.message} (Cosmos DB runs one operation on an account at a time: the change under way must end first; the next reads say changing until it does)`,
          error.status,
          error.code,
        );
      throw error;
    }
  }
}

/** A reply's body when Azure said yes (2xx), else the error it gave, as the SDK's RestError. */
function answerOf(response: { readonly status: string; readonly body?: unknown }): unknown {
  const status = Number(response.status);
  if (status >= 200 && status < 300) return response.body;
  const error = (response.body as { error?: { code?: string; message?: string } } | undefined)
    ?.error;
  throw new RestError(error?.message ?? `Azure answered ${status}`, {
    statusCode: status,
    ...(error?.code === undefined ? {} : { code: error.code }),
  });
}
