// Why a configuration cannot be deployed as it is: each problem has a code a script can match,
// the path in the file, and what to do about it.
import { namedError } from "../core/errors.js";

export const DEPLOY_PROBLEM_CODES = [
  /** The file has no `deployment` section, so no witness region. */
  "deployment-missing",
  /** The state store is named by a connection string; the deployment reaches it by identity. */
  "state-store-connection",
  /** `stateStore.endpoint` is not the table endpoint of a storage account. */
  "state-store-endpoint",
  /** `policy.intervalSeconds` has no evenly spaced NCRONTAB schedule. */
  "interval-not-schedulable",
  /** A lever's resource is in another subscription than the deployment's (or than the others). */
  "lever-subscription",
  /** Two secret settings would share one Key Vault secret name. */
  "secret-name-clash",
  /** A secret reference names an app setting the deployment or the platform sets itself. */
  "setting-reserved",
] as const;

export type DeployProblemCode = (typeof DEPLOY_PROBLEM_CODES)[number];

export interface DeployProblem {
  readonly code: DeployProblemCode;
  /** Path in the configuration file, e.g. `stateStore.endpoint`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when a valid configuration still cannot be deployed; lists every problem found. */
export class DeployError extends Error {
  readonly problems: readonly DeployProblem[];

  constructor(source: string, problems: readonly DeployProblem[]) {
    const noun = problems.length === 1 ? "problem" : "problems";
    super(
      `${source} cannot be deployed: ${problems.length} ${noun}:\n${problems
        .map((p) => `  ${p.path ? `${p.path}: ` : ""}${p.message} [${p.code}]`)
        .join("\n")}`,
    );
    this.name = "DeployError";
    this.problems = problems;
  }
}

export function isDeployError(error: unknown): error is DeployError {
  return Array.isArray(namedError(error, "DeployError")?.problems);
}
