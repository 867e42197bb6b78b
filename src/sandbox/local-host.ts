// The local host: what the Azure Functions host does for a Function App, in one process. It runs
// each observer's `tick` timer on its schedule and serves the HTTP functions, all through the
// same definitions the Function App registers (functions/handlers.ts).
import { randomUUID } from "node:crypto";
import azf from "@azure/functions";
import type { Timer } from "@azure/functions";
import type { TimerFunction } from "../../functions/handlers.js";
import { tickFunction } from "../../functions/handlers.js";
import { apiFunctions } from "../../functions/api.js";
import { timeOfDay } from "../adapters/log/console-log.js";
import type { Runtime } from "../app/runtime.js";
import type { LocalRoute } from "./http-host.js";
import { startHttpHost } from "./http-host.js";
import type { RunningTimer } from "./timer-host.js";
import { parseSchedule, startTimer } from "./timer-host.js";
import { timerSchedules } from "../config/schedules.js";

export interface Schedules {
  /** NCRONTAB schedule of the one timer, as TANDEM_TICK_SCHEDULE. */
  readonly tick: string;
  /** Each observer's own, where they are staggered across the interval (ADR 18). */
  readonly byObserver?: Readonly<Record<string, string>>;
}

export interface LocalHostOptions {
  /** One runtime per observer this process runs as; the first also answers HTTP. */
  readonly runtimes: readonly Runtime[];
  readonly port: number;
  readonly schedules: Schedules;
  readonly routes?: readonly LocalRoute[];
  /** Where lines for a person go. */
  readonly output: (line: string) => void;
  /** Also print every tick's information lines, not only warnings, errors and changes. */
  readonly verbose?: boolean;
}

export interface LocalHost {
  readonly url: string;
  /** Stops one observer's timers, as a crashed Function App (its HTTP API, if any, stays up). */
  stopObserver(observer: string): Promise<void>;
  /** Starts a stopped observer's timers again. */
  startObserver(observer: string): void;
  /** Whether each observer's timers run. */
  observers(): Record<string, "running" | "stopped">;
  stop(): Promise<void>;
}

/**
 * The timers' schedules for an interval, as the deployment sets them (src/config/schedules.ts). An
 * interval NCRONTAB cannot space evenly still runs locally, rounded down to one it can.
 */
export function schedulesForInterval(
  intervalSeconds: number,
  observers: readonly string[] = [],
): Schedules {
  const exact = timerSchedules(intervalSeconds);
  if (exact.ok) {
    if (observers.length < 2) return { tick: exact.tick };
    const byObserver = Object.fromEntries(
      observers.map((o, i) => {
        const mine = timerSchedules(intervalSeconds, i, observers.length);
        return [o, mine.ok ? mine.tick : exact.tick];
      }),
    );
    return { tick: exact.tick, byObserver };
  }
  const whole = Math.max(1, Math.round(intervalSeconds));
  const near =
    whole < 60
      ? [30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1].find((d) => d <= whole)!
      : [3600, 1800, 1200, 900, 720, 600, 360, 300, 240, 180, 120, 60].find((d) => d <= whole)!;
  return schedulesForInterval(near, observers);
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  parseSchedule(options.schedules.tick);
  for (const schedule of Object.values(options.schedules.byObserver ?? {})) parseSchedule(schedule);
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
    // A peer's request names the observer it is for: the one of this process's observers it
    // names answers, unless its timers are stopped (a stopped Function App answers nothing).
    functions: apiFunctions((request) => {
      const named = request?.params["observer"];
      if (named === undefined) return Promise.resolve(first);
      if ((timers.get(named) ?? []).length === 0)
        return Promise.reject(new Error(`observer ${named} is not running here`));
      return Promise.resolve(runtimeOf(named));
    }),
    ...(options.routes ? { routes: options.routes } : {}),
    log: (level, message) => print("http", level, message),
  });

  const run = (rt: Runtime, fn: TimerFunction): RunningTimer =>
    startTimer(
      fn.schedule,
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
          functionName: fn.name,
          logHandler: (level, ...args) => print(rt.observer, level, args.map(String).join(" ")),
        });
        await fn.handler(timer, context);
      },
      (error) =>
        print(
          rt.observer,
          "error",
          `${fn.name} tick failed: ${(error as Error).stack ?? String(error)}`,
        ),
    );
  const startTimers = (rt: Runtime): RunningTimer[] => {
    const source = () => Promise.resolve(rt);
    const schedule = options.schedules.byObserver?.[rt.observer] ?? options.schedules.tick;
    return [run(rt, tickFunction(source, schedule))];
  };
  const timers = new Map<string, RunningTimer[]>(
    options.runtimes.map((rt) => [rt.observer, startTimers(rt)]),
  );
  const runtimeOf = (observer: string) => {
    const rt = options.runtimes.find((r) => r.observer === observer);
    if (!rt) throw new Error(`no observer "${observer}" runs here`);
    return rt;
  };

  return {
    url: http.url,
    stopObserver: async (observer) => {
      runtimeOf(observer);
      const running = timers.get(observer) ?? [];
      timers.set(observer, []);
      await Promise.all(running.map((t) => t.stop()));
    },
    startObserver: (observer) => {
      const rt = runtimeOf(observer);
      if ((timers.get(observer) ?? []).length === 0) timers.set(observer, startTimers(rt));
    },
    observers: () =>
      Object.fromEntries(
        options.runtimes.map((rt) => [
          rt.observer,
          (timers.get(rt.observer) ?? []).length > 0 ? "running" : "stopped",
        ]),
      ),
    stop: async () => {
      await Promise.all([...timers.values()].flat().map((t) => t.stop()));
      timers.clear();
      await http.close();
    },
  };
}
