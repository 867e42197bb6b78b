// `tandem deploy ...`: what the azd hooks ask of the configuration file (the Bicep parameters, the
// app roles) and of a running Tandem (the order to upgrade regions in, and when one is live again).
// Reading Tandem's status is passed in, so these commands hold no HTTP code of their own.
//
// `order` and `wait-live` take every observer's API (`--api` once per app) and ask them in turn:
// on the first deployment the apps exist but hold no code, and a Functions host with no function
// answers 404 for /api/status (only `/` has a page of its own: HomepageMiddleware.cs in
// Azure/azure-functions-host), so "nothing there yet" is an answer to step over, not an error.
import { DEPLOY_HELP } from "./deploy-help.js";
import { readFile, writeFile } from "node:fs/promises";
import type { StatusView } from "../app/api/types.js";
import { liveAgain, upgradeOrder } from "../deploy/upgrade.js";
// The configuration (zod) and the deployment's parameters load only in the commands that read
// the configuration file: `wait-live`, which the deploy hook runs once per region, does not.

interface DeployIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

interface DeployArgs {
  readonly positional: readonly string[];
  /** The observers' APIs, asked in this order; the first that answers is believed. */
  readonly apis: readonly string[];
  readonly out?: string;
  readonly subscription?: string;
  readonly check: boolean;
  readonly json: boolean;
  readonly since?: string;
  readonly expectVersion?: string;
  readonly timeout?: string;
}

class DeployUsage extends Error {}

/** What the commands that ask a running Tandem need: its status at one API, or why not. */
type StatusReader = (api: string) => Promise<StatusView>;
/**
 * Whether a failure to read the status means "no Tandem answers there" (not reachable, failing,
 * or an app with no code yet), so the next API is asked; any other failure (a refused token)
 * stops the command.
 */
type NothingThere = (error: unknown) => boolean;

/** The first status any of the APIs gives, in their order, with why each one before it gave none. */
async function firstStatus(
  apis: readonly string[],
  status: StatusReader,
  nothingThere: NothingThere,
): Promise<{ view?: StatusView; from?: string; misses: string[] }> {
  const misses: string[] = [];
  for (const api of apis) {
    try {
      return { view: await status(api), from: api, misses };
    } catch (error) {
      if (!nothingThere(error)) throw error;
      misses.push((error as Error).message);
    }
  }
  return { misses };
}

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

function needApis(args: DeployArgs): readonly string[] {
  if (args.apis.length === 0) throw new DeployUsage("needs --api URL (once per observer)");
  return args.apis;
}

async function config(file: string | undefined) {
  const { loadConfigFile } = await import("../config/index.js");
  return loadConfigFile(file ?? "tandem.config.json");
}

export async function runDeploy(
  args: DeployArgs,
  io: DeployIo,
  status: StatusReader,
  nothingThere: NothingThere,
): Promise<number> {
  const [sub, ...rest] = args.positional;
  try {
    switch (sub) {
      case "parameters": {
        if (rest.length > 1) throw new DeployUsage("deploy parameters takes one FILE");
        const file = rest[0] ?? "tandem.config.json";
        const { deploymentParameters, parametersFile } = await import("../deploy/parameters.js");
        const loaded = await config(file);
        const { configWarnings, formatProblem } = await import("../config/index.js");
        for (const warning of configWarnings(loaded))
          io.err(`warning: ${formatProblem(warning)}\n`);
        const parameters = deploymentParameters(
          loaded,
          args.subscription ? { subscriptionId: args.subscription } : {},
          file,
        );
        const text = `${JSON.stringify(parametersFile(parameters), null, 2)}\n`;
        if (!args.out) {
          io.out(text.trimEnd());
          return EXIT.ok;
        }
        const before = await readFile(args.out, "utf8").catch(() => undefined);
        if (before === text) {
          io.err(`${args.out} is up to date with ${file}\n`);
          return EXIT.ok;
        }
        await writeFile(args.out, text);
        io.err(`wrote ${args.out} from ${file}\n`);
        if (args.check) {
          io.err(
            `${args.out} was ${before === undefined ? "missing" : "out of date"}: it is written now; run the command again (azd reads its parameters before this hook runs)\n`,
          );
          return EXIT.failed;
        }
        return EXIT.ok;
      }
      case "app-roles": {
        if (rest.length > 1) throw new DeployUsage("deploy app-roles takes one FILE");
        const { appRoles } = await import("../deploy/app-roles.js");
        io.out(JSON.stringify(appRoles(await config(rest[0])), null, 2));
        return EXIT.ok;
      }
      case "order": {
        if (rest.length > 1) throw new DeployUsage("deploy order takes one FILE");
        const observers = (await config(rest[0])).observers.map((o) => o.region);
        const { view, misses } = await firstStatus(needApis(args), status, nothingThere);
        for (const miss of misses) io.err(`(${miss})\n`);
        const order = upgradeOrder(observers, view);
        io.err(`${order.note}\n`);
        io.out(args.json ? JSON.stringify(order, null, 2) : order.regions.join("\n"));
        return EXIT.ok;
      }
      case "wait-live": {
        if (rest.length !== 1) throw new DeployUsage("deploy wait-live takes one REGION");
        const region = rest[0]!;
        const since = new Date(args.since ?? "");
        if (!args.since || Number.isNaN(since.getTime()))
          throw new DeployUsage(
            "deploy wait-live needs --since TIME (ISO 8601, when the deployment finished)",
          );
        const timeoutS = Number(args.timeout ?? "600");
        if (!Number.isFinite(timeoutS) || timeoutS <= 0)
          throw new DeployUsage("--timeout must be a number of seconds");
        const deadline = io.now().getTime() + timeoutS * 1000;
        let last = "";
        const apis = needApis(args);
        for (;;) {
          let seen: string;
          // While an app restarts, or before any has code, no API may answer: keep asking.
          const { view, from, misses } = await firstStatus(apis, status, nothingThere);
          if (view) {
            const check = liveAgain(view, region, since, args.expectVersion);
            if (check.live) {
              io.out(`${check.seen}: live again (seen by ${from})`);
              return EXIT.ok;
            }
            seen = check.seen;
          } else seen = misses.join("; ");
          if (seen !== last) io.err(`waiting: ${seen}\n`);
          last = seen;
          if (io.now().getTime() >= deadline) {
            io.err(`${region} was not live again within ${timeoutS} s; last seen: ${seen}\n`);
            return EXIT.failed;
          }
          await io.sleep(5000);
        }
      }
      default:
        throw new DeployUsage(
          sub === undefined ? "deploy needs a subcommand" : `unknown deploy command "${sub}"`,
        );
    }
  } catch (error) {
    if (error instanceof DeployUsage) {
      io.err(`${error.message}; the deploy commands:\n${DEPLOY_HELP}\n`);
      return EXIT.usage;
    }
    const [{ isConfigError }, { isDeployError }] = await Promise.all([
      import("../config/index.js"),
      import("../deploy/problems.js"),
    ]);
    if (isConfigError(error) || isDeployError(error)) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
