// An HTTP(S) probe: one request (and same-origin redirects, if allowed), timed by phase, with
// the served certificate chain checked, the status and body judged, and every failure classified
// by the phase it happened in.
import { createHash } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction, Socket } from "node:net";
import { isIP } from "node:net";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import type { TLSSocket } from "node:tls";
import type { ProbeError, ProbeOutcome, ProbePhases } from "../../core/observation.js";
import { classifyError, failure } from "../classify.js";
import { settleOnce } from "../settle.js";
import type { ProbeRunner, RunnerOptions } from "../types.js";
import { checkBody, describeRanges, statusExpected } from "./conditions.js";
import type { HttpProbeRequest } from "./request.js";

/** Bodies are read up to this size; conditions see the first part of a larger one. */
const BODY_LIMIT_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;

interface HttpProbeOptions {
  readonly lookup?: LookupFunction;
  readonly abortSignal?: AbortSignal;
  /** Kept-alive agents, one per target and trust setting, for requests with keepAlive. */
  readonly agents?: Map<string, http.Agent>;
}

interface Answer {
  readonly status: number;
  readonly location?: string;
  readonly body: string;
  readonly phases: ProbePhases;
  readonly certificateExpiry?: number;
}

class ProbeFailure extends Error {
  constructor(
    readonly error: ProbeError,
    readonly phases?: ProbePhases,
  ) {
    super(error.message);
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The chain's earliest expiry, read once per TLS connection at its handshake (kept-alive sockets are reused). */
const expiries = new WeakMap<Socket, number | undefined>();

/** The earliest expiry in the chain the connection presented; undefined if it cannot be read. */
function earliestExpiry(socket: TLSSocket | undefined): number | undefined {
  try {
    let cert = socket?.getPeerX509Certificate();
    let earliest: number | undefined;
    const seen = new Set<string>();
    while (cert && !seen.has(cert.fingerprint256)) {
      seen.add(cert.fingerprint256);
      const expiry = Date.parse(cert.validTo);
      if (!Number.isNaN(expiry))
        earliest = earliest === undefined ? expiry : Math.min(earliest, expiry);
      cert = cert.issuerCertificate;
    }
    return earliest;
  } catch {
    return undefined;
  }
}

/**
 * Secure contexts per set of extra CAs: the default trust store (with NODE_EXTRA_CA_CERTS) plus
 * the target's CAs. Building one costs milliseconds; made once per set (the configuration names a
 * fixed number of sets), it is shared by every probe that uses it.
 */
const secureContexts = new Map<string, tls.SecureContext>();
const caKey = (ca: readonly string[]) => createHash("sha256").update(ca.join("\n")).digest("hex");

function secureContextFor(ca: readonly string[] | undefined): tls.SecureContext | undefined {
  if (!ca?.length) return undefined;
  const key = caKey(ca);
  let context = secureContexts.get(key);
  if (!context) {
    context = tls.createSecureContext();
    const native = (context as unknown as { context: { addCACert(pem: string): void } }).context;
    for (const pem of ca) native.addCACert(pem);
    secureContexts.set(key, context);
  }
  return context;
}

/** A kept-alive agent per origin, server name and CA set, so no socket crosses trust settings. */
function agentFor(
  request: HttpProbeRequest,
  url: URL,
  options: HttpProbeOptions,
): http.Agent | false {
  if (!request.keepAlive || !options.agents) return false;
  const key = `${url.origin}|${request.tlsServerName ?? ""}|${request.ca?.length ? caKey(request.ca) : ""}`;
  let agent = options.agents.get(key);
  if (!agent) {
    agent =
      url.protocol === "https:"
        ? new https.Agent({ keepAlive: true, maxSockets: 1 })
        : new http.Agent({ keepAlive: true, maxSockets: 1 });
    options.agents.set(key, agent);
  }
  return agent;
}

/** When each phase of a request ended, in ms from its start. */
interface Marks {
  dns?: number;
  connect?: number;
  tls?: number;
  firstByte?: number;
}

/** The phases' times: a phase that did not happen (a reused socket's DNS) ends with the one before. */
function phasesOf(marks: Marks, totalMs: number): ProbePhases {
  const dns = marks.dns ?? 0;
  const connect = marks.connect ?? dns;
  const tlsDone = marks.tls ?? connect;
  const firstByte = marks.firstByte ?? tlsDone;
  return {
    dnsMs: dns,
    connectMs: connect,
    tlsMs: tlsDone,
    firstByteMs: firstByte,
    totalMs: Math.max(firstByte, totalMs),
  };
}

/** The phase a failure happened in decides its kind, whatever the socket error says. */
function inPhase(error: ProbeError, marks: Marks, isHttps: boolean): ProbeError {
  // A connection reset or dropped before the handshake finished is a handshake failure.
  const mid = error.kind === "reset" || error.kind === "error" || error.kind === "timeout";
  if (mid && isHttps && marks.tls === undefined && marks.firstByte === undefined)
    return failure("tls-handshake", `the TLS handshake failed: ${error.message}`);
  return error;
}

/** A request out of time, named by the phase it had not finished. */
function timedOut(
  limit: string,
  marks: Marks,
  hostname: string,
  needsLookup: boolean,
  isHttps: boolean,
): ProbeError {
  if (needsLookup && marks.dns === undefined && marks.connect === undefined)
    return failure("dns", `${hostname} did not resolve within ${limit}`);
  if (marks.connect === undefined)
    return failure("connect-timeout", `could not connect within ${limit}`);
  if (isHttps && marks.tls === undefined && marks.firstByte === undefined)
    return failure("tls-handshake", `the TLS handshake did not complete within ${limit}`);
  if (marks.firstByte === undefined) return failure("timeout", `no answer within ${limit}`);
  return failure("timeout", `the answer did not complete within ${limit}`);
}

/** The request's options: Tandem's headers, the agent, and for HTTPS the name and CAs it trusts. */
function requestOptions(
  request: HttpProbeRequest,
  url: URL,
  method: string,
  servername: string | undefined,
  options: HttpProbeOptions,
): https.RequestOptions {
  return {
    method,
    headers: { "user-agent": "tandem-probe", accept: "*/*", ...request.headers },
    agent: agentFor(request, url, options),
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(url.protocol === "https:"
      ? {
          rejectUnauthorized: true,
          ...(servername ? { servername } : {}),
          ...(request.ca?.length ? { secureContext: secureContextFor(request.ca)! } : {}),
        }
      : {}),
  };
}

/** One request: resolves with the answer, or rejects with a classified ProbeFailure. */
function exchange(
  request: HttpProbeRequest,
  url: URL,
  method: string,
  started: number,
  deadline: number,
  options: HttpProbeOptions,
): Promise<Answer> {
  const since = () => round(performance.now() - started);
  const isHttps = url.protocol === "https:";
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const needsLookup = isIP(hostname) === 0;
  // SNI, and the name the certificate is checked against (Node checks `servername || host`).
  const servername = request.tlsServerName ?? (needsLookup ? hostname : undefined);

  return new Promise<Answer>((resolve, reject) => {
    const marks: Marks = {};
    let socketUsed: Socket | undefined;
    const phases = () => phasesOf(marks, since());

    let req: http.ClientRequest | undefined;
    const fail = (error: ProbeError) => {
      if (!claim()) return;
      req?.destroy();
      reject(new ProbeFailure(error, phases()));
    };
    const onAbort = () => fail(failure("aborted", "the probe was cancelled"));
    const claim = settleOnce(
      Math.max(0, deadline - performance.now()),
      options.abortSignal,
      () => fail(timedOut(`${request.timeoutMs} ms`, marks, hostname, needsLookup, isHttps)),
      onAbort,
    );

    try {
      req = (isHttps ? https : http).request(
        url,
        requestOptions(request, url, method, servername, options),
      );
    } catch (error) {
      return fail(classifyError(error, hostname));
    }

    req.on("socket", (socket: Socket) => {
      socketUsed = socket;
      if ((req as { reusedSocket?: boolean }).reusedSocket) {
        marks.dns = marks.connect = marks.tls = since();
        return;
      }
      socket.once("lookup", () => (marks.dns = since()));
      socket.once("connect", () => (marks.connect = since()));
      socket.once("secureConnect", () => {
        marks.tls = since();
        expiries.set(socket, earliestExpiry(socket as TLSSocket));
      });
    });
    req.on("error", (error) => fail(inPhase(classifyError(error, hostname), marks, isHttps)));
    req.on("response", (res) => {
      marks.firstByte = since();
      if (marks.connect === undefined) marks.connect = marks.firstByte;
      const certificateExpiry = isHttps && socketUsed ? expiries.get(socketUsed) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size >= BODY_LIMIT_BYTES) return;
        size += chunk.length;
        chunks.push(chunk);
      });
      res.on("aborted", () =>
        fail(failure("reset", "the connection closed in the middle of the answer")),
      );
      res.on("error", (error) => fail(classifyError(error, hostname)));
      res.on("end", () => {
        const measured = phases();
        if (!claim()) return;
        const location = res.headers.location;
        resolve({
          status: res.statusCode ?? 0,
          ...(location ? { location } : {}),
          body: Buffer.concat(chunks).toString("utf8"),
          phases: measured,
          ...(certificateExpiry === undefined ? {} : { certificateExpiry }),
        });
      });
    });
    if (options.abortSignal?.aborted) onAbort();
    req.end();
  });
}

async function probeHttp(
  request: HttpProbeRequest,
  options: HttpProbeOptions = {},
): Promise<ProbeOutcome> {
  const started = performance.now();
  const deadline = started + request.timeoutMs;
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return { ok: false, latencyMs: 0, error: failure("error", `not a valid URL: ${request.url}`) };
  }

  let answer: Answer | undefined;
  let firstPhases: ProbePhases | undefined;
  let method = request.method;
  try {
    for (let hop = 0; ; hop++) {
      answer = await exchange(request, url, method, started, deadline, options);
      firstPhases ??= answer.phases;
      const redirect = answer.status >= 300 && answer.status < 400 && answer.location !== undefined;
      if (!redirect || hop >= request.maxRedirects) break;
      const next = new URL(answer.location!, url);
      // Headers, SNI and the certificate name belong to this origin: never carried elsewhere.
      if (next.origin !== url.origin)
        throw new ProbeFailure(
          failure(
            "http-status",
            `answered ${answer.status}, redirecting to another origin (${next.origin}); only same-origin redirects are followed`,
          ),
          answer.phases,
        );
      if (answer.status === 303) method = "GET";
      url = next;
    }
  } catch (error) {
    if (!(error instanceof ProbeFailure)) throw error;
    const phases = error.phases;
    return {
      ok: false,
      latencyMs: phases?.totalMs ?? round(performance.now() - started),
      error: error.error,
      ...(phases ? { phases } : {}),
    };
  }

  const final = answer!;
  // The first hop's phases; the total runs to the end of the last answer (times are from the start).
  const phases: ProbePhases = {
    ...firstPhases!,
    totalMs: Math.max(firstPhases!.firstByteMs, final.phases.totalMs),
  };
  const base = { latencyMs: phases.totalMs, statusCode: final.status, phases };
  const warnings: string[] = [];
  let certificateDaysLeft: number | undefined;
  if (final.certificateExpiry !== undefined) {
    certificateDaysLeft = Math.floor(((final.certificateExpiry - Date.now()) / DAY_MS) * 10) / 10;
    if (certificateDaysLeft < request.certificateWarningDays)
      warnings.push(
        `a certificate in the chain expires in ${Math.max(0, Math.floor(certificateDaysLeft))} day(s)`,
      );
  }
  const extra = {
    ...(certificateDaysLeft === undefined ? {} : { certificateDaysLeft }),
    ...(warnings.length ? { warnings } : {}),
  };

  if (!statusExpected(final.status, request.expectStatus))
    return {
      ok: false,
      ...base,
      ...extra,
      error: failure(
        "http-status",
        `answered ${final.status}, expected ${describeRanges(request.expectStatus)}`,
      ),
    };
  const mismatch = request.body ? checkBody(final.body, request.body) : undefined;
  if (mismatch) return { ok: false, ...base, ...extra, error: failure("body-mismatch", mismatch) };
  if (request.maxLatencyMs !== undefined && phases.totalMs > request.maxLatencyMs)
    return {
      ok: false,
      ...base,
      ...extra,
      error: failure(
        "too-slow",
        `answered in ${Math.round(phases.totalMs)} ms, limit ${request.maxLatencyMs} ms`,
      ),
    };
  return { ok: true, ...base, ...extra };
}

/** The http kind's runner: one engine's kept-alive agents, closed with it. */
export function httpRunner(options: RunnerOptions): ProbeRunner<HttpProbeRequest> {
  const agents = new Map<string, http.Agent>();
  return {
    probe: (request, { abortSignal }) =>
      probeHttp(request, {
        agents,
        ...(options.lookup ? { lookup: options.lookup } : {}),
        ...(abortSignal ? { abortSignal } : {}),
      }),
    close: () => {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}
