// What every lever over Azure Resource Manager holds: the connection, one SDK client per
// subscription (made on first use), and what the configuration gave it by key (a group, or a
// group's region), refused by name when asked for a key it was not given.
import type { ArmConnection, ResourceId, clientOptions } from "../adapters/azure/arm.js";
import { Configured, clientsBySubscription, parseResourceId } from "../adapters/azure/arm.js";
import type { LeverCapabilities, RoutingState } from "../core/levers.js";
import type { LeverCallOptions, TrafficRouter } from "../ports/traffic-router.js";

/** An Azure SDK management client's class: (credential, subscription id, options). */
type ArmClientClass<C> = new (
  credential: ArmConnection["credential"],
  subscriptionId: string,
  options: ReturnType<typeof clientOptions>,
) => C;

export class ArmLever<T, C> {
  readonly conn: ArmConnection;
  readonly client: (subscriptionId: string) => C;
  readonly #configured: Configured<T>;

  constructor(
    conn: ArmConnection,
    Client: ArmClientClass<C>,
    configured: Iterable<readonly [string, T]>,
    missing: (key: string) => string,
  ) {
    this.conn = conn;
    this.client = clientsBySubscription(conn, (c, sub, o) => new Client(c, sub, o));
    this.#configured = new Configured(configured, missing);
  }

  has(key: string): boolean {
    return this.#configured.has(key);
  }

  get(key: string): T {
    return this.#configured.get(key);
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
  protected readonly lever: ArmLever<ProfileGroup<G>, C>;
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
      Client,
      groups.map((group) => [group.name, { group, profile: parseResourceId(group.profileId) }]),
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
