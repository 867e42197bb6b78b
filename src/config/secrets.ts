// Secrets are named in the config (`env:NAME`) and read from app settings at start-up. Their
// values are never logged or put in an error; only the setting's name is.
import type { ConfigProblem } from "./problems.js";
import { formatPath } from "./problems.js";
import { SECRET_REF_PATTERN } from "./fields.js";

export type Environment = Readonly<Record<string, string | undefined>>;

function* secretRefs(value: unknown, path: (string | number)[]): Generator<[string, string]> {
  if (typeof value === "string") {
    if (SECRET_REF_PATTERN.test(value)) yield [formatPath(path), value.slice("env:".length)];
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* secretRefs(item, [...path, i]);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* secretRefs(item, [...path, key]);
  }
}

/** Every secret reference whose app setting is missing or empty. */
export function missingSecrets(config: unknown, env: Environment): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [path, name] of secretRefs(config, [])) {
    if (!env[name])
      problems.push({
        path,
        message: `refers to app setting ${name}, which is not set or is empty`,
      });
  }
  return problems;
}

export class SecretError extends Error {
  constructor(readonly setting: string) {
    super(`app setting ${setting} is not set or is empty`);
    this.name = "SecretError";
  }
}

export function resolveSecret(ref: string, env: Environment): string {
  const setting = ref.slice("env:".length);
  const value = env[setting];
  if (!SECRET_REF_PATTERN.test(ref) || !value) throw new SecretError(setting);
  return value;
}
