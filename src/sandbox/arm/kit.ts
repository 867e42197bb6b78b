// What an emulated Azure service plugs into the ARM emulator with: its routes (each method with
// the RBAC action that authorises it), its api-versions, and its own clock work; and what the
// emulator gives it back (long-running operations, the health of hosts, ARM's error shapes).
// Each lever provider's folder has an emulator.ts that exports a ServiceFactory.
import type { ServiceTimings, TimingProfileName } from "./timing.js";
import { TIMINGS, scaled } from "./timing.js";

export type Method = "GET" | "PUT" | "PATCH" | "POST" | "DELETE";

/** An answer, or an error as ARM words it. */
export class ArmReply extends Error {
  readonly status: number;
  readonly code: string;
  readonly headers: Record<string, string>;
  constructor(status: number, code: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "ArmReply";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface ArmEmulatorOptions {
  /** Resource-ID prefixes the identity may act on (403 outside); everything when absent. */
  readonly scopes?: readonly string[];
  /** Name of the identity in 403 messages. */
  readonly principal?: string;
  /**
   * The services' timing: `fast` (the default: at once) or `realistic` (Azure's documented and
   * reported times), or a profile of its own; the fields below override single values.
   */
  readonly timing?: TimingProfileName | ServiceTimings;
  /** Multiplies every duration of the profile (before the overrides): 0.01 runs it 100 times faster. */
  readonly timeScale?: number;
  /** How long an origin change takes to reach Front Door's edge. */
  readonly propagationMs?: number;
  /** How long a long-running operation (origin update, agent pool update) takes. */
  readonly operationMs?: number;
  readonly clusterStartMs?: number;
  readonly clusterStopMs?: number;
  /** AKS: how long after a stop the next start is refused. */
  readonly stopToStartMs?: number;
  /** The Retry-After the emulator answers long-running operations with, in seconds. */
  readonly pollSeconds?: number;
  /** Whether an endpoint or origin host is healthy, as the services' own probes see it. */
  readonly health?: (host: string) => boolean;
}

/** The timings the options ask for: the profile, scaled, with single values overridden. */
export function timingsOf(options: ArmEmulatorOptions): ServiceTimings {
  const profile =
    typeof options.timing === "object" ? options.timing : TIMINGS[options.timing ?? "fast"];
  const base = scaled(profile, options.timeScale ?? 1);
  return {
    ...base,
    ...(options.operationMs === undefined ? {} : { operationMs: options.operationMs }),
    ...(options.propagationMs === undefined ? {} : { propagationMs: options.propagationMs }),
    ...(options.clusterStartMs === undefined ? {} : { clusterStartMs: options.clusterStartMs }),
    ...(options.clusterStopMs === undefined ? {} : { clusterStopMs: options.clusterStopMs }),
    ...(options.stopToStartMs === undefined ? {} : { stopToStartMs: options.stopToStartMs }),
  };
}

/** What the emulator does for its services. */
export interface EmulatorKit {
  readonly options: ArmEmulatorOptions;
  /** How long things take (see timing.ts). */
  readonly timings: ServiceTimings;
  /**
   * Starts a long-running operation that ends after `ms` (failing with `error` if given), and
   * returns the headers that announce it (Azure-AsyncOperation, Location, Retry-After).
   */
  operation(
    url: URL,
    namespace: string,
    location: string,
    ms: number,
    error?: { code: string; message: string },
  ): Record<string, string>;
  /** Whether a host answers the service's own health probes. */
  healthy(host: string): boolean;
  /** ARM's 404 for a resource path. */
  notFound(path: string): ArmReply;
}

export interface RouteCall {
  readonly method: Method;
  /** The request path as sent, without a trailing slash. */
  readonly path: string;
  readonly url: URL;
  readonly body: unknown;
  /** The request's headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The route's pattern matched against the lower-cased path. */
  readonly match: RegExpExecArray;
}

export interface RouteMethod {
  /** The RBAC action this call needs (403 without it). */
  readonly action: string | ((call: RouteCall) => string);
  /** The resource the action is checked on: the path unless said otherwise. */
  readonly resource?: (call: RouteCall) => string;
  handle(call: RouteCall): Reply;
}

export interface EmulatedRoute {
  /** Matched against the whole lower-cased path. */
  readonly pattern: RegExp;
  readonly methods: Partial<Record<Method, RouteMethod>>;
}

export interface EmulatedService {
  /** The lever provider's kind it emulates (`traffic-manager`...). */
  readonly kind: string;
  /** The resource provider namespace, lower-case (`microsoft.network`). */
  readonly namespace: string;
  /** The api-versions it serves (others are refused as ARM refuses them). */
  readonly apiVersions: readonly string[];
  readonly routes: readonly EmulatedRoute[];
  /** Lets its own time pass: operations finishing, changes reaching the data plane. */
  settle?(now: number): void;
  /**
   * A request to the service's data plane that the emulator serves beside ARM (a Cosmos DB
   * region's gateway): its answer, or undefined when the path is not the service's. A data plane
   * is not Azure Resource Manager: ARM's slowness, throttling, injected faults and sign-in do not
   * apply to it (a slow or throttled control plane leaves a region's gateway answering).
   * `"no answer"`: the connection is dropped (a lost region).
   */
  dataPlane?(
    method: string,
    path: string,
  ): { status: number; body: unknown } | "no answer" | undefined;
}

export type ServiceFactory = (kit: EmulatorKit) => EmulatedService;

export const lower = (s: string) => s.toLowerCase();

/** `^/subscriptions/x/resourcegroups/y/providers/` as a pattern prefix (lower-case paths). */
export const RG = "^\\/subscriptions\\/[^/]+\\/resourcegroups\\/[^/]+\\/providers\\/";

/**
 * What every emulated service shares: the emulator's kit, and finding the resources a route names
 * (ARM's 404 for what is missing).
 */
export abstract class ArmService implements EmulatedService {
  abstract readonly kind: string;
  abstract readonly namespace: string;
  abstract readonly apiVersions: readonly string[];
  abstract readonly routes: readonly EmulatedRoute[];
  protected readonly kit: EmulatorKit;

  constructor(kit: EmulatorKit) {
    this.kit = kit;
  }

  /** The resource at `path` among the service's, by lower-cased path. */
  protected resourceAt<P>(byPath: ReadonlyMap<string, P>, path: string): P {
    const found = byPath.get(lower(path));
    if (found === undefined) throw this.kit.notFound(path);
    return found;
  }

  /** The parent whose path the route's first capture ends, and its child that `is` picks. */
  protected childAt<P, C>(
    byPath: ReadonlyMap<string, P>,
    call: RouteCall,
    children: (parent: P) => readonly C[],
    is: (child: C) => boolean,
  ): [P, C] {
    const parent = this.resourceAt(byPath, call.path.slice(0, call.match[1]!.length));
    const child = children(parent).find(is);
    if (child === undefined) throw this.kit.notFound(call.path);
    return [parent, child];
  }
}
