// Secrets are named in the config (`env:NAME`) and read from app settings at start-up. Their
// values are never logged or put in an error; only the setting's name is.
import type { ConfigProblem } from "./problems.js";
import { formatPath } from "./problems.js";
import { SECRET_REF_PATTERN } from "./fields.js";

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * An app setting that still reads `@Microsoft.KeyVault(...)` is a reference the platform could not
 * resolve (a missing secret, or no access): its text is not the secret, and must not be used as one.
 */
const UNRESOLVED_REFERENCE = /^@Microsoft\.KeyVault\(/i;
const UNRESOLVED_HINT =
  "holds a Key Vault reference the platform could not resolve: set the secret in Tandem's Key Vault, or check the identity's access (docs/deploy.md)";

function* secretRefs(value: unknown, path: (string | number)[]): Generator<[string, string]> {
  if (typeof value === "string") {
    if (SECRET_REF_PATTERN.test(value)) yield [formatPath(path), value.slice("env:".length)];
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* secretRefs(item, [...path, i]);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* secretRefs(item, [...path, key]);
  }
}

/** Every secret reference in a configuration: its path and the app setting it names. */
export function secretReferences(config: unknown): { path: string; setting: string }[] {
  return [...secretRefs(config, [])].map(([path, setting]) => ({ path, setting }));
}

/** Every secret reference whose app setting is missing or empty. */
export function missingSecrets(config: unknown, env: Environment): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [path, name] of secretRefs(config, [])) {
    const value = env[name];
    if (!value)
      problems.push({
        path,
        message: `refers to app setting ${name}, which is not set or is empty`,
      });
    else if (UNRESOLVED_REFERENCE.test(value))
      problems.push({ path, message: `refers to app setting ${name}, which ${UNRESOLVED_HINT}` });
  }
  return problems;
}

export class SecretError extends Error {
  constructor(
    readonly setting: string,
    unresolved = false,
  ) {
    super(`app setting ${setting} ${unresolved ? UNRESOLVED_HINT : "is not set or is empty"}`);
    this.name = "SecretError";
  }
}

export function resolveSecret(ref: string, env: Environment): string {
  const setting = ref.slice("env:".length);
  const value = env[setting];
  if (!SECRET_REF_PATTERN.test(ref) || !value) throw new SecretError(setting);
  if (UNRESOLVED_REFERENCE.test(value)) throw new SecretError(setting, true);
  return value;
}
