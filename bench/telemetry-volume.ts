// What Tandem sends to Application Insights per interval, measured: the sandbox (two groups of
// two regions and an entry point each, two observers) runs with telemetry to its local ingestion
// receiver; after a warm-up, the records and bytes of a number of quiet intervals are counted by
// type. `npm run bench -- --only telemetry`. docs/telemetry.md turns the figures into a cost.
import { startSandbox } from "../src/sandbox/sandbox.js";
import type { Envelope } from "../src/sandbox/ingestion-receiver.js";

process.env["APPLICATION_INSIGHTS_NO_STATSBEAT"] = "1";

const TYPES = ["AvailabilityData", "EventData", "MetricData", "RemoteDependencyData"] as const;

export async function telemetryVolume(intervals = 15, warmup = 8) {
  const intervalSeconds = 2;
  const sandbox = await startSandbox({ port: 0, intervalSeconds, telemetry: {} });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  try {
    const ingestion = sandbox.ingestion!;
    await sleep(warmup * intervalSeconds * 1000);
    const from = ingestion.envelopes.length;
    await sleep(intervals * intervalSeconds * 1000);
    const window: Envelope[] = ingestion.envelopes.slice(from);
    const observers = sandbox.config.observers.length;
    const perObserverInterval = (n: number) => Math.round((n / intervals / observers) * 10) / 10;
    const counts = Object.fromEntries(
      TYPES.map((t) => [
        t,
        perObserverInterval(window.filter((e) => e.data.baseType === t).length),
      ]),
    );
    const bytes = window.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
    const targets = sandbox.config.groups.reduce(
      (n, g) => n + g.regions.length + (g.entryPoint ? 1 : 0),
      0,
    );
    return {
      intervals,
      observers,
      targetsPerObserver: targets,
      recordsPerObserverInterval: counts,
      totalPerObserverInterval: perObserverInterval(window.length),
      bytesPerRecord: Math.round(bytes / Math.max(1, window.length)),
      bytesPerObserverInterval: Math.round(bytes / intervals / observers),
    };
  } finally {
    await sandbox.stop();
  }
}
