// A plain HTTP(S) GET probe: up when a 2xx answer arrives within the timeout. Each probe opens a
// fresh connection (no pooled socket hides a connect or TLS failure). The full probe engine
// (phases, TLS health, conditions, confirmation) replaces this in its own issue.
import type { LookupFunction } from "node:net";
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import type { ProbeError, ProbeOutcome } from "../../core/observation.js";
import type { ProbeRequest, Prober } from "../../ports/prober.js";

export interface HttpGetProberOptions {
  /** Name resolution; tests inject one so no real name is ever resolved. */
  readonly lookup?: LookupFunction;
  /** Extra trusted CA certificates (PEM), for example the sandbox's own. */
  readonly ca?: string | readonly string[];
}

const BODY_LIMIT = 64 * 1024;

const ERROR_KINDS: Record<string, string> = {
  ECONNREFUSED: "connect-refused",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ETIMEDOUT: "connect-timeout",
  EHOSTUNREACH: "connect-refused",
  ENETUNREACH: "connect-refused",
};

function classify(error: unknown, timedOut: boolean, timeoutMs: number): ProbeError {
  if (timedOut) return { kind: "timeout", message: `no answer within ${timeoutMs} ms` };
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  if (e.name === "AbortError") return { kind: "aborted", message: "the probe was cancelled" };
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = typeof e.message === "string" ? e.message : String(error);
  if (code !== undefined && ERROR_KINDS[code]) return { kind: ERROR_KINDS[code], message };
  if (code?.startsWith("ERR_TLS") || code?.includes("CERT") || /certificate|SSL|TLS/i.test(message))
    return { kind: "tls", message };
  return { kind: "error", message };
}

export class HttpGetProber implements Prober {
  readonly #options: HttpGetProberOptions;

  constructor(options: HttpGetProberOptions = {}) {
    this.#options = options;
  }

  probe(
    request: ProbeRequest,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ProbeOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
    const timeout = AbortSignal.timeout(request.timeoutMs);
    const signal = options?.abortSignal ? AbortSignal.any([options.abortSignal, timeout]) : timeout;

    return new Promise<ProbeOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: ProbeOutcome) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const fail = (error: unknown, statusCode?: number) =>
        finish({
          ok: false,
          latencyMs: elapsed(),
          ...(statusCode === undefined ? {} : { statusCode }),
          error: classify(error, timeout.aborted, request.timeoutMs),
        });

      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return fail(
          Object.assign(new Error(`not a valid URL: ${request.url}`), { code: "ERR_INVALID_URL" }),
        );
      }
      const client = url.protocol === "https:" ? https : http;
      const req = client.request(
        url,
        {
          method: "GET",
          agent: false,
          signal,
          headers: { "user-agent": "tandem-probe", accept: "*/*", connection: "close" },
          ...(this.#options.lookup ? { lookup: this.#options.lookup } : {}),
          ...(this.#options.ca ? { ca: this.#options.ca as string | string[] } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let received = 0;
          res.on("data", (chunk: Buffer) => {
            received += chunk.length;
            if (received > BODY_LIMIT) res.destroy();
          });
          res.on("error", (error) => fail(error, status));
          res.on("close", () => {
            if (status >= 200 && status < 300)
              finish({ ok: true, latencyMs: elapsed(), statusCode: status });
            else
              finish({
                ok: false,
                latencyMs: elapsed(),
                statusCode: status,
                error: { kind: "http-status", message: `answered ${status}, expected 2xx` },
              });
          });
        },
      );
      req.on("error", (error) => fail(error));
      req.end();
    });
  }
}
