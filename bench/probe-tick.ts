// One probe tick over 500 loopback HTTPS targets: 400 healthy, 50 slow (200 ms), 50 that accept
// the connection and never answer (so the TLS handshake never completes), each under a 2 s timeout, all in flight at once (probeConcurrency 500),
// through runProbeTick with the memory store. Goals: wall time within the timeout + 10 %, peak
// resident memory <= 200 MB.
import { writeFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { MemoryStateStore } from "../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../src/app/probe-tick.js";
import { compose } from "../src/compose.js";
import { parseConfig } from "../src/config/index.js";
import type { BenchServers } from "./harness.js";

export async function probeTick(
  servers: BenchServers,
  counts = { healthy: 400, slow: 50, hanging: 50 },
) {
  const dir = await mkdtemp(join(tmpdir(), "tandem-bench-"));
  await writeFile(join(dir, "ca.pem"), servers.ca);
  const timeoutSeconds = 2;
  const kinds = [
    ...Array<string>(counts.healthy).fill(`https://127.0.0.1:${servers.ports.healthy}`),
    ...Array<string>(counts.slow).fill(`https://127.0.0.1:${servers.ports.slow}`),
    ...Array<string>(counts.hanging).fill(`https://127.0.0.1:${servers.ports.hanging}`),
  ];
  // 500 targets as 250 groups of two regions.
  const groups = [];
  for (let i = 0; i < kinds.length; i += 2) {
    const probe = (n: number) => ({
      url: `${kinds[n]}/healthz/${n}`,
      tlsServerName: "bench.example.test",
      caFile: "ca.pem",
    });
    groups.push({
      name: `group-${i / 2}`,
      model: "active-active",
      regions: [
        { name: "westeurope", role: "active", probe: probe(i) },
        { name: "northeurope", role: "active", probe: probe(i + 1) },
      ],
    });
  }
  const config = parseConfig({
    observers: [{ region: "westeurope" }],
    stateStore: { connection: "env:UNUSED" },
    policy: {
      intervalSeconds: 10,
      probeTimeoutSeconds: timeoutSeconds,
      confirmRetries: 0,
      probeConcurrency: 500,
    },
    groups,
  });
  const rt = await compose({
    config,
    observer: "westeurope",
    store: new MemoryStateStore(),
    baseDir: dir,
  });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const result = await runProbeTick(rt);
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  const byKind = (port: number) =>
    result.observations.filter((_, i) => kinds[i]!.endsWith(`:${port}`));
  const okCount = (list: typeof result.observations) => list.filter((o) => o.ok).length;
  const limitMs = timeoutSeconds * 1000 * 1.1;
  return {
    targets: kinds.length,
    timeoutMs: timeoutSeconds * 1000,
    wallMs: Math.round(wallMs),
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    healthyOk: `${okCount(byKind(servers.ports.healthy))}/${counts.healthy}`,
    slowOk: `${okCount(byKind(servers.ports.slow))}/${counts.slow}`,
    hangingFailed: `${byKind(servers.ports.hanging).filter((o) => !o.ok).length}/${counts.hanging} (${[...new Set(byKind(servers.ports.hanging).map((o) => o.error?.kind))].join(", ")})`,
    goal: `wall <= ${limitMs} ms, peak RSS <= 200 MB`,
    met: wallMs <= limitMs && peakRss <= 200 * 1024 * 1024,
  };
}
