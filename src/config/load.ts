// Loading and validating tandem.config.json: every problem at once, each with its path.
import { readFile } from "node:fs/promises";
import type { ParseError } from "jsonc-parser";
import { parseTree, printParseErrorCode } from "jsonc-parser";
import { jsonSchema } from "./json-schema.js";
import type { ConfigProblem } from "./problems.js";
import { ConfigError } from "./problems.js";
import { checkConfigRules } from "./rules.js";
import type { TandemConfig } from "./schema.js";
import { configSchemaFor } from "./schema.js";
import type { ProviderRegistry } from "../providers/types.js";
import { PROVIDERS } from "../providers/registry.js";
import { PROBE_KINDS } from "../probes/registry.js";
import { CHANNEL_KINDS } from "../channels/registry.js";
import type { ChannelKindRegistry } from "../channels/types.js";
import type { ProbeKindRegistry } from "../probes/types.js";
import { problemsFromZod } from "./zod-problems.js";
import { duplicateKey, nestingDepth, shortName } from "./strict-json.js";

export type Validation =
  | { readonly ok: true; readonly config: TandemConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Validates a configuration object against the schema of registries of lever, probe and channel kinds. */
export function validateConfig(
  raw: unknown,
  registry: ProviderRegistry = PROVIDERS,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  channelKinds: ChannelKindRegistry = CHANNEL_KINDS,
): Validation {
  const parsed = configSchemaFor(registry, probeKinds, channelKinds).safeParse(raw, {
    reportInput: true,
  });
  const problems = [
    ...(parsed.success
      ? []
      : problemsFromZod(parsed.error.issues, jsonSchema(registry, probeKinds, channelKinds))),
    ...checkConfigRules(raw, probeKinds, registry),
  ];
  const seen = new Set<string>();
  const distinct = problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (distinct.length > 0 || !parsed.success) return { ok: false, problems: distinct };
  return { ok: true, config: parsed.data as TandemConfig };
}

/** Validates a configuration object; throws a ConfigError listing every problem. */
export function parseConfig(
  raw: unknown,
  source = "configuration",
  registry: ProviderRegistry = PROVIDERS,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  channelKinds: ChannelKindRegistry = CHANNEL_KINDS,
): TandemConfig {
  const result = validateConfig(raw, registry, probeKinds, channelKinds);
  if (!result.ok) throw new ConfigError(source, result.problems);
  return result.config;
}

/** A configuration nests a handful of levels; far deeper is no configuration. */
const CONFIG_DEPTH_LIMIT = 64;

const SYNTAX_HINTS: Partial<Record<string, string>> = {
  ValueExpected: "a value was expected (a trailing or doubled comma?)",
  CommaExpected: "a comma was expected",
  ColonExpected: "a colon was expected after the property name",
  PropertyNameExpected: "a property name in double quotes was expected (a trailing comma?)",
  CloseBraceExpected: "a closing } was expected",
  CloseBracketExpected: "a closing ] was expected",
  EndOfFileExpected: "nothing may follow the top-level object",
  InvalidSymbol: "unexpected character",
  InvalidCommentToken: "comments are not allowed in JSON",
  UnexpectedEndOfComment: "comments are not allowed in JSON",
  UnexpectedEndOfString: "a string is not closed",
  InvalidEscapeCharacter: "invalid escape in a string",
};

/** Where the first syntax error is, as line and column; JSON.parse's message does not always say. */
function jsonSyntaxProblem(text: string, error: Error): ConfigProblem {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (!first) return { path: "", message: `is not valid JSON: ${error.message}` };
  const before = text.slice(0, first.offset).split("\n");
  const line = before.length;
  const column = (before.at(-1)?.length ?? 0) + 1;
  const code = printParseErrorCode(first.error);
  return {
    path: "",
    message: `is not valid JSON at line ${line}, column ${column}: ${SYNTAX_HINTS[code] ?? code}`,
  };
}

/** Reads, parses and validates a configuration file. */
export async function loadConfigFile(
  path: string,
  registry: ProviderRegistry = PROVIDERS,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  channelKinds: ChannelKindRegistry = CHANNEL_KINDS,
): Promise<TandemConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === "ENOENT" ? "does not exist" : `cannot be read (${code ?? (error as Error).message})`;
    throw new ConfigError(path, [{ path: "", message }]);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(path, [{ path: "", message: "is not valid UTF-8 text" }]);
  }
  let raw: unknown;
  const json = text.replace(/^\uFEFF/, "");
  // Before anything recursive reads it: thousands of brackets would overflow the stack.
  if (nestingDepth(json) > CONFIG_DEPTH_LIMIT)
    throw new ConfigError(path, [
      { path: "", message: `nests arrays and objects deeper than ${CONFIG_DEPTH_LIMIT} levels` },
    ]);
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(path, [jsonSyntaxProblem(text, error as Error)]);
  }
  const twice = duplicateKey(json);
  if (twice !== undefined)
    throw new ConfigError(path, [
      {
        path: shortName(twice, 200),
        message:
          "is given twice in the same object; keep one (JSON readers disagree on which wins)",
      },
    ]);
  return parseConfig(raw, path, registry, probeKinds, channelKinds);
}
