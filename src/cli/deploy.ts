// `tandem deploy ...`: what the azd hooks ask of the configuration file (the Bicep parameters, the
// app roles) and of a running Tandem (the order to upgrade regions in, and when one is live again).
// Reading Tandem's status is passed in, so these commands hold no HTTP code of their own.
import { DEPLOY_HELP } from "./deploy-help.js";
import { readFile, writeFile } from "node:fs/promises";
import type { StatusView } from "../app/api/types.js";
import { isConfigError, loadConfigFile } from "../config/index.js";
import { appRoles } from "../deploy/app-roles.js";
import { deploymentParameters, parametersFile } from "../deploy/parameters.js";
import { isDeployError } from "../deploy/problems.js";
import { liveAgain, upgradeOrder } from "../deploy/upgrade.js";

export { DEPLOY_HELP } from "./deploy-help.js";

export interface DeployIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
}

export interface DeployArgs {
  readonly positional: readonly string[];
  readonly out?: string;
  readonly subscription?: string;
  readonly check: boolean;
  readonly json: boolean;
  readonly since?: string;
  readonly expectVersion?: string;
  readonly timeout?: string;
}

export class DeployUsage extends Error {}

/** What the commands that ask a running Tandem need: its status, or why it could not be had. */
export type StatusReader = () => Promise<StatusView>;
/** Whether a failure to read the status means "nothing answers" (so the order falls back). */
export type Unreachable = (error: unknown) => boolean;

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

async function config(file: string | undefined) {
  return loadConfigFile(file ?? "tandem.config.json");
}

export async function runDeploy(
  args: DeployArgs,
  io: DeployIo,
  status: StatusReader,
  unreachable: Unreachable,
): Promise<number> {
  const [sub, ...rest] = args.positional;
  try {
    switch (sub) {
      case "parameters": {
        if (rest.length > 1) throw new DeployUsage("deploy parameters takes one FILE");
        const file = rest[0] ?? "tandem.config.json";
        const parameters = deploymentParameters(
          await config(file),
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
        io.out(JSON.stringify(appRoles(await config(rest[0])), null, 2));
        return EXIT.ok;
      }
      case "order": {
        if (rest.length > 1) throw new DeployUsage("deploy order takes one FILE");
        const observers = (await config(rest[0])).observers.map((o) => o.region);
        let view: StatusView | undefined;
        try {
          view = await status();
        } catch (error) {
          if (!unreachable(error)) throw error;
          io.err(`(${(error as Error).message})\n`);
        }
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
        for (;;) {
          let seen: string;
          try {
            const check = liveAgain(await status(), region, since, args.expectVersion);
            if (check.live) {
              io.out(`${check.seen}: live again`);
              return EXIT.ok;
            }
            seen = check.seen;
          } catch (error) {
            // While an app restarts its API may not answer: keep asking until the deadline.
            if (!unreachable(error)) throw error;
            seen = (error as Error).message;
          }
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
    if (isConfigError(error) || isDeployError(error)) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
