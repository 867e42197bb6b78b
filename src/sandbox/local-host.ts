// The local host: what the Azure Functions host does for a Function App, in one process. It runs
// each observer's `probe` timer on the schedule and serves the HTTP functions, all through the
// same definitions the Function App registers (functions/handlers.ts).
import { randomUUID } from "node:crypto";
import azf from "@azure/functions";
import type { Timer } from "@azure/functions";
import { probeFunction, statusFunction } from "../../functions/handlers.js";
import { timeOfDay } from "../adapters/log/console-log.js";
import type { ProbeTickResult } from "../app/probe-tick.js";
import type { Runtime } from "../app/runtime.js";
import type { LocalRoute } from "./http-host.js";
import { startHttpHost } from "./http-host.js";
import type { RunningTimer } from "./timer-host.js";
import { parseSchedule, startTimer } from "./timer-host.js";

export interface LocalHostOptions {
  /** One runtime per observer this process runs as; the first also answers HTTP. */
  readonly runtimes: readonly Runtime[];
  readonly port: number;
  /** NCRONTAB schedule of the probe timer. */
  readonly schedule: string;
  readonly routes?: readonly LocalRoute[];
  /** Where lines for a person go. */
  readonly output: (line: string) => void;
  /** Also print every tick's information lines, not only warnings, errors and verdict changes. */
  readonly verbose?: boolean;
}

export interface LocalHost {
  readonly url: string;
  stop(): Promise<void>;
}

/** The probe schedule for an interval, when no TANDEM_PROBE_SCHEDULE is given. */
export function scheduleForInterval(intervalSeconds: number): string {
  const whole = Math.max(1, Math.round(intervalSeconds));
  return whole < 60 ? `*/${whole} * * * * *` : `0 */${Math.max(1, Math.round(whole / 60))} * * * *`;
}

/** Prints a line whenever a region's verdict changes, as any observer's tick sees it. */
function verdictChanges(output: (line: string) => void): (result: ProbeTickResult) => void {
  const last = new Map<string, string>();
  return (result) => {
    for (const group of result.verdicts) {
      for (const region of group.regions) {
        const key = `${group.group}/${region.region}`;
        const before = last.get(key);
        if (before === region.verdict) continue;
        last.set(key, region.verdict);
        output(
          `${timeOfDay()}  ${key.padEnd(24)} ${before ?? "(start)"} -> ${region.verdict}  (${result.observer}: ${region.reason})`,
        );
      }
    }
  };
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  parseSchedule(options.schedule);
  const first = options.runtimes[0];
  if (!first) throw new Error("the local host needs at least one observer runtime");
  const print = (source: string, level: string, message: string) => {
    if (options.verbose || (level !== "information" && level !== "debug" && level !== "trace"))
      options.output(
        `${timeOfDay()}  ${source.padEnd(12)} ${level === "information" ? "" : `${level}: `}${message}`,
      );
  };

  const http = await startHttpHost({
    port: options.port,
    functions: [statusFunction(() => Promise.resolve(first))],
    ...(options.routes ? { routes: options.routes } : {}),
    log: (level, message) => print("http", level, message),
  });

  const onResult = verdictChanges(options.output);
  const timers: RunningTimer[] = options.runtimes.map((rt) => {
    const probe = probeFunction(() => Promise.resolve(rt), options.schedule, onResult);
    return startTimer(
      options.schedule,
      async ({ isPastDue, due, next }) => {
        const timer: Timer = {
          isPastDue,
          schedule: { adjustForDST: false },
          scheduleStatus: {
            last: due.toISOString(),
            next: next.toISOString(),
            lastUpdated: new Date().toISOString(),
          },
        };
        const context = new azf.InvocationContext({
          invocationId: randomUUID(),
          functionName: probe.name,
          logHandler: (level, ...args) => print(rt.observer, level, args.map(String).join(" ")),
        });
        await probe.handler(timer, context);
      },
      (error) =>
        print(
          rt.observer,
          "error",
          `probe tick failed: ${(error as Error).stack ?? String(error)}`,
        ),
    );
  });

  return {
    url: http.url,
    stop: async () => {
      await Promise.all(timers.map((t) => t.stop()));
      await http.close();
    },
  };
}
