// What every lever over Azure Resource Manager holds: the connection, one SDK client per
// subscription (made on first use), and what the configuration gave it by key (a group, or a
// group's region or store), refused by name when asked for a key it was not given. A traffic
// lever's groups and a data lever's stores add the port's calls on top (ArmTrafficRouter,
// ArmDataLever), each kind writing only what its service does.
import type { ArmConnection, ResourceId, clientOptions } from "../adapters/azure/arm.js";
import { clientsBySubscription, parseResourceId, singleTry } from "../adapters/azure/arm.js";
import type { DataState, LeverCapabilities, RoutingState } from "../core/levers.js";
import type { DataCallOptions, DataControl, DataFailoverMode } from "../ports/data-control.js";
import type { LeverCallOptions, TrafficRouter } from "../ports/traffic-router.js";

/** Makes an Azure SDK management client: (credential, subscription id, options). */
type ArmClientMaker<C> = (
  credential: ArmConnection["credential"],
  subscriptionId: string,
  options: ReturnType<typeof clientOptions>,
) => C;

/** An Azure SDK management client's class, taking what a maker does. */
type ArmClientClass<C> = new (...args: Parameters<ArmClientMaker<C>>) => C;

/** `K` is the key's parts: `[group]`, or `[group, region]`, `[group, store]`. */
export class ArmLever<K extends readonly string[], T, C> {
  readonly conn: ArmConnection;
  readonly client: (subscriptionId: string) => C;
  /**
   * A client whose calls are tried once by the SDK (singleTry): for a read where a server that
   * does not answer is the finding, which the caller retries itself with a timeout of its own.
   * Made on first use: a lever that never asks for it keeps the connection's retries.
   */
  readonly singleTryClient: (subscriptionId: string) => C;
  readonly #configured: ReadonlyMap<string, T>;
  readonly #missing: (...key: K) => string;

  constructor(
    conn: ArmConnection,
    client: ArmClientMaker<C>,
    configured: Iterable<readonly [K, T]>,
    missing: (...key: K) => string,
  ) {
    this.conn = conn;
    this.client = clientsBySubscription(conn, client);
    this.singleTryClient = clientsBySubscription({ ...conn, retry: singleTry(conn) }, client);
    this.#configured = new Map([...configured].map(([key, value]) => [key.join("/"), value]));
    this.#missing = missing;
  }

  has(...key: K): boolean {
    return this.#configured.has(key.join("/"));
  }

  get(...key: K): T {
    const found = this.#configured.get(key.join("/"));
    if (found === undefined) throw new Error(this.#missing(...key));
    return found;
  }
}

/** A group of a traffic lever whose settings name a profile, with the profile's parsed id. */
export interface ProfileGroup<G> {
  readonly group: G;
  readonly profile: ResourceId;
}

/** A change of a region's member's state, as an ARM traffic router makes it. */
export interface StateChange<L> {
  readonly located: L;
  readonly region: string;
  readonly state: "Enabled" | "Disabled";
  /** What is being done, for errors. */
  readonly doing: string;
  readonly signal: AbortSignal | undefined;
}

type NamedProfile = { readonly name: string; readonly profileId: string };

/**
 * A traffic lever over ARM whose groups each name a profile: what it covers, what it can do, and
 * each group with its profile's parsed id (`lever.get(group)`). `title` names the kind in errors.
 */
export abstract class ArmTrafficRouter<G extends NamedProfile, C> implements TrafficRouter {
  protected readonly lever: ArmLever<[group: string], ProfileGroup<G>, C>;
  readonly #can: LeverCapabilities;

  constructor(
    conn: ArmConnection,
    Client: ArmClientClass<C>,
    groups: readonly G[],
    title: string,
    can: LeverCapabilities,
  ) {
    this.lever = new ArmLever(
      conn,
      (credential, subscriptionId, options) => new Client(credential, subscriptionId, options),
      groups.map((group) => [[group.name], { group, profile: parseResourceId(group.profileId) }]),
      (name) => `group ${name} has no ${title} lever`,
    );
    this.#can = can;
  }

  covers(group: string): boolean {
    return this.lever.has(group);
  }

  capabilities(): LeverCapabilities {
    return this.#can;
  }

  abstract read(group: string, options?: LeverCallOptions): Promise<RoutingState>;
  abstract promote(group: string, region: string, options?: LeverCallOptions): Promise<void>;

  setEnabled(
    group: string,
    region: string,
    enabled: boolean,
    options: LeverCallOptions = {},
  ): Promise<void> {
    const doing = `${enabled ? "enable" : "disable"} ${region} in ${group}`;
    const state = enabled ? "Enabled" : "Disabled";
    const located = this.lever.get(group);
    return this.setState({ located, region, state, doing, signal: options.abortSignal });
  }

  /** Sets the region's member's state (`endpointStatus`, `enabledState`), when it differs. */
  protected abstract setState(change: StateChange<ProfileGroup<G>>): Promise<void>;
}

/** A data lever's failover of a store, as an ARM data lever makes it. */
export interface DataChange<L> {
  readonly located: L;
  readonly region: string;
  readonly mode: DataFailoverMode;
  readonly signal: AbortSignal | undefined;
}

/**
 * A data lever over ARM: each store found by its group and name (`lever.get(group, store)`),
 * refused with `missing(group, store)` when the configuration did not give it.
 */
export abstract class ArmDataLever<L, C> implements DataControl {
  protected readonly lever: ArmLever<[group: string, store: string], L, C>;

  constructor(
    conn: ArmConnection,
    client: ArmClientMaker<C>,
    stores: Iterable<readonly [[group: string, store: string], L]>,
    missing: (group: string, store: string) => string,
  ) {
    this.lever = new ArmLever(conn, client, stores, missing);
  }

  covers(group: string, store: string): boolean {
    return this.lever.has(group, store);
  }

  async read(group: string, store: string, options: DataCallOptions = {}): Promise<DataState> {
    return this.readStore(this.lever.get(group, store), options.abortSignal, options.lag ?? false);
  }

  async failover(
    group: string,
    store: string,
    region: string,
    mode: DataFailoverMode,
    options: DataCallOptions = {},
  ): Promise<void> {
    const located = this.lever.get(group, store);
    return this.change({ located, region, mode, signal: options.abortSignal });
  }

  /** The store's state, every copy's as its service tells it (with its lag when `lag`). */
  protected abstract readStore(
    located: L,
    signal: AbortSignal | undefined,
    lag: boolean,
  ): Promise<DataState>;

  /** Begins the failover; returns once Azure has accepted it (or nothing needed changing). */
  protected abstract change(change: DataChange<L>): Promise<void>;
}

/**
 * The lever's member of each region (an endpoint, an origin), found by name, case aside, among
 * all that ARM listed; `missing` says which one is not there, and what is.
 */
export function membersByRegion<M extends { readonly name?: string }>(
  names: ReadonlyMap<string, string>,
  all: readonly M[],
  missing: (name: string, region: string, has: string) => string,
): Map<string, M> {
  const found = new Map<string, M>();
  for (const [region, name] of names) {
    const member = all.find((m) => m.name?.toLowerCase() === name.toLowerCase());
    if (!member)
      throw new Error(missing(name, region, all.map((m) => m.name).join(", ") || "none"));
    found.set(region, member);
  }
  return found;
}
