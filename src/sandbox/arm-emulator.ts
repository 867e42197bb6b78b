// An emulated Azure Resource Manager for the levers Tandem drives. HTTPS on loopback with a
// certificate made at start, strict where ARM is strict: bearer token required, scope-checked
// identity (403 naming the action), unknown resources (404), unsupported api-versions (400),
// long-running operations with Azure-AsyncOperation. Faults (429 with Retry-After, 500, slow
// replies, dropped connections) are injected through `faults`, `slowMs` and `dropNext`.
//
// The services themselves (Traffic Manager, Front Door, AKS...) come from the lever providers:
// each provider folder has an emulator.ts with its routes, its rules and its data plane, and the
// emulator loads every one the registry lists. Tests and the sandbox reach a service's state
// with service(kind).
import https from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { PROVIDERS, allProviders } from "../providers/registry.js";
import type { ProviderRegistry } from "../providers/types.js";
import type {
  ArmEmulatorOptions,
  EmulatedService,
  EmulatorKit,
  Method,
  Reply,
  ServiceFactory,
} from "./arm/kit.js";
import { ArmReply, lower, timingsOf } from "./arm/kit.js";
import type { CertificateAuthority } from "./certificates.js";
import { createCertificateAuthority } from "./certificates.js";
import { LoopbackServer } from "./listen.js";

export type { ArmEmulatorOptions } from "./arm/kit.js";

export const SANDBOX_TOKEN = "tandem-sandbox-token";

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
  /** The request's headers, lower-case names (without the token). */
  readonly headers: Readonly<Record<string, string>>;
  /** What was answered: headers (lower-case names) and the parsed body, if any. */
  readonly reply: {
    readonly headers: Readonly<Record<string, string>>;
    readonly body: unknown;
  };
}

interface Operation {
  doneAt: number;
  error?: { code: string; message: string };
}

/**
 * ARM's throttling since 2024: a token bucket per subscription and principal, per region of ARM
 * (here, one): reads 250 refilled at 25 a second, writes and deletes 200 at 10 a second ("Understand
 * how Azure Resource Manager throttles requests", learn.microsoft.com). A request without a token
 * is answered 429 with Retry-After; every reply says what is left in
 * `x-ms-ratelimit-remaining-subscription-reads` (or `-writes`).
 */
export const ARM_BUCKETS = {
  reads: { size: 250, perSecond: 25 },
  writes: { size: 200, perSecond: 10 },
} as const;

class Bucket {
  #tokens: number;
  #at = Date.now();
  constructor(
    readonly size: number,
    readonly perSecond: number,
  ) {
    this.#tokens = size;
  }
  /** Takes a token if there is one; the seconds to wait for one otherwise. */
  take(now = Date.now()): { ok: true; left: number } | { ok: false; waitSeconds: number } {
    this.#tokens = Math.min(this.size, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1)
      return {
        ok: false,
        waitSeconds: Math.max(1, Math.ceil((1 - this.#tokens) / this.perSecond)),
      };
    this.#tokens -= 1;
    return { ok: true, left: Math.floor(this.#tokens) };
  }
}

export interface EmulatorSetup extends ArmEmulatorOptions {
  /** The services to emulate; by default every provider's in the registry. */
  readonly services?: readonly ServiceFactory[];
  /** Whose providers' services to load when `services` is not given (PROVIDERS by default). */
  readonly registry?: ProviderRegistry;
  /** ARM's token buckets; `false` turns throttling off. */
  readonly buckets?: false | { readonly reads: Bucket["size"]; readonly writes: Bucket["size"] };
}

/** Loads the emulated service of every provider of a registry that has one. */
export async function emulatedServices(
  registry: ProviderRegistry = PROVIDERS,
): Promise<ServiceFactory[]> {
  const factories: ServiceFactory[] = [];
  for (const provider of allProviders(registry)) {
    if (!provider.emulator) continue;
    const module = (await import(provider.emulator)) as { default?: ServiceFactory };
    if (typeof module.default !== "function")
      throw new Error(`${provider.emulator} does not export a service factory as its default`);
    factories.push(module.default);
  }
  return factories;
}

export class ArmEmulator {
  readonly #setup: EmulatorSetup;
  readonly #services = new Map<string, EmulatedService>();
  readonly #operations = new Map<string, Operation>();
  readonly #listener = new LoopbackServer();
  #ca: CertificateAuthority | undefined;
  /** Faults answered instead of requests, in order. */
  readonly faults: Fault[] = [];
  /** Delay before every answer. */
  slowMs = 0;
  /** Connections to drop (destroyed without an answer) before the next answers. */
  dropNext = 0;
  /** Every request, for tests that check what reached Azure. */
  readonly requests: RecordedRequest[] = [];
  readonly #buckets: { readonly reads: Bucket; readonly writes: Bucket } | undefined;

  constructor(setup: EmulatorSetup = {}) {
    this.#setup = setup;
    this.#buckets =
      setup.buckets === false
        ? undefined
        : {
            reads: new Bucket(
              setup.buckets?.reads ?? ARM_BUCKETS.reads.size,
              ARM_BUCKETS.reads.perSecond,
            ),
            writes: new Bucket(
              setup.buckets?.writes ?? ARM_BUCKETS.writes.size,
              ARM_BUCKETS.writes.perSecond,
            ),
          };
  }

  get url(): string {
    return `https://127.0.0.1:${this.#listener.port}`;
  }

  /** PEM of the CA that signed the emulator's certificate: what clients must trust. */
  get ca(): string {
    if (!this.#ca) throw new Error("the ARM emulator is not started");
    return this.#ca.cert;
  }

  /** The emulated service of a lever kind, to set up resources and read its state. */
  service<T extends EmulatedService>(kind: string): T {
    const service = this.#services.get(kind);
    if (!service)
      throw new Error(
        `the ARM emulator has no ${kind} service (it has: ${[...this.#services.keys()].join(", ") || "none; is it started?"})`,
      );
    return service as T;
  }

  async start(): Promise<void> {
    const factories = this.#setup.services ?? (await emulatedServices(this.#setup.registry));
    const kit: EmulatorKit = {
      options: this.#setup,
      timings: timingsOf(this.#setup),
      operation: (url, namespace, location, ms, error) =>
        this.#operation(url, namespace, location, ms, error),
      healthy: (host) => this.#setup.health?.(host) ?? true,
      notFound: (path) => notFound(path),
    };
    for (const factory of factories) {
      const service = factory(kit);
      this.#services.set(service.kind, service);
    }
    this.#ca = await createCertificateAuthority("Tandem sandbox ARM emulator CA");
    const leaf = await this.#ca.issue({ names: ["127.0.0.1", "localhost"] });
    const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
      void this.#serve(req, res);
    });
    server.keepAliveTimeout = 2000;
    await this.#listener.listen(server);
  }

  stop(): Promise<void> {
    return this.#listener.stop();
  }

  #settle(now = Date.now()): void {
    for (const service of this.#services.values()) service.settle?.(now);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = undefined;
    const sent: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers))
      if (name !== "authorization" && typeof value === "string") sent[name] = value;
    const record = (status: number, reply: RecordedRequest["reply"]) =>
      this.requests.push({
        method,
        path: url.pathname,
        apiVersion: url.searchParams.get("api-version"),
        body,
        status,
        headers: sent,
        reply,
      });

    // A service's data plane is not ARM: none of ARM's slowness, faults or sign-in (ADR 36).
    if (this.#servedByDataPlane(method, url, res, record)) return;
    if (this.slowMs > 0) await new Promise((r) => setTimeout(r, this.slowMs));
    if (this.dropNext > 0) {
      this.dropNext--;
      record(0, { headers: {}, body: undefined });
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
    const kind = method === "GET" ? "reads" : "writes";
    const token = this.#buckets?.[kind].take();
    const budget: Record<string, string> =
      token?.ok === true
        ? { [`x-ms-ratelimit-remaining-subscription-${kind}`]: String(token.left) }
        : {};
    try {
      if (token && !token.ok)
        throw new ArmReply(
          429,
          "TooManyRequests",
          `The request is being throttled: the subscription's ${kind} budget is used up. Retry after ${token.waitSeconds} second(s).`,
          { "retry-after": String(token.waitSeconds) },
        );
      if (fault) {
        fault.times--;
        // ARM always says when to come back on a 429 (and the SDKs retry a 429 only with it).
        const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 ? 1 : undefined);
        const retry: Record<string, string> =
          retryAfter === undefined ? {} : { "retry-after": String(retryAfter) };
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
      const result = this.#route(method as Method, url, body, sent);
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
    const payload = answer === undefined ? "" : JSON.stringify(answer);
    const replyHeaders: Record<string, string> = {
      ...(payload ? { "content-type": "application/json; charset=utf-8" } : {}),
      "x-ms-request-id": randomUUID(),
      ...budget,
      ...headers,
    };
    record(status, {
      headers: replyHeaders,
      body: answer === undefined ? undefined : (JSON.parse(payload) as unknown),
    });
    res.writeHead(status, replyHeaders);
    res.end(payload);
  }

  /** Answers a request one of the services claims for its data plane; false when none does. */
  #servedByDataPlane(
    method: string,
    url: URL,
    res: ServerResponse,
    record: (status: number, reply: RecordedRequest["reply"]) => void,
  ): boolean {
    for (const service of this.#services.values()) {
      const plane = service.dataPlane?.(method, url.pathname);
      if (plane === undefined) continue;
      if (plane === "no answer") {
        record(0, { headers: {}, body: undefined });
        res.socket?.destroy();
        return true;
      }
      const headers = { "content-type": "application/json; charset=utf-8" };
      record(plane.status, { headers, body: plane.body });
      res.writeHead(plane.status, headers);
      res.end(JSON.stringify(plane.body));
      return true;
    }
    return false;
  }

  #route(method: Method, url: URL, body: unknown, headers: Record<string, string>): Reply {
    // ARM matches names as sent, decoded ("My endpoint", braces in example IDs).
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, "");
    const p = lower(path);
    const apiVersion = url.searchParams.get("api-version");
    const namespace = /\/providers\/(microsoft\.[a-z]+)\//.exec(p)?.[1];
    const services = [...this.#services.values()].filter((s) => s.namespace === namespace);
    if (services.length === 0)
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
    const supported = [...new Set(services.flatMap((s) => s.apiVersions))];
    if (!supported.includes(apiVersion))
      throw new ArmReply(
        400,
        "NoRegisteredProviderFound",
        `No registered resource provider found for API version '${apiVersion}'. The supported api-versions are '${supported.join(", ")}'.`,
      );

    // Operation status: answered for any identity that may read the subscription.
    const op =
      /^\/subscriptions\/[^/]+\/providers\/microsoft\.[a-z]+\/locations\/[^/]+\/(operations|operationresults)\/([^/]+)$/.exec(
        p,
      );
    if (op && method === "GET") return this.#operationStatus(op[2]!, op[1] === "operationresults");

    for (const service of services)
      for (const route of service.routes) {
        const match = route.pattern.exec(p);
        if (!match) continue;
        const handler = route.methods[method];
        if (!handler) throw noMethod(method, path);
        const call = { method, path, url, body, match, headers };
        const action = typeof handler.action === "string" ? handler.action : handler.action(call);
        this.#authorize(handler.resource?.(call) ?? path, action);
        return handler.handle(call);
      }
    throw new ArmReply(
      404,
      "InvalidResourceType",
      `The resource type could not be found: ${path}.`,
    );
  }

  #authorize(resource: string, action: string): void {
    const scopes = this.#setup.scopes;
    if (!scopes || scopes.some((s) => lower(resource).startsWith(lower(s)))) return;
    const who = this.#setup.principal ?? "tandem-sandbox";
    throw new ArmReply(
      403,
      "AuthorizationFailed",
      `The client '${who}' with object id '00000000-0000-0000-0000-00000000beef' does not have authorization to perform action '${action}' over scope '${resource}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }

  #operation(
    url: URL,
    namespace: string,
    location: string,
    ms: number,
    error?: Operation["error"],
  ): Record<string, string> {
    const id = randomUUID();
    this.#operations.set(id, { doneAt: Date.now() + ms, ...(error ? { error } : {}) });
    const sub = url.pathname.split("/")[2];
    const base = `${this.url}/subscriptions/${sub}/providers/${namespace}/locations/${location}`;
    const v = `api-version=${url.searchParams.get("api-version")}`;
    return {
      "azure-asyncoperation": `${base}/operations/${id}?${v}`,
      location: `${base}/operationresults/${id}?${v}`,
      "retry-after": String(this.#setup.pollSeconds ?? 1),
    };
  }

  #operationStatus(id: string, result: boolean): Reply {
    const op = [...this.#operations].find(([k]) => lower(k) === id)?.[1];
    if (!op) throw new ArmReply(404, "OperationNotFound", `The operation '${id}' was not found.`);
    const done = op.doneAt <= Date.now();
    const retry = { "retry-after": String(this.#setup.pollSeconds ?? 1) };
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
}

function notFound(path: string): ArmReply {
  const parts = path.split("/");
  const rgIndex = parts.findIndex((x) => lower(x) === "resourcegroups");
  return new ArmReply(
    404,
    "ResourceNotFound",
    `The Resource '${parts.slice(parts.findIndex((x) => lower(x) === "providers") + 1).join("/")}' under resource group '${parts[rgIndex + 1]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function noMethod(method: string, path: string): ArmReply {
  return new ArmReply(
    405,
    "MethodNotAllowed",
    `The requested method '${method}' is not allowed on '${path}'.`,
  );
}
