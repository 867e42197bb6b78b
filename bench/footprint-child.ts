// The Function App as the Functions host starts it, in a process of its own: import the entry
// point, compose from app settings on the first tick, then run the probe and orchestrate handlers
// on the configured interval. Prints one JSON line: resident memory at each stage, tick times, and
// the state store requests each tick makes. Started by bench/footprint.ts.
import { createRequire, syncBuiltinESMExports } from "node:module";
import { performance } from "node:perf_hooks";
import type * as httpTypes from "node:http";

const require = createRequire(import.meta.url);
const http = require("node:http") as typeof httpTypes;
let requests = 0;
const request = http.request;
http.request = ((...args: Parameters<typeof http.request>) => {
  requests++;
  return request(...args);
}) as typeof http.request;
syncBuiltinESMExports();

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const sampler = setInterval(sample, 20);

const atStart = process.memoryUsage().rss;
const t0 = performance.now();
await import("../functions/index.js");
const importMs = performance.now() - t0;
const afterImport = process.memoryUsage().rss;

const { composeFromEnvironment } = await import("../src/compose.js");
const { tickFunction } = await import("../functions/handlers.js");
const azf = (await import("@azure/functions")).default;
const runtime = composeFromEnvironment(process.env, {
  info: () => {},
  warn: () => {},
  error: () => {},
});
const tick = tickFunction(() => runtime, "");
const timer = { isPastDue: false, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
const context = () => new azf.InvocationContext({ logHandler: () => {} });

const ticks = Number(process.env["FOOTPRINT_TICKS"] ?? "20");
const intervalMs = Number(process.env["FOOTPRINT_INTERVAL_MS"] ?? "2000");
const tickMs: number[] = [];
const tickRequests: number[] = [];
let afterCompose = 0;
for (let i = 0; i < ticks; i++) {
  const started = performance.now();
  const before = requests;
  await tick.handler(timer as never, context());
  tickMs.push(performance.now() - started);
  tickRequests.push(requests - before);
  if (i === 0) afterCompose = process.memoryUsage().rss;
  await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - started))));
}
sample();
clearInterval(sampler);
const rt = await runtime;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  JSON.stringify({
    rssAtStartMB: mb(atStart),
    rssAfterImportMB: mb(afterImport),
    importMs: Math.round(importMs),
    rssAfterFirstTickMB: mb(afterCompose),
    rssPeakMB: mb(peak),
    heapUsedMB: mb(process.memoryUsage().heapUsed),
    ticks,
    tickMs: {
      median: Math.round(median(tickMs)),
      max: Math.round(Math.max(...tickMs)),
      first: Math.round(tickMs[0]!),
    },
    // Steady state: the second half, once the lease is held.
    storeRequestsPerTick: median(tickRequests.slice(ticks / 2)),
    leaseHolder: (await rt.store.readLease())?.record.holder ?? null,
  }),
);
process.exit(0);
