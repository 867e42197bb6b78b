// The Function App's functions, as plain definitions: each parses its trigger, calls a use case
// in src/app, and maps the result. functions/index.ts registers them with Azure Functions; the
// local host serves the very same definitions.
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { RuntimeSource } from "../src/app/api/routes.js";
import type { OrchestrateResult } from "../src/app/orchestrate-tick.js";
import { runOrchestrateTick } from "../src/app/orchestrate-tick.js";
import { alertsSettled } from "../src/app/alerts/sender.js";
import type { ProbeTickResult } from "../src/app/probe-tick.js";
import { runProbeTick } from "../src/app/probe-tick.js";
import type { Runtime } from "../src/app/runtime.js";
import { telemetryOf } from "../src/app/runtime.js";

export type { RuntimeSource };

export interface HttpFunction {
  readonly name: string;
  readonly route: string;
  readonly methods: readonly ("GET" | "POST")[];
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

export interface TimerFunction {
  readonly name: string;
  /** NCRONTAB expression, or an `%APP_SETTING%` naming one. */
  readonly schedule: string;
  readonly handler: (timer: Timer, context: InvocationContext) => Promise<void>;
}

export function probeFunction(
  runtime: RuntimeSource,
  schedule: string,
  onResult?: (result: ProbeTickResult) => void,
): TimerFunction {
  return {
    name: "probe",
    schedule,
    handler: async (timer, context) => {
      const rt = await runtime();
      if (timer.isPastDue)
        context.warn("probe timer is running late: the previous tick overran or the host was busy");
      const result = await runProbeTick(rt);
      const down = result.observations.filter((o) => !o.ok).length;
      context.log(
        `observer ${result.observer}: ${result.observations.length} target(s) probed, ${down} failing, in ${result.durationMs} ms`,
      );
      for (const problem of result.problems) context.error(problem);
      onResult?.(result);
      await flushTelemetry(rt);
    },
  };
}

/**
 * Sends the invocation's telemetry before it ends (a host may freeze an app between invocations),
 * waiting at most a quarter of an interval: a slow ingestion endpoint costs no tick.
 */
export async function flushTelemetry(rt: Runtime): Promise<void> {
  await telemetryOf(rt).flush((rt.config.policy.intervalSeconds * 1000) / 4);
}

export function orchestrateFunction(
  runtime: RuntimeSource,
  schedule: string,
  onResult?: (result: OrchestrateResult) => void,
): TimerFunction {
  let reportedStale = "";
  return {
    name: "orchestrate",
    schedule,
    handler: async (_timer, context) => {
      const rt = await runtime();
      const result = await runOrchestrateTick(rt);
      const { lease } = result;
      context.log(
        `observer ${result.observer}: lease ${lease.outcome}${lease.epoch === undefined ? "" : ` (epoch ${lease.epoch}, ${lease.holder})`}${lease.leader ? ", acting" : ""}`,
      );
      const stale = result.stalePeers.join(", ");
      if (stale !== reportedStale) {
        if (stale)
          context.warn(`stale observers: ${stale} (their heartbeats have stopped changing)`);
        else if (reportedStale)
          context.log(`every observer is live again (was stale: ${reportedStale})`);
        reportedStale = stale;
      }
      for (const problem of result.problems) context.error(problem);
      for (const wait of result.waiting ?? []) context.log(wait);
      onResult?.(result);
      // The runbook is done; alerts are being delivered beside it. The invocation waits for them
      // a little (a host may freeze an app between invocations), never past half an interval.
      await settledWithin(alertsSettled(rt), (rt.config.policy.intervalSeconds * 1000) / 2);
      await flushTelemetry(rt);
    },
  };
}

async function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
