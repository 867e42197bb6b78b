// `npm start`: the local sandbox by default; with --config FILE, the same local host against the
// real endpoints and Azure resources named in FILE (for running Tandem as a long-lived process).
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Principal } from "../app/auth.js";
import { compose, SETTINGS } from "../compose.js";
import { isConfigError, loadConfigFile } from "../config/index.js";
import { consoleLog } from "../adapters/log/console-log.js";
import type { LocalHost } from "./local-host.js";
import { schedulesForInterval, startLocalHost } from "./local-host.js";
import { startSandbox } from "./sandbox.js";
import { sandboxBanner } from "./banner.js";
import { telemetryFile } from "./telemetry-file.js";

const HELP = `Usage: npm start [-- options]

Runs Tandem locally. With no options it starts the sandbox: an in-process Azurite, an
emulated Azure Resource Manager (Traffic Manager, Front Door, AKS, an SQL failover group, a
Cosmos DB account), two groups of emulated regional apps (westeurope, northeurope), two observers
and a fault API.

Options:
  --config FILE      run against the endpoints and Azure resources in FILE instead of the sandbox
  --observer REGION  with --config: the observer region this process runs as
                     (default: ${SETTINGS.observer}, or the only observer in FILE)
  --port N           port of the local HTTP host (default: TANDEM_PORT or 7071)
  --verbose          print every tick, not only verdict changes, warnings and errors
  --timing PROFILE   the emulated Azure's timing: fast (default) or realistic (AKS starts in
                     minutes, Front Door's edge follows in about ten; production timeouts)
  --telemetry        sandbox: send Application Insights telemetry to a local ingestion endpoint
                     and write every record it receives to tandem-telemetry.log in the system's
                     temporary folder (a count is printed each minute; see docs/telemetry.md)
  --help             show this help

Environment: TANDEM_PORT, ${SETTINGS.observer}, ${SETTINGS.tickSchedule} (NCRONTAB, six
fields; derived from the interval when unset), and the app settings your config's "env:NAME" references name. With --config,
${SETTINGS.appInsights} sends telemetry to Application Insights.`;

class UsageError extends Error {}

const LOOPBACK_READER: Principal = { name: "loopback (reader)", roles: ["reader"], via: "local" };

function port(value: string | undefined): number {
  const text = value ?? process.env["TANDEM_PORT"] ?? "7071";
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`port must be a whole number from 0 to 65535 (got "${text}")`);
  return n;
}

async function startWithConfig(
  file: string,
  observerArg: string | undefined,
  listenPort: number,
  verbose: boolean,
): Promise<LocalHost> {
  const config = await loadConfigFile(file);
  const observers = config.observers.map((o) => o.region);
  const observer =
    observerArg ||
    process.env[SETTINGS.observer] ||
    (observers.length === 1 ? observers[0] : undefined);
  if (!observer)
    throw new UsageError(
      `${file} lists ${observers.length} observers (${observers.join(", ")}): choose one with --observer REGION`,
    );
  const log = consoleLog(observer);
  const runtime = await compose({
    config,
    observer,
    env: process.env,
    source: file,
    log,
    baseDir: dirname(resolve(file)),
    // The local host listens on loopback only: a caller there may read; changes need a token.
    localPrincipal: LOOPBACK_READER,
  });
  // This observer's own place in the interval, as the deployment staggers the observers.
  const derived = schedulesForInterval(
    config.policy.intervalSeconds,
    config.observers.map((o) => o.region),
  );
  const schedules = {
    tick: process.env[SETTINGS.tickSchedule] || derived.byObserver?.[observer] || derived.tick,
  };
  const host = await startLocalHost({
    runtimes: [runtime],
    port: listenPort,
    schedules,
    output: (line) => console.log(line),
    verbose,
  });
  console.log(
    `\nTandem is running as observer ${observer} with ${file}: ticking (probe, then decide) on "${schedules.tick}".`,
  );
  console.log(`  Status: ${host.url}/api/status\nCtrl-C stops it.\n`);
  return host;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        config: { type: "string" },
        observer: { type: "string" },
        port: { type: "string" },
        verbose: { type: "boolean", default: false },
        timing: { type: "string" },
        telemetry: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) {
    console.log(HELP);
    return 0;
  }

  let running: { stop(): Promise<void> };
  try {
    const listenPort = port(args.port);
    if (args.config !== undefined) {
      if (args.timing !== undefined)
        throw new UsageError(
          "--timing is the sandbox's emulated Azure; with --config Azure is real",
        );
      running = await startWithConfig(args.config, args.observer, listenPort, args.verbose);
    } else {
      if (args.observer !== undefined)
        throw new UsageError("--observer goes with --config; the sandbox runs both observers");
      if (args.timing !== undefined && args.timing !== "fast" && args.timing !== "realistic")
        throw new UsageError(`--timing must be fast or realistic (got "${args.timing}")`);
      // The SDK's own usage reports (statsbeat) would go to Microsoft: the sandbox stays on loopback.
      if (args.telemetry) process.env["APPLICATION_INSIGHTS_NO_STATSBEAT"] = "1";
      console.log("Starting the Tandem sandbox...");
      const output = (line: string) => console.log(line);
      const records = args.telemetry ? await telemetryFile(output) : undefined;
      const sandbox = await startSandbox({
        port: listenPort,
        // The catalog's data follows its traffic: what a newcomer should see fail over.
        data: true,
        output,
        verbose: args.verbose,
        ...(args.timing ? { timing: args.timing } : {}),
        ...(records ? { telemetry: { record: records.record } } : {}),
      });
      console.log(
        sandboxBanner(sandbox, {
          timing: args.timing === "realistic" ? "realistic" : "fast",
          verbose: args.verbose,
          ...(records ? { telemetryFile: records.path } : {}),
        }),
      );
      running = {
        stop: async () => {
          await sandbox.stop();
          await records?.close();
        },
      };
    }
  } catch (error) {
    if (isConfigError(error)) console.error(`Tandem did not start: ${error.message}`);
    else if (error instanceof UsageError)
      console.error(`${error.message}\n\nRun "npm start -- --help" for the options.`);
    else console.error(`Tandem did not start: ${(error as Error).message}`);
    return error instanceof UsageError || isConfigError(error) ? 2 : 1;
  }

  return new Promise<number>((resolve) => {
    let stoppingSince: number | undefined;
    const stop = (signal: string) => {
      if (stoppingSince !== undefined) {
        // npm forwards the terminal's Ctrl-C too, so one press can arrive twice: only a second
        // press a moment later means "stop now".
        if (Date.now() - stoppingSince < 1000) return;
        console.log("Stopping now.");
        resolve(130);
        return;
      }
      stoppingSince = Date.now();
      console.log(`\n${signal}: stopping (a tick in progress finishes first)...`);
      running.stop().then(
        () => {
          console.log("Stopped.");
          resolve(0);
        },
        (error: unknown) => {
          console.error(`Stopping failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });
}

process.exitCode = await main();
process.exit();
