// How one target is checked. Built from the configuration by src/app/targets.ts (secrets and CA
// files already resolved), carried out by an adapter (src/adapters/probe).
import type { ProbeOutcome } from "../core/observation.js";

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

export interface HttpProbeRequest {
  readonly kind: "http";
  readonly url: string;
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
  readonly timeoutMs: number;
  /** Extra trusted CA certificates (PEM), added to the system's. */
  readonly ca?: readonly string[];
  /** A certificate expiring within this many days is a warning. */
  readonly certificateWarningDays: number;
  /** Reuse a kept-alive connection between probes (off: every probe connects afresh). */
  readonly keepAlive: boolean;
}

export interface TcpProbeRequest {
  readonly kind: "tcp";
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

export type ProbeRequest = HttpProbeRequest | TcpProbeRequest;

/** Checks one target. Never throws for a failing target: the failure is the outcome. */
export interface Prober {
  probe(
    request: ProbeRequest,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ProbeOutcome>;
}
