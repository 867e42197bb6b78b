// The echo kind's implementation: connect, send the line, wait for it to come back.
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { ProbeOutcome } from "../../../src/core/index.js";
import { classifyError, failure } from "../../../src/probes/classify.js";
import type { ProbeRunner, RunnerOptions } from "../../../src/probes/types.js";
import type { EchoProbeRequest } from "./request.js";

function probeEcho(
  request: EchoProbeRequest,
  options: RunnerOptions & { readonly abortSignal?: AbortSignal },
): Promise<ProbeOutcome> {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  return new Promise<ProbeOutcome>((resolve) => {
    const finish = (outcome: ProbeOutcome) => {
      clearTimeout(timer);
      options.abortSignal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const fail = (kind: Parameters<typeof failure>[0], message: string) =>
      finish({ ok: false, latencyMs: since(), error: failure(kind, message) });
    const socket = net.connect({
      host: request.host,
      port: request.port,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    let received = "";
    socket.on("connect", () => socket.write(`${request.message}\n`));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
      if (!received.includes("\n")) return;
      const line = received.slice(0, received.indexOf("\n"));
      if (line === request.message) finish({ ok: true, latencyMs: since() });
      else fail("body-mismatch", `sent ${request.message}, got ${line.slice(0, 60)} back`);
    });
    socket.on("error", (error) =>
      finish({ ok: false, latencyMs: since(), error: classifyError(error, request.host) }),
    );
    const timer = setTimeout(
      () => fail("timeout", `no echo within ${request.timeoutMs} ms`),
      request.timeoutMs,
    );
    const onAbort = () => fail("aborted", "the probe was cancelled");
    options.abortSignal?.addEventListener("abort", onAbort, { once: true });
    if (options.abortSignal?.aborted) onAbort();
  });
}

export function echoRunner(options: RunnerOptions): ProbeRunner<EchoProbeRequest> {
  return {
    probe: (request, { abortSignal }) =>
      probeEcho(request, { ...options, ...(abortSignal ? { abortSignal } : {}) }),
  };
}
