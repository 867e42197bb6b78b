// A configuration problem names where it is and what to do about it.
import { namedError } from "../core/errors.js";

export interface ConfigProblem {
  /** Path in the file, for example `groups[0].regions[1].probe.url`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path === "" ? problem.message : `${problem.path}: ${problem.message}`;
}

/** Thrown when a configuration cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly source: string;

  constructor(source: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`).join("\n");
    const noun = problems.length === 1 ? "problem" : "problems";
    super(`${source} has ${problems.length} ${noun}:\n${lines}`);
    this.name = "ConfigError";
    this.problems = problems;
    this.source = source;
  }
}

export function isConfigError(error: unknown): error is ConfigError {
  return Array.isArray(namedError(error, "ConfigError")?.problems);
}
