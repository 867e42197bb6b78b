// What the Azure lever adapters share: how they reach Azure Resource Manager (credential,
// endpoint, bounded retries, a deadline on every call) and how an ARM error becomes a sentence a
// person can act on at three in the morning.
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";
import { RestError } from "@azure/core-rest-pipeline";
import https from "node:https";
import { errorText } from "../../core/errors.js";
import type { ArmBudgetTracker } from "./budget.js";
import type { Telemetry } from "../../ports/telemetry.js";

export const PERMISSIONS_DOC = "docs/permissions.md";

export interface ArmConnection {
  readonly credential: TokenCredential;
  /** Resource Manager's endpoint: https://management.azure.com unless told otherwise. */
  readonly endpoint?: string;
  /** A CA certificate (PEM) to trust besides the system's: the sandbox's ARM emulator. */
  readonly ca?: string;
  /** Retries of 429 and 5xx replies (the SDK's policy, bounded here). */
  readonly retry?: {
    readonly maxRetries: number;
    readonly retryDelayInMs: number;
    readonly maxRetryDelayInMs: number;
  };
  /** Longest Retry-After honoured; a longer one ends the call with a clear error instead. */
  readonly maxRetryAfterMs?: number;
  /** Longest one call may take, retries included. */
  readonly timeoutMs?: number;
  /** How often a long-running operation is polled. */
  readonly pollIntervalMs?: number;
  /** How long a change waits for its long-running operation before returning it as accepted. */
  readonly lroPatienceMs?: number;
  /** Hears what every reply says about ARM's request budget. */
  readonly budget?: ArmBudgetTracker;
  /** Records every HTTP request to ARM (each retry and poll too) as a dependency. */
  readonly telemetry?: Telemetry;
}

export const ARM_DEFAULTS = {
  endpoint: "https://management.azure.com",
  retry: { maxRetries: 3, retryDelayInMs: 800, maxRetryDelayInMs: 8000 },
  maxRetryAfterMs: 10_000,
  timeoutMs: 30_000,
  pollIntervalMs: 2000,
  lroPatienceMs: 20_000,
} as const;

/**
 * The retries of a read whose server not answering is itself the finding (a data store's server
 * in a lost region): none in the SDK. The caller tries once more itself, after one 5xx, with a
 * timeout of its own (`retryDelayMs` between): the SDK's retries would share one call's timeout,
 * and while ARM is slow (15 s a reply, as in a regional outage) a lost server's second 503 came
 * after it, so the read failed for want of an answer and the store could never be read (ADR 35,
 * amended). Retry options are the client's (the pipeline's `retryOptions`; an operation's options
 * have none), so such reads use a client of their own (ArmLever.singleTryClient).
 */
export function singleTry(conn: ArmConnection): NonNullable<ArmConnection["retry"]> {
  const retry = conn.retry ?? ARM_DEFAULTS.retry;
  return { ...retry, maxRetries: 0 };
}

/** The wait before a caller's own retry: as the SDK's first, half of `retryDelayInMs` to all of it. */
export function retryDelayMs(conn: ArmConnection): number {
  const base = (conn.retry ?? ARM_DEFAULTS.retry).retryDelayInMs;
  return Math.round(base * (0.5 + Math.random() / 2));
}

export interface ResourceId {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}`. */
export function parseResourceId(id: string): ResourceId {
  const parts = id.split("/");
  const at = (key: string) => {
    const i = parts.findIndex((p) => p.toLowerCase() === key);
    return i >= 0 ? parts[i + 1] : undefined;
  };
  const subscriptionId = at("subscriptions");
  const resourceGroup = at("resourcegroups");
  const name = parts.at(-1);
  if (!subscriptionId || !resourceGroup || !name || !at("providers"))
    throw new Error(`"${id}" is not an Azure resource ID`);
  return { id, subscriptionId, resourceGroup, name };
}

const retryAfterMs = (response: PipelineResponse): number | undefined => {
  const ms = response.headers.get("retry-after-ms") ?? response.headers.get("x-ms-retry-after-ms");
  if (ms !== undefined && Number.isFinite(Number(ms))) return Number(ms);
  const value = response.headers.get("retry-after");
  if (value === undefined) return undefined;
  if (Number.isFinite(Number(value))) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
};

/**
 * Runs inside the SDK's retry policy: a throttling reply that asks for a longer wait than Tandem
 * can afford ends the call at once with the reason, rather than sleeping past the step's deadline.
 */
function retryAfterCapPolicy(maxMs: number): PipelinePolicy {
  return {
    name: "tandemRetryAfterCap",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 429 && response.status !== 503) return response;
      const wait = retryAfterMs(response);
      if (wait !== undefined && wait > maxMs)
        throw new RestError(
          `Azure Resource Manager answered ${response.status} and asked to wait ${Math.round(wait / 1000)} s before retrying, longer than the ${Math.round(maxMs / 1000)} s Tandem waits within a step; the next tick tries again`,
          // No `response` here: the retry policy would honour its Retry-After after all.
          { statusCode: response.status, code: "RetryAfterTooLong", request },
        );
      return response;
    },
  };
}

/** Trusts an extra CA (the sandbox's emulator) for this client's requests only. */
function caPolicy(ca: string): PipelinePolicy {
  const agent = new https.Agent({ ca, keepAlive: true });
  return {
    name: "tandemTrustedCa",
    sendRequest(request: PipelineRequest, next) {
      request.agent = agent;
      return next(request);
    },
  };
}

/** Reports each request to ARM as a dependency record: method, path, status, time. */
function telemetryPolicy(telemetry: Telemetry): PipelinePolicy {
  return {
    name: "tandemArmTelemetry",
    async sendRequest(request, next) {
      const startedAt = Date.now();
      const url = new URL(request.url);
      const report = (status: number | undefined) =>
        telemetry.dependency({
          kind: "arm",
          name: `${request.method} ${url.pathname}`,
          target: url.host,
          data: request.url,
          resultCode: status === undefined ? "" : String(status),
          success: status !== undefined && status < 400,
          durationMs: Date.now() - startedAt,
          startedAt,
        });
      try {
        const response = await next(request);
        report(response.status);
        return response;
      } catch (error) {
        const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
        report(typeof status === "number" ? status : undefined);
        throw error;
      }
    },
  };
}

/** Options for an ARM client (both the classic and the new generated SDK clients take these). */
export function clientOptions(conn: ArmConnection) {
  const policies: { policy: PipelinePolicy; position: "perCall" | "perRetry" }[] = [
    {
      policy: retryAfterCapPolicy(conn.maxRetryAfterMs ?? ARM_DEFAULTS.maxRetryAfterMs),
      position: "perRetry",
    },
  ];
  if (conn.ca) policies.push({ policy: caPolicy(conn.ca), position: "perRetry" });
  if (conn.budget) policies.push({ policy: conn.budget.policy(), position: "perRetry" });
  if (conn.telemetry)
    policies.push({ policy: telemetryPolicy(conn.telemetry), position: "perRetry" });
  return {
    endpoint: conn.endpoint ?? ARM_DEFAULTS.endpoint,
    retryOptions: { ...(conn.retry ?? ARM_DEFAULTS.retry) },
    additionalPolicies: policies,
    userAgentOptions: { userAgentPrefix: "tandem" },
  };
}

/** One SDK client per subscription, made on first use with the connection's options. */
export function clientsBySubscription<C>(
  conn: ArmConnection,
  make: (
    credential: ArmConnection["credential"],
    subscriptionId: string,
    options: ReturnType<typeof clientOptions>,
  ) => C,
): (subscriptionId: string) => C {
  const clients = new Map<string, C>();
  return (subscriptionId) => {
    let client = clients.get(subscriptionId);
    if (!client) {
      client = make(conn.credential, subscriptionId, clientOptions(conn));
      clients.set(subscriptionId, client);
    }
    return client;
  };
}

/** An ARM call's failure, as a person can act on it. `status` and `code` are ARM's. */
export class ArmError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** The method of the request Azure answered, when known (a GET after a POST is its poll). */
  readonly request: { readonly method: string } | undefined;
  constructor(
    message: string,
    status: number | undefined,
    code: string | undefined,
    method?: string,
  ) {
    super(message);
    this.name = "ArmError";
    this.status = status;
    this.code = code;
    this.request = method === undefined ? undefined : { method };
  }
}

export interface ArmCallDescription {
  /** The ARM action the call needs, e.g. Microsoft.Network/trafficManagerProfiles/read. */
  readonly action: string;
  /** The resource it acts on (a resource ID). */
  readonly resource: string;
  /** What Tandem was doing, e.g. "promote northeurope". */
  readonly doing: string;
}

const shortName = (id: string) => id.split("/").filter(Boolean).at(-1) ?? id;

/** Why a call was cut short, when it was: its own timeout, or the caller's signal. */
export interface CutShort {
  readonly timeoutMs?: number;
  readonly callerReason?: string;
}

/** The Retry-After of a throttled reply, in seconds, when the SDK's error carries it. */
function retryAfterOf(error: unknown): number | undefined {
  const headers = (error as { response?: { headers?: { get?(name: string): unknown } } })?.response
    ?.headers;
  const value = typeof headers?.get === "function" ? headers.get("retry-after") : undefined;
  const seconds = typeof value === "string" ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

/** Turns whatever the SDK threw into an ArmError that says what to do. */
export function explain(error: unknown, call: ArmCallDescription, cut: CutShort = {}): ArmError {
  if (error instanceof ArmError) return error;
  // Duck-typed: the classic and the new SDK clients each bring their own RestError class.
  const fields = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  const status = typeof fields.statusCode === "number" ? fields.statusCode : undefined;
  const code = typeof fields.code === "string" ? fields.code : undefined;
  const raw = errorText(error);
  const said = raw.split("\n")[0]!.slice(0, 400);
  const name = shortName(call.resource);
  const prefix = [status, code].filter((x) => x !== undefined).join(" ");
  let advice: string;
  if (code === "RetryAfterTooLong") advice = said;
  else if (status === 403) {
    const action = /perform action '([^']+)'/.exec(raw)?.[1] ?? call.action;
    advice = `the identity lacks ${action} on ${name}; see ${PERMISSIONS_DOC}`;
  } else if (status === 401)
    advice = `Azure did not accept the identity's token (${said}); check the managed identity or \`az login\``;
  else if (status === 404)
    advice = `${name} was not found (${call.resource}); check the resource ID in the configuration`;
  else if (status === 409) advice = `Azure refused the change as conflicting: ${said}`;
  else if (status === 429) {
    const wait = retryAfterOf(error);
    advice = `Azure Resource Manager is throttling the calls and retries ran out${wait === undefined ? "" : ` (it asked to wait ${wait} s)`}; the next tick tries again (${said})`;
  } else if (status !== undefined && status >= 500)
    advice = `Azure answered with a server error after retries; the next tick tries again (${said})`;
  else if (status === 400) advice = `Azure rejected the request: ${said}`;
  else if (status !== undefined) advice = `Azure answered ${status}: ${said}`;
  else if ((error as { name?: string } | undefined)?.name === "AbortError")
    advice =
      cut.callerReason !== undefined
        ? `stopped before Azure Resource Manager answered: ${cut.callerReason}`
        : cut.timeoutMs !== undefined
          ? `no answer from Azure Resource Manager within ${cut.timeoutMs < 1000 ? `${cut.timeoutMs} ms` : `${Math.round(cut.timeoutMs / 1000)} s`}`
          : `no answer from Azure Resource Manager in time`;
  else if (/long-running operation/i.test(raw))
    advice = `Azure accepted the change but the operation failed: ${said}`;
  else advice = `Azure Resource Manager could not be reached: ${said}`;
  const method = (error as { request?: { method?: unknown } } | undefined)?.request?.method;
  return new ArmError(
    `${call.doing}: ${prefix ? `${prefix}: ` : ""}${advice}`,
    status,
    code,
    typeof method === "string" ? method : undefined,
  );
}

/** Bounds a call by `timeoutMs` and the caller's signal, and explains its failure. */
export async function armCall<T>(
  call: ArmCallDescription,
  conn: ArmConnection,
  outer: AbortSignal | undefined,
  run: (abortSignal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timeoutMs = conn.timeoutMs ?? ARM_DEFAULTS.timeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort();
  }, timeoutMs);
  if (outer?.aborted) controller.abort();
  outer?.addEventListener("abort", abort, { once: true });
  try {
    return await run(controller.signal);
  } catch (error) {
    // Say which limit cut the call: the caller's (a fence's acting time) or its own timeout.
    const cut: CutShort = outer?.aborted
      ? { callerReason: errorText(outer.reason ?? "the caller gave up") }
      : timedOut
        ? { timeoutMs }
        : {};
    throw explain(error, call, cut);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", abort);
  }
}

/**
 * Waits for long-running operations that Azure has accepted, for at most `lroPatienceMs` or
 * until the caller's deadline, whichever comes first. An operation still running then is
 * returned as accepted: the change is Azure's to finish, and the next tick reads where it stands.
 * Fails only if an operation itself fails.
 */
export async function awaitPatiently(
  conn: ArmConnection,
  outer: AbortSignal,
  wait: (abortSignal: AbortSignal) => Promise<unknown>,
): Promise<"done" | "accepted"> {
  if (outer.aborted) return "accepted";
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, conn.lroPatienceMs ?? ARM_DEFAULTS.lroPatienceMs);
  outer.addEventListener("abort", abort, { once: true });
  try {
    await wait(controller.signal);
    return "done";
  } catch (error) {
    if (controller.signal.aborted) return "accepted";
    throw error;
  } finally {
    clearTimeout(timer);
    outer.removeEventListener("abort", abort);
  }
}
