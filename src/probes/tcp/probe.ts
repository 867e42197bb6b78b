// A TCP probe: connected within the timeout, or a classified failure. For dependencies that do
// not speak HTTP.
import net, { isIP } from "node:net";
import type { LookupFunction } from "node:net";
import { performance } from "node:perf_hooks";
import type { ProbeOutcome } from "../../core/observation.js";
import { classifyError, failure } from "../classify.js";
import { settleOnce } from "../settle.js";
import type { ProbeRunner, RunnerOptions } from "../types.js";
import type { TcpProbeRequest } from "./request.js";

const round = (ms: number) => Math.round(ms * 10) / 10;

function probeTcp(
  request: TcpProbeRequest,
  options: { readonly lookup?: LookupFunction; readonly abortSignal?: AbortSignal } = {},
): Promise<ProbeOutcome> {
  const started = performance.now();
  const since = () => round(performance.now() - started);
  return new Promise<ProbeOutcome>((resolve) => {
    let dns: number | undefined;
    const finish = (outcome: ProbeOutcome) => {
      if (!claim()) return;
      socket.destroy();
      resolve(outcome);
    };
    const phasesUntil = (end: number) => ({
      dnsMs: dns ?? 0,
      connectMs: end,
      tlsMs: end,
      firstByteMs: end,
      totalMs: end,
    });
    const socket = net.connect({
      host: request.host,
      port: request.port,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    socket.once("lookup", () => (dns = since()));
    socket.once("connect", () => {
      const at = since();
      const phases = phasesUntil(at);
      if (request.maxLatencyMs !== undefined && at > request.maxLatencyMs)
        finish({
          ok: false,
          latencyMs: at,
          phases,
          error: failure(
            "too-slow",
            `connected in ${Math.round(at)} ms, limit ${request.maxLatencyMs} ms`,
          ),
        });
      else finish({ ok: true, latencyMs: at, phases });
    });
    socket.once("error", (error) =>
      finish({ ok: false, latencyMs: since(), error: classifyError(error, request.host) }),
    );
    const needsLookup = isIP(request.host) === 0;
    const onTimeout = () =>
      finish({
        ok: false,
        latencyMs: since(),
        error:
          needsLookup && dns === undefined
            ? failure("dns", `${request.host} did not resolve within ${request.timeoutMs} ms`)
            : failure("connect-timeout", `could not connect within ${request.timeoutMs} ms`),
      });
    const onAbort = () =>
      finish({
        ok: false,
        latencyMs: since(),
        error: failure("aborted", "the probe was cancelled"),
      });
    const claim = settleOnce(request.timeoutMs, options.abortSignal, onTimeout, onAbort);
    if (options.abortSignal?.aborted) onAbort();
  });
}

/** The tcp kind's runner: it keeps nothing between probes. */
export function tcpRunner(options: RunnerOptions): ProbeRunner<TcpProbeRequest> {
  return {
    probe: (request, { abortSignal }) =>
      probeTcp(request, {
        ...(options.lookup ? { lookup: options.lookup } : {}),
        ...(abortSignal ? { abortSignal } : {}),
      }),
  };
}
