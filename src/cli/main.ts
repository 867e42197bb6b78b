#!/usr/bin/env node
// The `tandem` command: the operator API from a terminal or a script. Human output on stdout by
// default, `--json` for scripts; progress and errors go to stderr so that stdout stays clean.
// Exit codes scripts can rely on are listed in HELP. Each command is a module in commands/; the
// configuration schema (zod) and the deployment code load only in the commands that need them,
// so that `tandem --help` and the API commands answer without paying for them.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { VERSION } from "../version.js";
import type { Api, Io } from "./client.js";
import { ApiFailure, EXIT } from "./client.js";
import type { Command } from "./command.js";
import { Usage, commandContext, parseCommandLine } from "./command.js";
import { alerts } from "./commands/alerts.js";
import { audit } from "./commands/audit.js";
import { deploy } from "./commands/deploy.js";
import { drill } from "./commands/drill.js";
import { failback, failover } from "./commands/failover.js";
import { incidents } from "./commands/incidents.js";
import { pause, resume } from "./commands/pause.js";
import { readiness } from "./commands/readiness.js";
import { status } from "./commands/status.js";
import { validateConfig } from "./commands/validate-config.js";
import { HELP } from "./help.js";

export { EXIT } from "./client.js";

const COMMANDS: ReadonlyMap<string, Command> = new Map([
  ["deploy", deploy],
  ["status", status],
  ["failover", failover],
  ["failback", failback],
  ["pause", pause],
  ["resume", resume],
  ["drill", drill],
  ["readiness", readiness],
  ["incidents", incidents],
  ["audit", audit],
  ["alerts", alerts],
]);

const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(t),
  tty: process.stderr.isTTY === true,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  fetch: globalThis.fetch,
};

export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Io = processIo,
): Promise<number> {
  if (argv[0] === "--version" || argv[0] === "version") {
    io.out(`tandem ${VERSION}`);
    return EXIT.ok;
  }
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help") {
    io.out(HELP);
    return argv.length === 0 ? EXIT.usage : EXIT.ok;
  }
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\nRun "tandem help" for the commands.\n`);
    return EXIT.usage;
  }
  const [command, ...positional] = args.positionals;
  if (command === undefined || command === "help" || args.values.help) {
    io.out(HELP);
    return command === undefined && !args.values.help ? EXIT.usage : EXIT.ok;
  }
  if (command === "validate-config") return validateConfig(positional, env, io);
  const o = args.values;
  // The sandbox's own port setting (`TANDEM_PORT`, as `npm start` reads it) finds it too.
  const bases = (
    o.api ?? [env["TANDEM_API"] ?? `http://127.0.0.1:${env["TANDEM_PORT"]?.trim() || "7071"}`]
  ).map((b) => b.replace(/\/+$/, ""));
  if (bases.length > 1 && command !== "deploy") {
    io.err(`${command} takes one --api URL (deploy order and wait-live take several)\n`);
    return EXIT.usage;
  }
  const token = o.token ?? env["TANDEM_TOKEN"];
  const api: Api = { base: bases[0]!, ...(token ? { token } : {}), io };
  try {
    const handler = COMMANDS.get(command);
    if (!handler) throw new Usage(`unknown command "${command}"`);
    return await handler(commandContext(command, positional, o, bases, api));
  } catch (error) {
    if (error instanceof Usage) {
      io.err(`${error.message}\n\nRun "tandem help" for the commands.\n`);
      return EXIT.usage;
    }
    if (!(error instanceof ApiFailure)) throw error;
    if (o.json)
      io.out(JSON.stringify(error.body ?? { error: { message: error.message } }, null, 2));
    io.err(`tandem ${command}: ${error.message}\n`);
    return error.exit;
  }
}

// Run only as the command (also through npm's bin link), not when imported.
const invoked = process.argv[1] ? realpathSync(process.argv[1]) : "";
if (invoked === fileURLToPath(import.meta.url))
  process.exitCode = await run(process.argv.slice(2), process.env);
