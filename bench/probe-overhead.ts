// Probe overhead: Tandem's measured total for a loopback HTTPS probe, against the same request
// timed around a bare node:https request (fresh connection, same CA, same server). Goal: median
// ratio <= 1.2.
import https from "node:https";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { ProbeEngine } from "../src/adapters/probe/engine.js";
import type { HttpProbeRequest } from "../src/ports/prober.js";
import type { BenchServers } from "./harness.js";
import { median, percentile } from "./harness.js";

/** The bare request gets the same prebuilt trust store as the probe, so only the probing differs. */
function bare(url: string, secureContext: tls.SecureContext): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions &
      tls.SecureContextOptions & { secureContext: tls.SecureContext } = {
      agent: false,
      secureContext,
      servername: "bench.example.test",
    };
    const req = https.request(url, options, (res) => {
      res.resume();
      res.on("end", () => resolve(performance.now() - started));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function probeOverhead(servers: BenchServers, iterations: number) {
  const url = `https://127.0.0.1:${servers.ports.healthy}/healthz`;
  const engine = new ProbeEngine();
  const context = tls.createSecureContext({ ca: [...tls.rootCertificates, servers.ca] });
  const request: HttpProbeRequest = {
    kind: "http",
    url,
    method: "GET",
    headers: {},
    tlsServerName: "bench.example.test",
    expectStatus: [{ from: 200, to: 299 }],
    maxRedirects: 0,
    timeoutMs: 5000,
    ca: [servers.ca],
    certificateWarningDays: 14,
    keepAlive: false,
  };
  for (let i = 0; i < 20; i++) {
    await bare(url, context);
    await engine.probe(request);
  }
  const bareTimes: number[] = [];
  const tandemTimes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    // Alternate which goes first, so neither always meets a warmer server.
    if (i % 2 === 0) {
      bareTimes.push(await bare(url, context));
      const outcome = await engine.probe(request);
      if (!outcome.ok) throw new Error(`probe failed: ${outcome.error?.message}`);
      tandemTimes.push(outcome.latencyMs);
    } else {
      const outcome = await engine.probe(request);
      if (!outcome.ok) throw new Error(`probe failed: ${outcome.error?.message}`);
      tandemTimes.push(outcome.latencyMs);
      bareTimes.push(await bare(url, context));
    }
  }
  const ratio = median(tandemTimes) / median(bareTimes);
  return {
    iterations,
    bareMedianMs: median(bareTimes),
    tandemMedianMs: median(tandemTimes),
    bareP95Ms: percentile(bareTimes, 95),
    tandemP95Ms: percentile(tandemTimes, 95),
    ratio,
    goal: "median ratio <= 1.2",
    met: ratio <= 1.2,
  };
}
