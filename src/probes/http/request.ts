// An HTTP(S) probe's request, and how a target's settings become one: headers with their secret
// references resolved, the CA file read, statuses as ranges. A missing setting or an unreadable
// file is a problem at its path, found at start-up rather than at every tick.
import { formatPath } from "../../config/problems.js";
import { resolveSecret, SecretError } from "../../config/secrets.js";
import type { ConfigProblem } from "../../config/problems.js";
import type { ProbeRequest } from "../../ports/prober.js";
import type { BuiltRequest, RequestContext } from "../types.js";
import type { HttpProbeSettings } from "./fields.js";

/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  readonly from: number;
  readonly to: number;
}

export interface JsonCondition {
  /** A path such as `$.status` or `$.checks[0].ok`. */
  readonly path: string;
  /** The value must equal this (deep equality). */
  readonly equals?: unknown;
  /** The path must exist (true) or must not (false). */
  readonly exists?: boolean;
}

export interface BodyConditions {
  readonly contains?: string;
  /** A regular expression (JavaScript syntax). */
  readonly matches?: string;
  readonly json?: readonly JsonCondition[];
}

export interface HttpProbeRequest extends ProbeRequest {
  readonly kind: "http";
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Name sent in TLS SNI and checked against the certificate; defaults to the URL's host name. */
  readonly tlsServerName?: string;
  readonly expectStatus: readonly StatusRange[];
  readonly body?: BodyConditions;
  /** Slower than this (total) is a `too-slow` failure. */
  readonly maxLatencyMs?: number;
  /** Redirects to follow (0: a redirect is judged by expectStatus like any answer). */
  readonly maxRedirects: number;
  /** Extra trusted CA certificates (PEM), added to the system's. */
  readonly ca?: readonly string[];
  /** A certificate expiring within this many days is a warning. */
  readonly certificateWarningDays: number;
  /** Reuse a kept-alive connection between probes (off: every probe connects afresh). */
  readonly keepAlive: boolean;
}

const MAX_REDIRECTS = 5;

function statusRange(spec: number | string): StatusRange {
  if (typeof spec === "number") return { from: spec, to: spec };
  const klass = /^([1-5])xx$/.exec(spec);
  if (klass) return { from: Number(klass[1]) * 100, to: Number(klass[1]) * 100 + 99 };
  const [from, to = from] = spec.split("-").map(Number) as [number, number?];
  return { from, to };
}

/** A plain GET that must answer 2xx (an observer's control probe). */
export function getRequest(url: string, timeoutMs: number): HttpProbeRequest {
  return {
    kind: "http",
    url,
    method: "GET",
    headers: {},
    expectStatus: [{ from: 200, to: 299 }],
    maxRedirects: MAX_REDIRECTS,
    timeoutMs,
    certificateWarningDays: 0,
    keepAlive: false,
  };
}

function resolveHeaders(
  settings: HttpProbeSettings,
  context: RequestContext,
  problems: ConfigProblem[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers)) {
    const at = formatPath([...context.path, "headers", name]);
    try {
      // Settings often end in a newline when pasted; a header value may not contain one.
      const resolved = value.startsWith("env:") ? resolveSecret(value, context.env).trim() : value;
      if (/[\r\n\0]/.test(resolved))
        problems.push({ path: at, message: "the value contains a line break" });
      else headers[name] = resolved;
    } catch (error) {
      if (!(error instanceof SecretError)) throw error;
      problems.push({
        path: at,
        message: `refers to app setting ${error.setting}, which is not set or is empty`,
      });
    }
  }
  return headers;
}

async function readCa(
  file: string,
  context: RequestContext,
  problems: ConfigProblem[],
): Promise<string[] | undefined> {
  const at = formatPath([...context.path, "caFile"]);
  try {
    const pem = await context.readText(file);
    if (!pem.includes("-----BEGIN CERTIFICATE-----"))
      problems.push({ path: at, message: `${file} holds no PEM certificate` });
    return [pem];
  } catch (error) {
    problems.push({
      path: at,
      message: `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    });
    return undefined;
  }
}

export async function httpRequest(
  settings: HttpProbeSettings,
  context: RequestContext,
): Promise<BuiltRequest<HttpProbeRequest>> {
  const problems: ConfigProblem[] = [];
  const headers = resolveHeaders(settings, context, problems);
  const ca =
    settings.caFile === undefined ? undefined : await readCa(settings.caFile, context, problems);
  const request: HttpProbeRequest = {
    kind: "http",
    url: settings.url,
    method: settings.method,
    headers,
    ...(settings.tlsServerName === undefined ? {} : { tlsServerName: settings.tlsServerName }),
    expectStatus: settings.expectStatus.map(statusRange),
    ...(settings.body === undefined ? {} : { body: settings.body }),
    ...(settings.maxLatencyMs === undefined ? {} : { maxLatencyMs: settings.maxLatencyMs }),
    maxRedirects: settings.redirects === "follow" ? MAX_REDIRECTS : 0,
    timeoutMs: context.timeoutMs,
    ...(ca === undefined ? {} : { ca }),
    certificateWarningDays: settings.certificateWarningDays,
    keepAlive: settings.keepAlive,
  };
  return { request, problems };
}
