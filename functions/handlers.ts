// The Function App's functions, as plain definitions: each parses its trigger, calls a use case
// in src/app, and maps the result. functions/index.ts registers them with Azure Functions; the
// local host serves the very same definitions.
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { RuntimeSource } from "../src/app/api/routes.js";
import { alertsSettled } from "../src/app/alerts/sender.js";
import type { ObserverTickResult } from "../src/app/observer-tick.js";
import { runObserverTick } from "../src/app/observer-tick.js";
import type { PeerAsked } from "../src/app/probe-tick.js";
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

/**
 * The one timer of an observer (ADR 18): probe, then decide, with the lease renewed beside the
 * probes. Logs what a person watching the Functions log wants: the probes, the lease, problems
 * and waits (a stale or live peer is logged from its event, by the log's subscriber).
 */
export function tickFunction(
  runtime: RuntimeSource,
  schedule: string,
  onResult?: (result: ObserverTickResult) => void,
): TimerFunction {
  return {
    name: "tick",
    schedule,
    handler: async (timer, context) => {
      const rt = await runtime();
      if (timer.isPastDue)
        context.warn("tick timer is running late: the previous tick overran or the host was busy");
      const result = await runObserverTick(rt);
      const { probe, orchestrate, peers } = result;
      const down = probe.observations.filter((o) => !o.ok).length;
      const { lease } = orchestrate;
      context.log(
        `observer ${probe.observer}: ${probe.observations.length} target(s) probed, ${down} failing, in ${probe.durationMs} ms; lease ${lease.outcome}${lease.epoch === undefined ? "" : ` (epoch ${lease.epoch}, ${lease.holder})`}${lease.leader ? ", acting" : ""}`,
      );
      for (const asked of peers)
        if (asked.problem) context.warn(asked.problem);
        else
          context.log(`asked ${asked.peer} to probe ${asked.region} now: ${describeAnswer(asked)}`);
      for (const problem of new Set([...probe.problems, ...orchestrate.problems]))
        context.error(problem);
      for (const wait of orchestrate.waiting ?? []) context.log(wait);
      onResult?.(result);
      // The runbook is done; alerts are being delivered beside it. The invocation waits for them
      // a little (a host may freeze an app between invocations), never past half an interval.
      await settledWithin(alertsSettled(rt), (rt.config.policy.intervalSeconds * 1000) / 2);
      await flushTelemetry(rt);
    },
  };
}

function describeAnswer(asked: PeerAsked): string {
  const a = asked.answer;
  if (!a) return "no answer";
  return a.written
    ? `${a.failing} of ${a.probed} target(s) failing there, written`
    : `nothing written (${a.note ?? "no reason given"})`;
}

/**
 * Sends the invocation's telemetry before it ends (a host may freeze an app between invocations),
 * waiting at most a quarter of an interval: a slow ingestion endpoint costs no tick.
 */
export async function flushTelemetry(rt: Runtime): Promise<void> {
  await telemetryOf(rt).flush((rt.config.policy.intervalSeconds * 1000) / 4);
}

async function settledWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
