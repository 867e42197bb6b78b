// An emulated Azure Resource Manager for the levers Tandem drives: Traffic Manager profiles,
// Front Door origin groups and AKS clusters with their agent pools. HTTPS on loopback with a
// certificate made at start, serving the paths and api-versions the SDK versions in
// package-lock.json call, and strict where Azure is strict: bearer token required, scope-checked
// identity (403), unknown resources (404), unsupported api-versions, unique Traffic Manager
// priorities, priority and weight ranges, long-running operations with Azure-AsyncOperation,
// Front Door's propagation delay before its data plane follows, AKS start taking time. Faults
// (429 with Retry-After, 500, slow replies, dropped connections) are injected through `faults`.
//
// The data plane is emulated too: trafficManagerRoute() and frontDoorRoute() say where the
// global entry point sends a request now, as the real services would.
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { CertificateAuthority } from "./certificates.js";
import { createCertificateAuthority } from "./certificates.js";
import { closeServer, listenLoopback } from "./listen.js";

export const API_VERSIONS = {
  "microsoft.network": ["2022-04-01"],
  "microsoft.cdn": ["2024-02-01"],
  "microsoft.containerservice": ["2026-04-01"],
} as const;

export const SANDBOX_TOKEN = "tandem-sandbox-token";

export interface TrafficManagerEndpointSpec {
  readonly name: string;
  /** Host name the endpoint points at (also the key for `health`). */
  readonly target: string;
  readonly priority: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

export interface OriginSpec {
  readonly name: string;
  readonly hostName: string;
  readonly priority: number;
  readonly weight?: number;
  readonly enabled?: boolean;
}

export interface AgentPoolSpec {
  readonly name: string;
  readonly count: number;
  readonly mode?: "System" | "User";
  readonly minCount?: number;
  readonly maxCount?: number;
}

export interface ClusterSpec {
  readonly id: string;
  readonly location: string;
  readonly running: boolean;
  readonly pools: readonly AgentPoolSpec[];
}

export interface Fault {
  /** 429, 500, 503...: answered instead of the request. */
  readonly status: number;
  readonly retryAfterSeconds?: number;
  /** How many requests get it. */
  times: number;
  /** Only requests whose path contains this (case-insensitive). */
  readonly path?: string;
  /** Only requests with this method. */
  readonly method?: string;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly apiVersion: string | null;
  readonly body: unknown;
  readonly status: number;
}

export interface ArmEmulatorOptions {
  /** Resource-ID prefixes the identity may act on (403 outside); everything when absent. */
  readonly scopes?: readonly string[];
  /** Name of the identity in 403 messages. */
  readonly principal?: string;
  /** How long an origin change takes to reach Front Door's edge. */
  readonly propagationMs?: number;
  /** How long a long-running operation (origin update, agent pool update) takes. */
  readonly operationMs?: number;
  readonly clusterStartMs?: number;
  readonly clusterStopMs?: number;
  /** The Retry-After the emulator answers long-running operations with, in seconds. */
  readonly pollSeconds?: number;
  /** Whether an endpoint or origin host is healthy, as the services' own probes see it. */
  readonly health?: (host: string) => boolean;
}

interface TmEndpoint {
  name: string;
  type: string;
  target: string;
  priority: number;
  weight: number;
  status: "Enabled" | "Disabled";
}

interface TmProfile {
  id: string;
  name: string;
  endpoints: TmEndpoint[];
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
}

interface FdGroup {
  id: string;
  name: string;
  origins: Origin[];
}

interface Pool {
  name: string;
  count: number;
  vmSize: string;
  mode: "System" | "User";
  enableAutoScaling: boolean;
  minCount?: number;
  maxCount?: number;
  provisioning: string;
  doneAt?: number;
}

interface Cluster {
  id: string;
  name: string;
  location: string;
  power: "Running" | "Stopped";
  provisioning: "Succeeded" | "Starting" | "Stopping" | "Failed";
  doneAt?: number;
  /** When set, the next start fails with this message. */
  failStart?: string;
  pools: Pool[];
}

interface Operation {
  doneAt: number;
  error?: { code: string; message: string };
}

class ArmReply extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const lower = (s: string) => s.toLowerCase();
const TM_ENDPOINT_PROPERTIES = new Set([
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

function integer(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ArmReply(
      400,
      "BadRequest",
      `The value of '${field}' is invalid: ${JSON.stringify(value)}. It must be an integer between ${min} and ${max}.`,
    );
  return value;
}

function onlyKeys(
  value: unknown,
  allowed: ReadonlySet<string>,
  where: string,
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ArmReply(400, "InvalidRequestContent", `${where} must be a JSON object.`);
  for (const key of Object.keys(value))
    if (!allowed.has(key))
      throw new ArmReply(
        400,
        "InvalidRequestContent",
        `The request content was invalid: could not find member '${key}' on ${where}.`,
      );
  return value as Record<string, unknown>;
}

export class ArmEmulator {
  readonly #options: ArmEmulatorOptions;
  readonly #tm = new Map<string, TmProfile>();
  readonly #fd = new Map<string, FdGroup>();
  readonly #clusters = new Map<string, Cluster>();
  readonly #operations = new Map<string, Operation>();
  #server: https.Server | undefined;
  #port = 0;
  #ca: CertificateAuthority | undefined;
  /** Faults answered instead of requests, in order. */
  readonly faults: Fault[] = [];
  /** Delay before every answer. */
  slowMs = 0;
  /** Connections to drop (destroyed without an answer) before the next answers. */
  dropNext = 0;
  /** Every request, for tests that check what reached Azure. */
  readonly requests: RecordedRequest[] = [];

  constructor(options: ArmEmulatorOptions = {}) {
    this.#options = options;
  }

  get url(): string {
    return `https://127.0.0.1:${this.#port}`;
  }

  /** PEM of the CA that signed the emulator's certificate: what clients must trust. */
  get ca(): string {
    if (!this.#ca) throw new Error("the ARM emulator is not started");
    return this.#ca.cert;
  }

  async start(): Promise<void> {
    this.#ca = await createCertificateAuthority("Tandem sandbox ARM emulator CA");
    const leaf = await this.#ca.issue({ names: ["127.0.0.1", "localhost"] });
    const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
      void this.#serve(req, res);
    });
    server.keepAliveTimeout = 2000;
    this.#port = await listenLoopback(server);
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await closeServer(server);
    this.#server = undefined;
  }

  // ---- resources ----

  addTrafficManagerProfile(id: string, endpoints: readonly TrafficManagerEndpointSpec[]): void {
    const priorities = new Set(endpoints.map((e) => e.priority));
    if (priorities.size !== endpoints.length) throw new Error(`${id}: priorities must be unique`);
    this.#tm.set(lower(id), {
      id,
      name: id.split("/").at(-1)!,
      endpoints: endpoints.map((e) => ({
        name: e.name,
        type: "externalEndpoints",
        target: e.target,
        priority: e.priority,
        weight: e.weight ?? 1,
        status: e.enabled === false ? "Disabled" : "Enabled",
      })),
    });
  }

  addFrontDoorOriginGroup(profileId: string, group: string, origins: readonly OriginSpec[]): void {
    const id = `${profileId}/originGroups/${group}`;
    this.#fd.set(lower(id), {
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
        };
      }),
    });
  }

  addCluster(spec: ClusterSpec): void {
    this.#clusters.set(lower(spec.id), {
      id: spec.id,
      name: spec.id.split("/").at(-1)!,
      location: spec.location,
      power: spec.running ? "Running" : "Stopped",
      provisioning: "Succeeded",
      pools: spec.pools.map((p) => ({
        name: p.name,
        // As AKS: a stopped cluster keeps its pools' counts (the nodes are deallocated).
        count: p.count,
        vmSize: "Standard_D4s_v5",
        mode: p.mode ?? "User",
        enableAutoScaling: p.minCount !== undefined,
        ...(p.minCount === undefined ? {} : { minCount: p.minCount }),
        ...(p.maxCount === undefined ? {} : { maxCount: p.maxCount }),
        provisioning: "Succeeded",
      })),
    });
  }

  /**
   * Puts a cluster back to stopped at once, as it was set up (a person stopping it in the portal,
   * without the wait): for tests that need the same starting state every time.
   */
  resetClusterStopped(clusterId: string): void {
    const c = this.#cluster(clusterId);
    c.power = "Stopped";
    c.provisioning = "Succeeded";
    c.doneAt = undefined;
  }

  /** Makes the next start of a cluster fail, as AKS does when a node pool cannot come up. */
  failNextStart(clusterId: string, message: string): void {
    this.#cluster(clusterId).failStart = message;
  }

  #cluster(id: string): Cluster {
    const cluster = this.#clusters.get(lower(id));
    if (!cluster) throw new Error(`no emulated cluster ${id}`);
    return cluster;
  }

  // ---- what tests and the sandbox read without going through ARM ----

  trafficManagerEndpoints(profileId: string): readonly Readonly<TmEndpoint>[] {
    return (this.#tm.get(lower(profileId))?.endpoints ?? []).map((e) => ({ ...e }));
  }

  origins(profileId: string, group: string): readonly Readonly<Origin>[] {
    this.#settle();
    return (this.#fd.get(lower(`${profileId}/originGroups/${group}`))?.origins ?? []).map((o) => ({
      ...o,
    }));
  }

  clusterPower(id: string): { power: string; provisioning: string; pools: Record<string, number> } {
    this.#settle();
    const c = this.#cluster(id);
    return {
      power: c.power,
      provisioning: c.provisioning,
      pools: Object.fromEntries(c.pools.map((p) => [p.name, p.count])),
    };
  }

  /** Whether a cluster serves: running, and not still starting. */
  clusterServes(id: string): boolean {
    this.#settle();
    const c = this.#clusters.get(lower(id));
    return c !== undefined && c.power === "Running" && c.provisioning === "Succeeded";
  }

  #healthy(host: string): boolean {
    return this.#options.health?.(host) ?? true;
  }

  /** The endpoint Traffic Manager answers with now (priority routing with its own probes). */
  trafficManagerRoute(profileId: string): string | undefined {
    const enabled = (this.#tm.get(lower(profileId))?.endpoints ?? [])
      .filter((e) => e.status === "Enabled")
      .sort((a, b) => a.priority - b.priority);
    return (enabled.find((e) => this.#healthy(e.target)) ?? enabled[0])?.name;
  }

  /** The origin Front Door's edge sends a request to now: the deployed settings, not the latest. */
  frontDoorRoute(profileId: string, group: string): string | undefined {
    this.#settle();
    const enabled = (this.#fd.get(lower(`${profileId}/originGroups/${group}`))?.origins ?? [])
      .filter((o) => o.deployed.enabledState === "Enabled")
      .sort(
        (a, b) =>
          a.deployed.priority - b.deployed.priority || b.deployed.weight - a.deployed.weight,
      );
    return (enabled.find((o) => this.#healthy(o.hostName)) ?? enabled[0])?.name;
  }

  // ---- time ----

  #settle(now = Date.now()): void {
    for (const c of this.#clusters.values()) {
      if (c.doneAt !== undefined && c.doneAt <= now) {
        c.doneAt = undefined;
        if (c.provisioning === "Starting" && c.failStart !== undefined) {
          // As AKS: the power state stays what was asked for; the provisioning state says it failed.
          c.provisioning = "Failed";
          c.failStart = undefined;
        } else if (c.provisioning === "Starting") {
          c.provisioning = "Succeeded";
        } else if (c.provisioning === "Stopping") {
          c.provisioning = "Succeeded";
          c.power = "Stopped";
        }
      }
      for (const p of c.pools)
        if (p.doneAt !== undefined && p.doneAt <= now) {
          p.doneAt = undefined;
          p.provisioning = "Succeeded";
        }
    }
    for (const g of this.#fd.values())
      for (const o of g.origins) {
        if (o.operationDoneAt !== undefined && o.operationDoneAt <= now) {
          o.operationDoneAt = undefined;
          o.provisioning = "Succeeded";
        }
        if (o.deployAt !== undefined && o.deployAt <= now) {
          o.deployAt = undefined;
          o.deployed = { priority: o.priority, weight: o.weight, enabledState: o.enabledState };
        }
      }
  }

  // ---- HTTP ----

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = undefined;
    const record = (status: number) =>
      this.requests.push({
        method,
        path: url.pathname,
        apiVersion: url.searchParams.get("api-version"),
        body,
        status,
      });

    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs));
    if (this.dropNext > 0) {
      this.dropNext--;
      record(0);
      req.socket.destroy();
      return;
    }
    const fault = this.faults.find(
      (f) =>
        f.times > 0 &&
        (f.path === undefined || lower(url.pathname).includes(lower(f.path))) &&
        (f.method === undefined || f.method === method),
    );
    let status: number;
    let headers: Record<string, string> = {};
    let answer: unknown;
    try {
      if (fault) {
        fault.times--;
        const retry: Record<string, string> =
          fault.retryAfterSeconds === undefined
            ? {}
            : { "retry-after": String(fault.retryAfterSeconds) };
        throw new ArmReply(
          fault.status,
          fault.status === 429 ? "TooManyRequests" : "InternalServerError",
          fault.status === 429
            ? "The request is being throttled as the limit has been reached for operation type."
            : "An internal error occurred. Please retry the request.",
          retry,
        );
      }
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ArmReply(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
          );
        }
      }
      const auth = req.headers.authorization ?? "";
      if (!auth.startsWith("Bearer "))
        throw new ArmReply(
          401,
          "AuthenticationFailed",
          "Authentication failed. The 'Authorization' header is missing.",
        );
      if (auth.slice(7) !== SANDBOX_TOKEN)
        throw new ArmReply(401, "InvalidAuthenticationToken", "The access token is invalid.");
      this.#settle();
      const result = this.#route(method, url, body);
      status = result.status;
      headers = result.headers ?? {};
      answer = result.body;
    } catch (error) {
      if (error instanceof ArmReply) {
        status = error.status;
        headers = error.headers;
        answer = { error: { code: error.code, message: error.message } };
      } else {
        status = 500;
        answer = { error: { code: "InternalServerError", message: String(error) } };
      }
    }
    record(status);
    const payload = answer === undefined ? "" : JSON.stringify(answer);
    res.writeHead(status, {
      ...(payload ? { "content-type": "application/json; charset=utf-8" } : {}),
      "x-ms-request-id": randomUUID(),
      ...headers,
    });
    res.end(payload);
  }

  #route(
    method: string,
    url: URL,
    body: unknown,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const path = url.pathname.replace(/\/+$/, "");
    const p = lower(path);
    const apiVersion = url.searchParams.get("api-version");
    const provider = /\/providers\/(microsoft\.[a-z]+)\//.exec(p)?.[1] as
      keyof typeof API_VERSIONS | undefined;
    if (!provider || !(provider in API_VERSIONS))
      throw new ArmReply(
        404,
        "InvalidResourceType",
        `The resource type could not be found: ${path}.`,
      );
    if (apiVersion === null)
      throw new ArmReply(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    const supported: readonly string[] = API_VERSIONS[provider];
    if (!supported.includes(apiVersion))
      throw new ArmReply(
        400,
        "NoRegisteredProviderFound",
        `No registered resource provider found for API version '${apiVersion}'. The supported api-versions are '${supported.join(", ")}'.`,
      );

    // Operation status: answered for any identity that may read the subscription.
    const op =
      /^\/subscriptions\/[^/]+\/providers\/microsoft\.(?:cdn|containerservice)\/locations\/[^/]+\/(operations|operationresults)\/([^/]+)$/.exec(
        p,
      );
    if (op && method === "GET") return this.#operationStatus(op[2]!, op[1] === "operationresults");

    let m: RegExpExecArray | null;
    const rg = "^\\/subscriptions\\/[^/]+\\/resourcegroups\\/[^/]+\\/providers\\/";
    if ((m = new RegExp(`${rg}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+$`).exec(p))) {
      this.#authorize(path, "Microsoft.Network/trafficManagerProfiles/read");
      if (method !== "GET") throw this.#noMethod(method, path);
      return { status: 200, body: this.#tmProfileJson(this.#tmProfile(path)) };
    }
    if (
      (m = new RegExp(
        `^(${rg.slice(1)}microsoft\\.network\\/trafficmanagerprofiles\\/[^/]+)\\/(azureendpoints|externalendpoints|nestedendpoints)\\/([^/]+)$`,
      ).exec(p))
    ) {
      const [, profilePath, type, name] = m;
      const write = method === "PATCH" || method === "PUT";
      this.#authorize(
        path,
        `Microsoft.Network/trafficManagerProfiles/${type}/${write ? "write" : "read"}`,
      );
      const profile = this.#tmProfile(path.slice(0, profilePath!.length));
      const endpoint = profile.endpoints.find(
        (e) => lower(e.name) === name && lower(e.type) === type,
      );
      if (!endpoint) throw this.#notFound(path);
      if (method === "GET") return { status: 200, body: this.#tmEndpointJson(profile, endpoint) };
      if (!write) throw this.#noMethod(method, path);
      this.#patchTmEndpoint(profile, endpoint, body);
      return { status: 200, body: this.#tmEndpointJson(profile, endpoint) };
    }
    if (
      (m = new RegExp(
        `^(${rg.slice(1)}microsoft\\.cdn\\/profiles\\/[^/]+\\/origingroups\\/[^/]+)\\/origins$`,
      ).exec(p))
    ) {
      this.#authorize(path, "Microsoft.Cdn/profiles/originGroups/origins/read");
      if (method !== "GET") throw this.#noMethod(method, path);
      const group = this.#fdGroup(path.slice(0, m[1]!.length));
      return { status: 200, body: { value: group.origins.map((o) => this.#originJson(group, o)) } };
    }
    if (
      (m = new RegExp(
        `^(${rg.slice(1)}microsoft\\.cdn\\/profiles\\/[^/]+\\/origingroups\\/[^/]+)\\/origins\\/([^/]+)$`,
      ).exec(p))
    ) {
      const write = method === "PATCH";
      this.#authorize(
        path,
        `Microsoft.Cdn/profiles/originGroups/origins/${write ? "write" : "read"}`,
      );
      const group = this.#fdGroup(path.slice(0, m[1]!.length));
      const origin = group.origins.find((o) => lower(o.name) === m![2]);
      if (!origin) throw this.#notFound(path);
      if (method === "GET") return { status: 200, body: this.#originJson(group, origin) };
      if (!write) throw this.#noMethod(method, path);
      return this.#patchOrigin(url, group, origin, body);
    }
    if (
      (m = new RegExp(
        `^(${rg.slice(1)}microsoft\\.containerservice\\/managedclusters\\/[^/]+)(?:\\/(start|stop)|\\/agentpools\\/([^/]+))?$`,
      ).exec(p))
    ) {
      const [, clusterPath, verb, poolName] = m;
      const clusterId = path.slice(0, clusterPath!.length);
      if (verb) {
        this.#authorize(clusterId, `Microsoft.ContainerService/managedClusters/${verb}/action`);
        if (method !== "POST") throw this.#noMethod(method, path);
        return this.#power(url, this.#aksCluster(clusterId), verb as "start" | "stop");
      }
      if (poolName) {
        const write = method === "PUT";
        this.#authorize(
          path,
          `Microsoft.ContainerService/managedClusters/agentPools/${write ? "write" : "read"}`,
        );
        const cluster = this.#aksCluster(clusterId);
        const pool = cluster.pools.find((x) => lower(x.name) === poolName);
        if (!pool) throw this.#notFound(path);
        if (method === "GET") return { status: 200, body: this.#poolJson(cluster, pool) };
        if (!write) throw this.#noMethod(method, path);
        return this.#putPool(url, cluster, pool, body);
      }
      this.#authorize(path, "Microsoft.ContainerService/managedClusters/read");
      if (method !== "GET") throw this.#noMethod(method, path);
      const cluster = this.#aksCluster(clusterId);
      return { status: 200, body: this.#clusterJson(cluster) };
    }
    throw new ArmReply(
      404,
      "InvalidResourceType",
      `The resource type could not be found: ${path}.`,
    );
  }

  #authorize(resource: string, action: string): void {
    const scopes = this.#options.scopes;
    if (!scopes || scopes.some((s) => lower(resource).startsWith(lower(s)))) return;
    const who = this.#options.principal ?? "tandem-sandbox";
    throw new ArmReply(
      403,
      "AuthorizationFailed",
      `The client '${who}' with object id '00000000-0000-0000-0000-00000000beef' does not have authorization to perform action '${action}' over scope '${resource}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }

  #notFound(path: string): ArmReply {
    const parts = path.split("/");
    const rgIndex = parts.findIndex((x) => lower(x) === "resourcegroups");
    return new ArmReply(
      404,
      "ResourceNotFound",
      `The Resource '${parts.slice(parts.findIndex((x) => lower(x) === "providers") + 1).join("/")}' under resource group '${parts[rgIndex + 1]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  #noMethod(method: string, path: string): ArmReply {
    return new ArmReply(
      405,
      "MethodNotAllowed",
      `The requested method '${method}' is not allowed on '${path}'.`,
    );
  }

  #tmProfile(path: string): TmProfile {
    const profile = this.#tm.get(lower(path));
    if (!profile) throw this.#notFound(path);
    return profile;
  }

  #fdGroup(path: string): FdGroup {
    const group = this.#fd.get(lower(path));
    if (!group) throw this.#notFound(path);
    return group;
  }

  #aksCluster(path: string): Cluster {
    const cluster = this.#clusters.get(lower(path));
    if (!cluster) throw this.#notFound(path);
    return cluster;
  }

  #operation(url: URL, provider: string, location: string, ms: number, error?: Operation["error"]) {
    const id = randomUUID();
    this.#operations.set(id, { doneAt: Date.now() + ms, ...(error ? { error } : {}) });
    const sub = url.pathname.split("/")[2];
    const base = `${this.url}/subscriptions/${sub}/providers/${provider}/locations/${location}`;
    const v = `api-version=${url.searchParams.get("api-version")}`;
    return {
      "azure-asyncoperation": `${base}/operations/${id}?${v}`,
      location: `${base}/operationresults/${id}?${v}`,
      "retry-after": String(this.#options.pollSeconds ?? 1),
    };
  }

  #operationStatus(
    id: string,
    result: boolean,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const op = [...this.#operations].find(([k]) => lower(k) === id)?.[1];
    if (!op) throw new ArmReply(404, "OperationNotFound", `The operation '${id}' was not found.`);
    const done = op.doneAt <= Date.now();
    const retry = { "retry-after": String(this.#options.pollSeconds ?? 1) };
    if (result) return done ? { status: 204 } : { status: 202, headers: retry };
    const status = !done ? "InProgress" : op.error ? "Failed" : "Succeeded";
    return {
      status: 200,
      headers: done ? {} : retry,
      body: {
        id,
        name: id,
        status,
        startTime: new Date().toISOString(),
        ...(done && op.error ? { error: op.error } : {}),
      },
    };
  }

  // ---- Traffic Manager ----

  #tmEndpointJson(profile: TmProfile, e: TmEndpoint) {
    return {
      id: `${profile.id}/${e.type.charAt(0).toUpperCase()}${e.type.slice(1)}/${e.name}`,
      name: e.name,
      type: `Microsoft.Network/trafficManagerProfiles/${e.type}`,
      properties: {
        endpointStatus: e.status,
        endpointMonitorStatus:
          e.status === "Disabled" ? "Disabled" : this.#healthy(e.target) ? "Online" : "Degraded",
        target: e.target,
        weight: e.weight,
        priority: e.priority,
        endpointLocation: null,
        alwaysServe: "Disabled",
        customHeaders: [],
      },
    };
  }

  #tmProfileJson(profile: TmProfile) {
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
        endpoints: profile.endpoints.map((e) => this.#tmEndpointJson(profile, e)),
        trafficViewEnrollmentStatus: "Disabled",
        maxReturn: 0,
      },
    };
  }

  #patchTmEndpoint(profile: TmProfile, endpoint: TmEndpoint, body: unknown): void {
    const top = onlyKeys(body ?? {}, new Set(["id", "name", "type", "properties"]), "Endpoint");
    const props = onlyKeys(top["properties"] ?? {}, TM_ENDPOINT_PROPERTIES, "EndpointProperties");
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
  }

  // ---- Front Door ----

  #originJson(group: FdGroup, o: Origin) {
    return {
      id: o.id,
      name: o.name,
      type: "Microsoft.Cdn/profiles/origingroups/origins",
      properties: {
        originGroupName: group.name,
        hostName: o.hostName,
        httpPort: 80,
        httpsPort: 443,
        originHostHeader: o.hostName,
        priority: o.priority,
        weight: o.weight,
        enabledState: o.enabledState,
        enforceCertificateNameCheck: true,
        provisioningState: o.provisioning,
        // Many real origins show NotStarted for good; this one says InProgress while it deploys.
        deploymentStatus: o.deployAt === undefined ? "NotStarted" : "InProgress",
      },
    };
  }

  #patchOrigin(url: URL, group: FdGroup, origin: Origin, body: unknown) {
    const top = onlyKeys(body ?? {}, new Set(["properties"]), "AFDOriginUpdateParameters");
    const props = onlyKeys(
      top["properties"] ?? {},
      ORIGIN_UPDATE_PROPERTIES,
      "AFDOriginUpdatePropertiesParameters",
    );
    const priority = integer(props["priority"], "priority", 1, 5);
    const weight = integer(props["weight"], "weight", 1, 1000);
    const state = props["enabledState"];
    if (state !== undefined && state !== "Enabled" && state !== "Disabled")
      throw new ArmReply(
        400,
        "BadRequest",
        `The value of 'enabledState' is invalid: ${JSON.stringify(state)}. Allowed: Enabled, Disabled.`,
      );
    if (origin.provisioning === "Updating")
      throw new ArmReply(
        409,
        "Conflict",
        `Origin '${origin.name}' is being updated; retry once the current operation has finished.`,
      );
    if (priority !== undefined) origin.priority = priority;
    if (weight !== undefined) origin.weight = weight;
    if (state !== undefined) origin.enabledState = state;
    const operationMs = this.#options.operationMs ?? 0;
    const now = Date.now();
    origin.provisioning = operationMs > 0 ? "Updating" : "Succeeded";
    origin.operationDoneAt = operationMs > 0 ? now + operationMs : undefined;
    origin.deployAt = now + Math.max(operationMs, this.#options.propagationMs ?? 0);
    const headers = this.#operation(url, "Microsoft.Cdn", "global", operationMs);
    return { status: 202, headers, body: this.#originJson(group, origin) };
  }

  // ---- AKS ----

  #poolJson(cluster: Cluster, pool: Pool) {
    return {
      id: `${cluster.id}/agentPools/${pool.name}`,
      name: pool.name,
      type: "Microsoft.ContainerService/managedClusters/agentPools",
      properties: {
        count: pool.count,
        vmSize: pool.vmSize,
        osType: "Linux",
        mode: pool.mode,
        type: "VirtualMachineScaleSets",
        enableAutoScaling: pool.enableAutoScaling,
        ...(pool.minCount === undefined ? {} : { minCount: pool.minCount }),
        ...(pool.maxCount === undefined ? {} : { maxCount: pool.maxCount }),
        provisioningState: pool.provisioning,
        powerState: { code: cluster.power },
        orchestratorVersion: "1.33.2",
      },
    };
  }

  #clusterJson(c: Cluster) {
    return {
      id: c.id,
      name: c.name,
      type: "Microsoft.ContainerService/ManagedClusters",
      location: c.location,
      sku: { name: "Base", tier: "Standard" },
      properties: {
        provisioningState: c.provisioning,
        powerState: { code: c.power },
        kubernetesVersion: "1.33.2",
        dnsPrefix: c.name,
        fqdn: `${c.name}.hcp.${c.location}.azmk8s.io`,
        agentPoolProfiles: c.pools.map((p) => ({
          name: p.name,
          ...this.#poolJson(c, p).properties,
        })),
      },
    };
  }

  #power(url: URL, c: Cluster, verb: "start" | "stop") {
    if (c.provisioning === "Starting" || c.provisioning === "Stopping")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Operation is not allowed because the managed cluster '${c.name}' is in ${c.provisioning} state.`,
      );
    if (verb === "start" && c.power === "Running")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Managed cluster '${c.name}' is already running.`,
      );
    if (verb === "stop" && c.power === "Stopped")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Managed cluster '${c.name}' is already stopped.`,
      );
    const ms =
      verb === "start" ? (this.#options.clusterStartMs ?? 0) : (this.#options.clusterStopMs ?? 0);
    c.provisioning = verb === "start" ? "Starting" : "Stopping";
    if (verb === "start") c.power = "Running";
    c.doneAt = Date.now() + ms;
    const error =
      verb === "start" && c.failStart
        ? { code: "CreateVMSSAgentPoolFailed", message: c.failStart }
        : undefined;
    return {
      status: 202,
      headers: this.#operation(url, "Microsoft.ContainerService", c.location, ms, error),
    };
  }

  #putPool(url: URL, cluster: Cluster, pool: Pool, body: unknown) {
    const top = onlyKeys(body ?? {}, new Set(["id", "name", "type", "properties"]), "AgentPool");
    const props = top["properties"];
    if (typeof props !== "object" || props === null)
      throw new ArmReply(400, "InvalidParameter", "The agent pool's 'properties' are required.");
    const p = props as Record<string, unknown>;
    const count = integer(p["count"], "properties.count", 0, 1000);
    const min = integer(p["minCount"], "properties.minCount", 0, 1000);
    const max = integer(p["maxCount"], "properties.maxCount", 0, 1000);
    const autoscale = p["enableAutoScaling"] === true;
    if (count === undefined)
      throw new ArmReply(
        400,
        "InvalidParameter",
        "The value of parameter agentPoolProfile.count is required.",
      );
    if (
      autoscale &&
      (min === undefined || max === undefined || min > max || count < min || count > max)
    )
      throw new ArmReply(
        400,
        "InvalidParameter",
        "With autoscaling enabled, minCount and maxCount are required and minCount <= count <= maxCount.",
      );
    if (p["mode"] !== undefined && p["mode"] !== "System" && p["mode"] !== "User")
      throw new ArmReply(
        400,
        "InvalidParameter",
        `The value of properties.mode is invalid: ${JSON.stringify(p["mode"])}.`,
      );
    if (cluster.power !== "Running" || cluster.provisioning !== "Succeeded")
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Operation is not allowed because the managed cluster '${cluster.name}' is ${cluster.power === "Running" ? cluster.provisioning : "stopped"}.`,
      );
    if (pool.doneAt !== undefined)
      throw new ArmReply(
        409,
        "OperationNotAllowed",
        `Agent pool '${pool.name}' is ${pool.provisioning}; retry once that operation has finished.`,
      );
    const ms = this.#options.operationMs ?? 0;
    pool.count = count;
    pool.enableAutoScaling = autoscale;
    if (autoscale) {
      pool.minCount = min;
      pool.maxCount = max;
    }
    pool.provisioning = ms > 0 ? "Scaling" : "Succeeded";
    pool.doneAt = ms > 0 ? Date.now() + ms : undefined;
    return {
      status: 200,
      headers: this.#operation(url, "Microsoft.ContainerService", cluster.location, ms),
      body: this.#poolJson(cluster, pool),
    };
  }
}
