// What Tandem sends to Application Insights per interval, measured: the sandbox (two groups of
// two regions and an entry point each, two observers) runs with telemetry to its local ingestion
// receiver, every target passing; the records and bytes of whole summary windows are counted by
// type. The sandbox ticks every 2 s with a summary window of 1 minute: 30 intervals a window, as
// the defaults (10 s, 5 minutes) give. Counting starts just after a window's end, once that
// window's summaries are in, and ends just after the end of the last window counted, so each
// counted window's summaries (sent by the first tick after its end) are in once.
// `npm run bench -- --only telemetry` (`--summary-minutes 0` for one record per probe). bench/cost-inputs.ts turns the figures into a cost.
import { startSandbox } from "../src/sandbox/sandbox.js";
import type { Envelope } from "../src/sandbox/ingestion-receiver.js";

process.env["APPLICATION_INSIGHTS_NO_STATSBEAT"] = "1";

const TYPES = ["AvailabilityData", "EventData", "MetricData", "RemoteDependencyData"] as const;

export async function telemetryVolume(windows = 2, summaryMinutes = 1) {
  const intervalSeconds = 2;
  // Without summaries (0: every probe its own record, as before issue 31), minutes are counted.
  const windowMs = Math.max(1, summaryMinutes) * 60_000;
  const sandbox = await startSandbox({
    port: 0,
    intervalSeconds,
    telemetry: { summaryMinutes },
  });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // Past the next window's end by this much: its summaries were sent by the first tick after it.
  const settleMs = 2 * intervalSeconds * 1000 + 1000;
  const untilAfterWindowEnd = async () => {
    const end = Math.ceil(Date.now() / windowMs) * windowMs;
    await sleep(end + settleMs - Date.now());
  };
  try {
    const ingestion = sandbox.ingestion!;
    // Warm up (the lease, the first verdicts), then start just after a window's end.
    await sleep(8 * intervalSeconds * 1000);
    await untilAfterWindowEnd();
    const from = ingestion.envelopes.length;
    const started = Date.now();
    for (let w = 0; w < windows; w++) await untilAfterWindowEnd();
    const window: Envelope[] = ingestion.envelopes.slice(from);
    const intervals = (Date.now() - started) / (intervalSeconds * 1000);
    const observers = sandbox.config.observers.length;
    const perObserverInterval = (n: number) => Math.round((n / intervals / observers) * 100) / 100;
    const counts = Object.fromEntries(
      TYPES.map((t) => [
        t,
        perObserverInterval(window.filter((e) => e.data.baseType === t).length),
      ]),
    );
    const summaries = window.filter(
      (e) => e.data.baseType === "AvailabilityData" && e.data.baseData.properties?.["summary"],
    ).length;
    const bytes = window.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
    const targets = sandbox.config.groups.reduce(
      (n, g) => n + g.regions.length + (g.entryPoint ? 1 : 0),
      0,
    );
    return {
      intervals: Math.round(intervals),
      summaryMinutes,
      observers,
      targetsPerObserver: targets,
      summariesPerObserverWindow: summaries / windows / observers,
      recordsPerObserverInterval: counts,
      totalPerObserverInterval: perObserverInterval(window.length),
      bytesPerRecord: Math.round(bytes / Math.max(1, window.length)),
      bytesPerObserverInterval: Math.round(bytes / intervals / observers),
    };
  } finally {
    await sandbox.stop();
  }
}
