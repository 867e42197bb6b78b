// Front Door Standard/Premium as the sandbox's ARM emulator serves it (Microsoft.Cdn, 2024-02-01):
// origin groups with origins, priority 1-5 and weight 1-1000, PATCH as a long-running operation
// (202 with Azure-AsyncOperation), a 409 while an update of the group runs, and an edge that
// follows a change only after the propagation time. Its data plane: route() says where the edge
// sends a request now (the deployed settings, not the latest).
//
// What the service tells of propagation, as its spec shows it (afdx.json 2024-02-01, examples
// AFDOrigins_Update and AFDOrigins_ListByOriginGroup): `deploymentStatus` is `NotStarted` on the
// 202, on the final 200 and on every read after; users report edge propagation of up to 20
// minutes with no signal in the API. So this emulator says NotStarted always: propagation is seen
// on the data plane only (test/sandbox/arm-conformance.test.ts replays those examples).
import type { Reply, RouteCall, ServiceFactory } from "../../sandbox/arm/kit.js";
import { ArmReply, ArmService, lower, RG } from "../../sandbox/arm/kit.js";
import { enabledState, integer, onlyKeys } from "../../sandbox/arm/body.js";
import { Resources, parentPath, reads, route, serve } from "../emulated.js";
import { FD_OPERATIONS } from "./operations.js";

export const API_VERSIONS = ["2024-02-01"] as const;

export interface OriginSpec {
  readonly name: string;
  readonly hostName: string;
  readonly priority: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

interface OriginSettings {
  priority: number;
  weight: number;
  enabledState: "Enabled" | "Disabled";
}

interface Origin extends OriginSettings {
  id: string;
  name: string;
  hostName: string;
  provisioning: "Succeeded" | "Updating";
  /** What Front Door's edge serves; catches up with the settings at `deployAt`. */
  deployed: OriginSettings;
  deployAt?: number;
  operationDoneAt?: number;
  httpPort: number;
  httpsPort: number;
}

interface OriginGroup {
  id: string;
  name: string;
  origins: Origin[];
}

const ORIGIN_UPDATE_PROPERTIES = new Set([
  "originGroupName",
  "azureOrigin",
  "hostName",
  "httpPort",
  "httpsPort",
  "originHostHeader",
  "priority",
  "weight",
  "sharedPrivateLinkResource",
  "enabledState",
  "enforceCertificateNameCheck",
]);

const GROUP = `^(${RG.slice(1)}microsoft\\.cdn\\/profiles\\/[^/]+\\/origingroups\\/[^/]+)`;

export class FrontDoorService extends ArmService {
  readonly kind = "front-door";
  readonly namespace = "microsoft.cdn";
  readonly apiVersions = API_VERSIONS;
  readonly #groups = new Resources<OriginGroup>("origin group");
  /** When the edge last followed a change, per origin group. */
  readonly #deployedAt = new Map<string, number>();

  // ---- what tests and the sandbox set up and read without going through ARM ----

  addOriginGroup(profileId: string, group: string, origins: readonly OriginSpec[]): void {
    const id = `${profileId}/originGroups/${group}`;
    this.#groups.put(id, {
      id,
      name: group,
      origins: origins.map((o) => {
        const settings: OriginSettings = {
          priority: o.priority,
          weight: o.weight ?? 1000,
          enabledState: o.enabled === false ? "Disabled" : "Enabled",
        };
        return {
          id: `${id}/origins/${o.name}`,
          name: o.name,
          hostName: o.hostName,
          ...settings,
          provisioning: "Succeeded",
          deployed: { ...settings },
          httpPort: 80,
          httpsPort: 443,
        };
      }),
    });
  }

  origins(profileId: string, group: string): readonly Readonly<Origin>[] {
    this.settle(Date.now());
    return (this.#groups.get(lower(`${profileId}/originGroups/${group}`))?.origins ?? []).map(
      (o) => ({ ...o }),
    );
  }

  /** When the edge last followed a change of the group's origins (epoch ms), if it ever did. */
  deployedAt(profileId: string, group: string): number | undefined {
    this.settle(Date.now());
    return this.#deployedAt.get(lower(`${profileId}/originGroups/${group}`));
  }

  /** The origin Front Door's edge sends a request to now: the deployed settings, not the latest. */
  route(profileId: string, group: string): string | undefined {
    this.settle(Date.now());
    const enabled = (this.#groups.get(lower(`${profileId}/originGroups/${group}`))?.origins ?? [])
      .filter((o) => o.deployed.enabledState === "Enabled")
      .sort(
        (a, b) =>
          a.deployed.priority - b.deployed.priority || b.deployed.weight - a.deployed.weight,
      );
    return (enabled.find((o) => this.kit.healthy(o.hostName)) ?? enabled[0])?.name;
  }

  settle(now: number): void {
    for (const g of this.#groups.values())
      for (const o of g.origins) {
        if (o.operationDoneAt !== undefined && o.operationDoneAt <= now) {
          o.operationDoneAt = undefined;
          o.provisioning = "Succeeded";
        }
        if (o.deployAt !== undefined && o.deployAt <= now) {
          this.#deployedAt.set(lower(g.id), o.deployAt);
          o.deployAt = undefined;
          o.deployed = { priority: o.priority, weight: o.weight, enabledState: o.enabledState };
        }
      }
  }

  // ---- ARM ----

  readonly routes = [
    route(`${GROUP}\\/origins$`, {
      GET: reads(FD_OPERATIONS.listOrigins, (call) => {
        const group = this.#group(call);
        return { value: group.origins.map((o) => this.#originJson(group, o)) };
      }),
    }),
    route(`${GROUP}\\/origins\\/([^/]+)$`, {
      GET: reads(FD_OPERATIONS.listOrigins, (call) => this.#originJson(...this.#origin(call))),
      PATCH: serve(FD_OPERATIONS.updateOrigin, (call) => this.#patch(call)),
    }),
  ];

  #group(call: RouteCall): OriginGroup {
    return this.resourceAt(this.#groups, parentPath(call));
  }

  #origin(call: RouteCall): [OriginGroup, Origin] {
    const named = (o: Origin) => lower(o.name) === call.match[2];
    return this.childAt(this.#groups, call, (g) => g.origins, named);
  }

  #patch(call: RouteCall): Reply {
    const [group, origin] = this.#origin(call);
    const top = onlyKeys(call.body ?? {}, new Set(["properties"]), "AFDOriginUpdateParameters");
    const props = onlyKeys(
      top["properties"] ?? {},
      ORIGIN_UPDATE_PROPERTIES,
      "AFDOriginUpdatePropertiesParameters",
    );
    const priority = integer(props["priority"], "priority", 1, 5);
    const httpPort = integer(props["httpPort"], "httpPort", 1, 65535);
    const httpsPort = integer(props["httpsPort"], "httpsPort", 1, 65535);
    const hostName = props["hostName"];
    if (hostName !== undefined && (typeof hostName !== "string" || hostName.length === 0))
      throw new ArmReply(400, "BadRequest", "The value of 'hostName' is invalid.");
    const weight = integer(props["weight"], "weight", 1, 1000);
    const state = enabledState(props["enabledState"], "enabledState");
    // An update while one of the same origin group runs is refused. Whether Front Door
    // Standard/Premium does so for a sibling origin is not documented (classic Front Door
    // answered 409 to concurrent updates of one resource tree): the emulator is the strict case,
    // which the adapter must survive either way.
    const busy = group.origins.find((o) => o.provisioning === "Updating");
    if (busy)
      throw new ArmReply(
        409,
        "Conflict",
        busy === origin
          ? `Origin '${origin.name}' is being updated; retry once the current operation has finished.`
          : `Origin group '${group.name}' has an update in progress (origin '${busy.name}'); retry once it has finished.`,
      );
    if (priority !== undefined) origin.priority = priority;
    if (weight !== undefined) origin.weight = weight;
    if (state !== undefined) origin.enabledState = state;
    if (typeof hostName === "string") origin.hostName = hostName;
    if (httpPort !== undefined) origin.httpPort = httpPort;
    if (httpsPort !== undefined) origin.httpsPort = httpsPort;
    const { operationMs, propagationMs } = this.kit.timings;
    const now = Date.now();
    origin.provisioning = operationMs > 0 ? "Updating" : "Succeeded";
    origin.operationDoneAt = operationMs > 0 ? now + operationMs : undefined;
    origin.deployAt = now + Math.max(operationMs, propagationMs);
    const headers = this.kit.operation(call.url, "Microsoft.Cdn", "global", operationMs);
    return { status: 202, headers, body: this.#originJson(group, origin) };
  }

  #originJson(group: OriginGroup, o: Origin) {
    return {
      id: o.id,
      name: o.name,
      type: "Microsoft.Cdn/profiles/origingroups/origins",
      properties: {
        originGroupName: group.name,
        hostName: o.hostName,
        httpPort: o.httpPort,
        httpsPort: o.httpsPort,
        priority: o.priority,
        weight: o.weight,
        enabledState: o.enabledState,
        enforceCertificateNameCheck: true,
        provisioningState: o.provisioning,
        // As the service reports it (see the top of this file): no signal of propagation.
        deploymentStatus: "NotStarted",
      },
    };
  }
}

const create: ServiceFactory = (kit) => new FrontDoorService(kit);
export default create;
