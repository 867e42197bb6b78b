// Traffic Manager as the sandbox's ARM emulator serves it (Microsoft.Network, 2022-04-01): profiles
// with endpoints, unique priorities (1-1000) and weights (1-1000) as the service enforces them,
// PATCH answered synchronously with the endpoint (as the official example
// Endpoint-PATCH-External-Target shows), and each endpoint's monitor status from the service's
// own probes of its target. Its data plane: route() says where DNS answers now.
//
// The monitor, as "Traffic Manager endpoint monitoring" (learn.microsoft.com) describes it: every
// probe interval the service probes each enabled endpoint; an endpoint is Degraded after more
// than the tolerated number of consecutive failed probes and Online again after one that passes;
// CheckingEndpoint until its first probe after it was added, enabled or retargeted; Disabled when
// its endpointStatus is; Inactive when the profile is disabled; Stopped when the Azure resource
// it points at is stopped; Unmonitored when alwaysServe is on. DNS answers are cached by
// resolvers for the profile's TTL, so a flip is seen only once the TTL has run out. The timings
// (interval, tolerated failures, TTL) are the emulator's profile (src/sandbox/arm/timing.ts); the
// profile's JSON shows Azure's settings (30 s, 3, 60 s).
import type { Reply, RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, lower, RG } from "../../sandbox/arm/kit.js";
import { enabledState, integer, onlyKeys } from "../../sandbox/arm/body.js";
import type { EndpointTypeName } from "./operations.js";
import { Resources, nameOf, reads, route, serve } from "../emulated.js";
import { ENDPOINT_TYPES, TM_OPERATIONS, updateEndpoint } from "./operations.js";

export const API_VERSIONS = ["2022-04-01"] as const;

export interface EndpointSpec {
  readonly name: string;
  /** ExternalEndpoints unless said otherwise. */
  readonly type?: EndpointTypeName;
  /** Host name the endpoint points at (also the key for the emulator's `health`). */
  readonly target: string;
  readonly priority: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

export type MonitorStatus =
  "CheckingEndpoint" | "Online" | "Degraded" | "Disabled" | "Inactive" | "Stopped" | "Unmonitored";

interface Endpoint {
  name: string;
  type: EndpointTypeName;
  target: string;
  priority: number;
  weight: number;
  status: "Enabled" | "Disabled";
  alwaysServe: "Enabled" | "Disabled";
  /** The monitor's view: undefined until the first probe after (re)enabling or retargeting. */
  probed?: "Online" | "Degraded";
  failures: number;
  /** The Azure resource it points at is stopped (AzureEndpoints). */
  targetStopped: boolean;
}

interface Profile {
  id: string;
  name: string;
  enabled: boolean;
  endpoints: Endpoint[];
  nextProbeAt: number;
  /** What resolvers hold: the answer and until when (the DNS TTL). */
  answer?: { endpoint: string | undefined; until: number };
}

const ENDPOINT_PROPERTIES = new Set([
  "targetResourceId",
  "target",
  "endpointStatus",
  "weight",
  "priority",
  "endpointLocation",
  "endpointMonitorStatus",
  "minChildEndpoints",
  "minChildEndpointsIPv4",
  "minChildEndpointsIPv6",
  "geoMapping",
  "subnets",
  "customHeaders",
  "alwaysServe",
]);

const typeOf = (segment: string): EndpointTypeName =>
  ENDPOINT_TYPES.find((t) => lower(t) === segment) ?? "ExternalEndpoints";

export class TrafficManagerService extends ArmService {
  readonly kind = "traffic-manager";
  readonly namespace = "microsoft.network";
  readonly apiVersions = API_VERSIONS;
  readonly #profiles = new Resources<Profile>("Traffic Manager profile");

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addProfile(id: string, endpoints: readonly EndpointSpec[]): void {
    const priorities = new Set(endpoints.map((e) => e.priority));
    if (priorities.size !== endpoints.length) throw new Error(`${id}: priorities must be unique`);
    const profile: Profile = {
      id,
      name: nameOf(id),
      enabled: true,
      nextProbeAt: 0,
      endpoints: endpoints.map((e) => ({
        name: e.name,
        type: e.type ?? "ExternalEndpoints",
        target: e.target,
        priority: e.priority,
        weight: e.weight ?? 1,
        status: e.enabled === false ? "Disabled" : "Enabled",
        alwaysServe: "Disabled",
        failures: 0,
        targetStopped: false,
      })),
    };
    this.#profiles.put(id, profile);
    // Set up as a running profile: its monitor has probed once already.
    this.#probe(profile, Date.now());
  }

  endpoints(profileId: string): readonly (Readonly<Endpoint> & { monitor: MonitorStatus })[] {
    const profile = this.#profiles.get(lower(profileId));
    if (!profile) return [];
    this.settle(Date.now());
    return profile.endpoints.map((e) => ({ ...e, monitor: this.#monitorStatus(profile, e) }));
  }

  /** Disables (or enables) a whole profile, as a person can in the portal. */
  setProfileEnabled(profileId: string, enabled: boolean): void {
    this.#profileOf(profileId).enabled = enabled;
  }

  /** Marks the Azure resource an endpoint points at as stopped (a stopped web app). */
  setTargetStopped(profileId: string, endpoint: string, stopped: boolean): void {
    const e = this.#profileOf(profileId).endpoints.find((x) => lower(x.name) === lower(endpoint));
    if (!e) throw new Error(`no endpoint ${endpoint} in ${profileId}`);
    e.targetStopped = stopped;
  }

  #profileOf(profileId: string): Profile {
    return this.#profiles.named(profileId);
  }

  /**
   * The endpoint a resolver gets for the profile's name now: Traffic Manager's answer (priority
   * routing among the endpoints its monitor does not see degraded), as cached for the DNS TTL.
   */
  route(profileId: string): string | undefined {
    const profile = this.#profiles.get(lower(profileId));
    if (!profile) return undefined;
    const now = Date.now();
    this.settle(now);
    if (profile.answer && profile.answer.until > now) return profile.answer.endpoint;
    const endpoint = this.#answer(profile);
    profile.answer = { endpoint, until: now + this.kit.timings.dnsTtlMs };
    return endpoint;
  }

  #answer(profile: Profile): string | undefined {
    if (!profile.enabled) return undefined;
    const enabled = profile.endpoints
      .filter((e) => e.status === "Enabled")
      .sort((a, b) => a.priority - b.priority);
    // Degraded endpoints are skipped; when all are, Traffic Manager answers as if none were.
    const up = enabled.filter((e) => {
      const status = this.#monitorStatus(profile, e);
      return status !== "Degraded" && status !== "Stopped";
    });
    return (up[0] ?? enabled[0])?.name;
  }

  #monitorStatus(profile: Profile, e: Endpoint): MonitorStatus {
    if (e.status === "Disabled") return "Disabled";
    if (!profile.enabled) return "Inactive";
    if (e.alwaysServe === "Enabled") return "Unmonitored";
    if (e.type === "AzureEndpoints" && e.targetStopped) return "Stopped";
    return e.probed ?? "CheckingEndpoint";
  }

  /** One round of the monitor's probes. */
  #probe(profile: Profile, now: number): void {
    const { probeIntervalMs, toleratedFailures } = this.kit.timings;
    for (const e of profile.endpoints) {
      if (e.status === "Disabled" || !profile.enabled) continue;
      if (this.kit.healthy(e.target)) {
        e.failures = 0;
        e.probed = "Online";
      } else {
        e.failures++;
        // Within the tolerance an endpoint keeps what it showed (CheckingEndpoint if new).
        if (e.failures > toleratedFailures) e.probed = "Degraded";
      }
    }
    profile.nextProbeAt = now + probeIntervalMs;
  }

  settle(now: number): void {
    for (const profile of this.#profiles.values())
      if (profile.nextProbeAt <= now) this.#probe(profile, now);
  }

  // ---- ARM ----

  readonly routes = [
    route(`${RG}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+$`, {
      GET: reads(TM_OPERATIONS.readProfile, (call) => this.#profileJson(this.#profile(call.path))),
    }),
    route(
      `^(${RG.slice(1)}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+)\\/(azureendpoints|externalendpoints|nestedendpoints)\\/([^/]+)$`,
      {
        GET: {
          action: (call) =>
            updateEndpoint(typeOf(call.match[2]!)).action.replace(/\/write$/, "/read"),
          handle: (call) => ({ status: 200, body: this.#endpointJson(...this.#endpoint(call)) }),
        },
        PATCH: serve(
          (call) => updateEndpoint(typeOf(call.match[2]!)),
          (call) => this.#patch(call),
        ),
        PUT: serve(
          (call) => updateEndpoint(typeOf(call.match[2]!)),
          (call) => this.#patch(call),
        ),
      },
    ),
  ];

  #profile(path: string): Profile {
    return this.resourceAt(this.#profiles, path);
  }

  #endpoint(call: RouteCall): [Profile, Endpoint] {
    const type = typeOf(call.match[2]!);
    const named = (e: Endpoint) => lower(e.name) === call.match[3] && e.type === type;
    return this.childAt(this.#profiles, call, (p) => p.endpoints, named);
  }

  #patch(call: RouteCall): Reply {
    const [profile, endpoint] = this.#endpoint(call);
    const top = onlyKeys(
      call.body ?? {},
      new Set(["id", "name", "type", "properties"]),
      "Endpoint",
    );
    const props = onlyKeys(top["properties"] ?? {}, ENDPOINT_PROPERTIES, "EndpointProperties");
    const priority = integer(props["priority"], "priority", 1, 1000);
    const target = props["target"];
    if (target !== undefined && (typeof target !== "string" || target.length === 0))
      throw new ArmReply(400, "BadRequest", "The value of 'target' is invalid.");
    const alwaysServe = enabledState(props["alwaysServe"], "alwaysServe");
    const weight = integer(props["weight"], "weight", 1, 1000);
    const status = enabledState(props["endpointStatus"], "endpointStatus");
    if (
      priority !== undefined &&
      profile.endpoints.some((e) => e !== endpoint && e.priority === priority)
    )
      throw new ArmReply(
        400,
        "BadRequest",
        `Priority ${priority} is already used by another endpoint of profile '${profile.name}'. Endpoint priorities must be unique within a profile.`,
      );
    if (priority !== undefined) endpoint.priority = priority;
    if (weight !== undefined) endpoint.weight = weight;
    // Enabled again or pointed elsewhere: the monitor checks it anew.
    if (
      (status === "Enabled" && endpoint.status === "Disabled") ||
      (typeof target === "string" && target !== endpoint.target)
    ) {
      endpoint.probed = undefined;
      endpoint.failures = 0;
    }
    if (status !== undefined) endpoint.status = status;
    if (typeof target === "string") endpoint.target = target;
    if (alwaysServe !== undefined) endpoint.alwaysServe = alwaysServe;
    return { status: 200, body: this.#endpointJson(profile, endpoint) };
  }

  #endpointJson(profile: Profile, e: Endpoint) {
    return {
      id: `${profile.id}/${e.type}/${e.name}`,
      name: e.name,
      type: `Microsoft.Network/trafficManagerProfiles/${e.type.charAt(0).toLowerCase()}${e.type.slice(1)}`,
      properties: {
        endpointStatus: e.status,
        endpointMonitorStatus: this.#monitorStatus(profile, e),
        target: e.target,
        weight: e.weight,
        priority: e.priority,
        alwaysServe: e.alwaysServe,
        customHeaders: [],
      },
    };
  }

  #profileMonitorStatus(profile: Profile): string {
    if (!profile.enabled) return "Disabled";
    const statuses = profile.endpoints.map((e) => this.#monitorStatus(profile, e));
    if (statuses.every((x) => x === "Disabled")) return "Inactive";
    if (statuses.includes("CheckingEndpoint")) return "CheckingEndpoints";
    return statuses.some((x) => x === "Online" || x === "Unmonitored") ? "Online" : "Degraded";
  }

  #profileJson(profile: Profile) {
    return {
      id: profile.id,
      name: profile.name,
      type: "Microsoft.Network/trafficManagerProfiles",
      location: "global",
      tags: {},
      properties: {
        profileStatus: profile.enabled ? "Enabled" : "Disabled",
        trafficRoutingMethod: "Priority",
        dnsConfig: {
          relativeName: profile.name,
          fqdn: `${profile.name}.trafficmanager.net`,
          ttl: 60,
        },
        monitorConfig: {
          profileMonitorStatus: this.#profileMonitorStatus(profile),
          protocol: "HTTPS",
          port: 443,
          path: "/healthz",
          intervalInSeconds: 30,
          toleratedNumberOfFailures: 3,
          timeoutInSeconds: 10,
        },
        endpoints: profile.endpoints.map((e) => this.#endpointJson(profile, e)),
        trafficViewEnrollmentStatus: "Disabled",
        maxReturn: 0,
      },
    };
  }
}

const create: ServiceFactory = (kit) => new TrafficManagerService(kit);
export default create;
