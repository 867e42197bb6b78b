// Traffic Manager as the sandbox's ARM emulator serves it (Microsoft.Network, 2022-04-01): profiles
// with endpoints, unique priorities (1-1000) and weights (1-1000) as the service enforces them,
// PATCH answered synchronously with the endpoint, and each endpoint's monitor status from the
// service's own probes of its target. Its data plane: route() says where DNS answers now.
import type {
  EmulatedService,
  EmulatorKit,
  Reply,
  RouteCall,
  ServiceFactory,
} from "../../sandbox/arm/kit.js";
import { ArmReply, RG, integer, lower, onlyKeys } from "../../sandbox/arm/kit.js";
import type { EndpointTypeName } from "./operations.js";
import { ENDPOINT_TYPES, TM_OPERATIONS, updateEndpoint } from "./operations.js";

export const API_VERSIONS = ["2022-04-01"] as const;

export interface EndpointSpec {
  readonly name: string;
  /** Host name the endpoint points at (also the key for the emulator's `health`). */
  readonly target: string;
  readonly priority: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

interface Endpoint {
  name: string;
  type: EndpointTypeName;
  target: string;
  priority: number;
  weight: number;
  status: "Enabled" | "Disabled";
}

interface Profile {
  id: string;
  name: string;
  endpoints: Endpoint[];
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

export class TrafficManagerService implements EmulatedService {
  readonly kind = "traffic-manager";
  readonly namespace = "microsoft.network";
  readonly apiVersions = API_VERSIONS;
  readonly #kit: EmulatorKit;
  readonly #profiles = new Map<string, Profile>();

  constructor(kit: EmulatorKit) {
    this.#kit = kit;
  }

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addProfile(id: string, endpoints: readonly EndpointSpec[]): void {
    const priorities = new Set(endpoints.map((e) => e.priority));
    if (priorities.size !== endpoints.length) throw new Error(`${id}: priorities must be unique`);
    this.#profiles.set(lower(id), {
      id,
      name: id.split("/").at(-1)!,
      endpoints: endpoints.map((e) => ({
        name: e.name,
        type: "ExternalEndpoints",
        target: e.target,
        priority: e.priority,
        weight: e.weight ?? 1,
        status: e.enabled === false ? "Disabled" : "Enabled",
      })),
    });
  }

  endpoints(profileId: string): readonly Readonly<Endpoint>[] {
    return (this.#profiles.get(lower(profileId))?.endpoints ?? []).map((e) => ({ ...e }));
  }

  /** The endpoint Traffic Manager answers with now (priority routing with its own probes). */
  route(profileId: string): string | undefined {
    const enabled = (this.#profiles.get(lower(profileId))?.endpoints ?? [])
      .filter((e) => e.status === "Enabled")
      .sort((a, b) => a.priority - b.priority);
    return (enabled.find((e) => this.#kit.healthy(e.target)) ?? enabled[0])?.name;
  }

  // ---- ARM ----

  readonly routes = [
    {
      pattern: new RegExp(`${RG}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+$`),
      methods: {
        GET: {
          action: TM_OPERATIONS.readProfile.action,
          handle: (call: RouteCall): Reply => ({
            status: 200,
            body: this.#profileJson(this.#profile(call.path)),
          }),
        },
      },
    },
    {
      pattern: new RegExp(
        `^(${RG.slice(1)}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+)\\/(azureendpoints|externalendpoints|nestedendpoints)\\/([^/]+)$`,
      ),
      methods: {
        GET: {
          action: (call: RouteCall) =>
            updateEndpoint(typeOf(call.match[2]!)).action.replace(/\/write$/, "/read"),
          handle: (call: RouteCall): Reply => {
            const [profile, endpoint] = this.#endpoint(call);
            return { status: 200, body: this.#endpointJson(profile, endpoint) };
          },
        },
        PATCH: {
          action: (call: RouteCall) => updateEndpoint(typeOf(call.match[2]!)).action,
          handle: (call: RouteCall) => this.#patch(call),
        },
        PUT: {
          action: (call: RouteCall) => updateEndpoint(typeOf(call.match[2]!)).action,
          handle: (call: RouteCall) => this.#patch(call),
        },
      },
    },
  ];

  #profile(path: string): Profile {
    const profile = this.#profiles.get(lower(path));
    if (!profile) throw this.#kit.notFound(path);
    return profile;
  }

  #endpoint(call: RouteCall): [Profile, Endpoint] {
    const profile = this.#profile(call.path.slice(0, call.match[1]!.length));
    const type = typeOf(call.match[2]!);
    const endpoint = profile.endpoints.find(
      (e) => lower(e.name) === call.match[3] && e.type === type,
    );
    if (!endpoint) throw this.#kit.notFound(call.path);
    return [profile, endpoint];
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
    const weight = integer(props["weight"], "weight", 1, 1000);
    const status = props["endpointStatus"];
    if (status !== undefined && status !== "Enabled" && status !== "Disabled")
      throw new ArmReply(
        400,
        "BadRequest",
        `The value of 'endpointStatus' is invalid: ${JSON.stringify(status)}. Allowed: Enabled, Disabled.`,
      );
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
    if (status !== undefined) endpoint.status = status;
    return { status: 200, body: this.#endpointJson(profile, endpoint) };
  }

  #endpointJson(profile: Profile, e: Endpoint) {
    return {
      id: `${profile.id}/${e.type}/${e.name}`,
      name: e.name,
      type: `Microsoft.Network/trafficManagerProfiles/${e.type.charAt(0).toLowerCase()}${e.type.slice(1)}`,
      properties: {
        endpointStatus: e.status,
        endpointMonitorStatus:
          e.status === "Disabled"
            ? "Disabled"
            : this.#kit.healthy(e.target)
              ? "Online"
              : "Degraded",
        target: e.target,
        weight: e.weight,
        priority: e.priority,
        endpointLocation: null,
        alwaysServe: "Disabled",
        customHeaders: [],
      },
    };
  }

  #profileJson(profile: Profile) {
    return {
      id: profile.id,
      name: profile.name,
      type: "Microsoft.Network/trafficManagerProfiles",
      location: "global",
      tags: {},
      properties: {
        profileStatus: "Enabled",
        trafficRoutingMethod: "Priority",
        dnsConfig: {
          relativeName: profile.name,
          fqdn: `${profile.name}.trafficmanager.net`,
          ttl: 30,
        },
        monitorConfig: {
          profileMonitorStatus: "Online",
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
