#!/usr/bin/env node
// The `tandem` command. For now: validate-config. The operator commands (status, failover,
// failback, pause, resume, drill, incidents, audit) come with the operator API.
import { formatProblem, isConfigError, loadConfigFile, missingSecrets } from "../config/index.js";

const HELP = `Usage: tandem <command>

Commands:
  validate-config [FILE]   check a configuration file (default tandem.config.json); exit 0 when
                           valid, 2 when not. App settings its "env:" references name that are
                           not set here are listed as warnings.
  help                     show this help`;

export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help") {
    console.log(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== "validate-config") {
    console.error(`unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  if (rest.length > 1) {
    console.error("validate-config takes one file");
    return 2;
  }
  const file = rest[0] ?? "tandem.config.json";
  try {
    const config = await loadConfigFile(file);
    const groups = config.groups.map((g) => `${g.name} (${g.model}, ${g.regions.length} regions)`);
    console.log(
      `${file} is valid: ${config.observers.length} observer(s); groups ${groups.join(", ")}.`,
    );
    for (const problem of missingSecrets(config, env))
      console.log(`warning: ${formatProblem(problem)} (set it where Tandem runs)`);
    return 0;
  } catch (error) {
    if (!isConfigError(error)) throw error;
    console.error(error.message);
    return 2;
  }
}

process.exitCode = await run(process.argv.slice(2), process.env);
