// Probe overhead: a Tandem probe of a loopback HTTPS target, against the same request made with a
// bare node:https request (fresh connection, same trust store, same server). Both are timed the
// same way, from outside the call, so everything Tandem does (certificate chain, checks) counts.
// Goal: median ratio <= 1.2.
import https from "node:https";
import { performance } from "node:perf_hooks";
import tls from "node:tls";
import { ProbeEngine } from "../src/probes/engine.js";
import type { HttpProbeRequest } from "../src/probes/http/request.js";
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

/** A probe timed from outside, like the bare request. */
async function timed(engine: ProbeEngine, request: HttpProbeRequest): Promise<number> {
  const started = performance.now();
  const outcome = await engine.probe(request);
  const took = performance.now() - started;
  if (!outcome.ok) throw new Error(`probe failed: ${outcome.error?.message}`);
  return took;
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
      tandemTimes.push(await timed(engine, request));
    } else {
      tandemTimes.push(await timed(engine, request));
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
