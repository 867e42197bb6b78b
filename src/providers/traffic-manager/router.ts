// The Traffic Manager lever: a group's regions are endpoints of one profile (priority routing).
// Priorities are unique within a profile, so a promotion parks the region being promoted on a free
// value first. Every change reads first and writes only what differs, so a retried or resumed
// promotion finishes the job without repeating a write that already took effect.
import type { Endpoint, EndpointType, Profile } from "@azure/arm-trafficmanager";
import { TrafficManagerManagementClient } from "@azure/arm-trafficmanager";
import type { RegionRoute, RoutingState } from "../../core/levers.js";
import { FULL_LEVER } from "../../core/levers.js";
import type { WitnessSignal } from "../../core/verdict.js";
import type { LeverCallOptions } from "../../ports/traffic-router.js";
import type { ArmConnection } from "../../adapters/azure/arm.js";
import { armCall } from "../../adapters/azure/arm.js";
import type { ProfileGroup, StateChange } from "../arm-lever.js";
import { ArmTrafficRouter, membersByRegion } from "../arm-lever.js";
import { TM_OPERATIONS, updateEndpoint } from "./operations.js";

export interface TrafficManagerGroup {
  readonly name: string;
  readonly profileId: string;
  /** Region name to endpoint name. */
  readonly endpoints: ReadonlyMap<string, string>;
}

const MAX_PRIORITY = 1000;

type Located = ProfileGroup<TrafficManagerGroup>;

/** `Microsoft.Network/trafficManagerProfiles/azureEndpoints` → `AzureEndpoints`. */
function endpointType(endpoint: Endpoint): EndpointType {
  const last = endpoint.type?.split("/").at(-1) ?? "";
  const type = last.charAt(0).toUpperCase() + last.slice(1);
  if (type !== "AzureEndpoints" && type !== "ExternalEndpoints" && type !== "NestedEndpoints")
    throw new Error(`endpoint ${endpoint.name} has an unknown type "${endpoint.type}"`);
  return type;
}

export class TrafficManagerRouter extends ArmTrafficRouter<
  TrafficManagerGroup,
  TrafficManagerManagementClient
> {
  constructor(conn: ArmConnection, groups: readonly TrafficManagerGroup[]) {
    super(conn, TrafficManagerManagementClient, groups, "Traffic Manager", FULL_LEVER);
  }

  async #profile(located: Located, doing: string, signal?: AbortSignal): Promise<Profile> {
    const { profile } = located;
    return armCall(
      { action: TM_OPERATIONS.readProfile.action, resource: profile.id, doing },
      this.lever.conn,
      signal,
      (abortSignal) =>
        this.lever
          .client(profile.subscriptionId)
          .profiles.get(profile.resourceGroup, profile.name, {
            abortSignal,
          }),
    );
  }

  /** The group's endpoints by region, in the profile as read. */
  #endpoints(located: Located, profile: Profile): Map<string, Endpoint> {
    return membersByRegion(
      located.group.endpoints,
      profile.endpoints ?? [],
      (name, region, has) =>
        `Traffic Manager profile ${located.profile.name} has no endpoint "${name}" for ${region} (it has: ${has})`,
    );
  }

  async read(group: string, options: LeverCallOptions = {}): Promise<RoutingState> {
    const located = this.lever.get(group);
    const profile = await this.#profile(located, `read ${group}'s routing`, options.abortSignal);
    if (profile.trafficRoutingMethod !== "Priority" && profile.trafficRoutingMethod !== "Weighted")
      throw new Error(
        `Traffic Manager profile ${located.profile.name} routes by ${profile.trafficRoutingMethod}; Tandem drives Priority (or Weighted) profiles`,
      );
    const regions: RegionRoute[] = [...this.#endpoints(located, profile)].map(([region, e]) => ({
      region,
      enabled: e.endpointStatus === "Enabled",
      priority: e.priority ?? MAX_PRIORITY,
      ...(e.weight === undefined ? {} : { weight: e.weight }),
      ...(e.endpointMonitorStatus === undefined ? {} : { monitorStatus: e.endpointMonitorStatus }),
    }));
    // Resolvers keep an answer for the profile's TTL: clients follow a change only after it.
    const ttl = profile.dnsConfig?.ttl;
    return { regions, ...(typeof ttl === "number" && ttl > 0 ? { clientLagMs: ttl * 1000 } : {}) };
  }

  /** Traffic Manager's own view of each region's endpoint, for the witness. */
  async monitorStatus(group: string, options: LeverCallOptions = {}): Promise<Map<string, string>> {
    const located = this.lever.get(group);
    const profile = await this.#profile(
      located,
      `read ${group}'s endpoint monitor`,
      options.abortSignal,
    );
    return new Map(
      [...this.#endpoints(located, profile)].map(([region, e]) => [
        region,
        e.endpointMonitorStatus ?? "Unknown",
      ]),
    );
  }

  async #update(
    located: Located,
    endpoint: Endpoint,
    change: Pick<Endpoint, "priority" | "endpointStatus" | "weight">,
    doing: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const { profile } = located;
    await armCall(
      {
        action: updateEndpoint(endpointType(endpoint)).action,
        resource: endpoint.id ?? profile.id,
        doing,
      },
      this.lever.conn,
      signal,
      (abortSignal) =>
        this.lever.client(profile.subscriptionId).endpoints.update(
          profile.resourceGroup,
          profile.name,
          endpointType(endpoint),
          endpoint.name!,
          // As the official example (Endpoint-PATCH-External-Target) sends it: the endpoint's
          // id, name and type with only the changed properties.
          { id: endpoint.id, name: endpoint.name, type: endpoint.type, ...change },
          { abortSignal },
        ),
    );
  }

  async promote(group: string, region: string, options: LeverCallOptions = {}): Promise<void> {
    const located = this.lever.get(group);
    const doing = `promote ${region} in ${group}`;
    const signal = options.abortSignal;
    const profile = await this.#profile(located, doing, signal);
    const mine = this.#endpoints(located, profile);
    const target = mine.get(region);
    if (!target) throw new Error(`no region ${region} in group ${group}`);
    if (profile.trafficRoutingMethod !== "Priority")
      throw new Error(
        `Traffic Manager profile ${located.profile.name} routes by ${profile.trafficRoutingMethod}: promoting a region changes nothing there; use Priority routing, or weights`,
      );
    const top = Math.min(...[...mine.values()].map((e) => e.priority ?? MAX_PRIORITY));
    const mineSet = new Set(mine.values());
    const ahead = (profile.endpoints ?? []).find(
      (e) =>
        !mineSet.has(e) && e.endpointStatus === "Enabled" && (e.priority ?? MAX_PRIORITY) < top,
    );
    if (ahead)
      throw new Error(
        `endpoint ${ahead.name} of ${located.profile.name} is not one of ${group}'s regions but is enabled at priority ${ahead.priority}, ahead of them: it would keep the traffic; disable it or name it in the configuration`,
      );
    const holder = [...mine.values()].find((e) => e !== target && e.priority === top);
    if (!holder) return; // the target holds the top priority already
    const used = new Set((profile.endpoints ?? []).map((e) => e.priority));
    const free = [...Array(MAX_PRIORITY).keys()]
      .map((i) => MAX_PRIORITY - i)
      .find((p) => !used.has(p));
    if (free === undefined)
      throw new Error(`Traffic Manager profile ${located.profile.name} has no free priority`);
    // Park the target on a free value, give the holder the target's old value, then give the
    // target the top. A swap stopped after any write is finished by the next call from there
    // (the target may then be parked: the holder ends on that parked value instead).
    const old = target.priority ?? MAX_PRIORITY;
    await this.#update(located, target, { priority: free }, doing, signal);
    await this.#update(located, holder, { priority: old }, doing, signal);
    await this.#update(located, target, { priority: top }, doing, signal);
  }

  protected async setState(change: StateChange<Located>): Promise<void> {
    const { located, region, state, doing, signal } = change;
    const profile = await this.#profile(located, doing, signal);
    const endpoint = this.#endpoints(located, profile).get(region);
    if (!endpoint) throw new Error(`no region ${region} in group ${located.group.name}`);
    if (endpoint.endpointStatus === state) return;
    await this.#update(located, endpoint, { endpointStatus: state }, doing, signal);
  }
}

/** Traffic Manager's endpoint monitor status as a witness signal. */
export function witnessSignal(monitorStatus: string): WitnessSignal {
  if (monitorStatus === "Online") return "up";
  if (monitorStatus === "Degraded") return "down";
  // CheckingEndpoint (not probed yet), Disabled, Inactive (profile disabled), Stopped (the Azure
  // resource is stopped), Unmonitored (always serve): Traffic Manager's probes say nothing.
  return "unknown";
}
