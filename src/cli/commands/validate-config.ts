// `tandem validate-config [FILE]`: checks a configuration file as Tandem and `azd up` would read
// it, listing every problem. The configuration schema (zod) and the deployment code load only here.
import type { Io } from "../client.js";
import { EXIT } from "../client.js";

export async function validateConfig(
  rest: readonly string[],
  env: NodeJS.ProcessEnv,
  io: Io,
): Promise<number> {
  if (rest.length > 1) {
    io.err("validate-config takes one file\n");
    return EXIT.usage;
  }
  const file = rest[0] ?? "tandem.config.json";
  const [
    { configWarnings, formatProblem, isConfigError, loadConfigFile, missingSecrets },
    parameters,
    problems,
  ] = await Promise.all([
    import("../../config/index.js"),
    import("../../deploy/parameters.js"),
    import("../../deploy/problems.js"),
  ]);
  const { deploymentParameters } = parameters;
  const { isDeployError } = problems;
  try {
    const config = await loadConfigFile(file);
    // With a deployment section, what `azd up` would refuse is a problem of the file too.
    if (config.deployment) deploymentParameters(config, {}, file);
    const groups = config.groups.map((g) => `${g.name} (${g.model}, ${g.regions.length} regions)`);
    io.out(
      `${file} is valid: ${config.observers.length} observer(s); groups ${groups.join(", ")}.`,
    );
    for (const problem of configWarnings(config)) io.out(`warning: ${formatProblem(problem)}`);
    for (const problem of missingSecrets(config, env))
      io.out(`warning: ${formatProblem(problem)} (set it where Tandem runs)`);
    return EXIT.ok;
  } catch (error) {
    if (isDeployError(error)) {
      io.err(`${error.message}\n`);
      return EXIT.usage;
    }
    if (!isConfigError(error)) throw error;
    io.err(`${error.message}\n`);
    return EXIT.usage;
  }
}
