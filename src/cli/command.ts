// What every `tandem` command is given: its arguments, the parsed options, the API client and a
// way to print. A command returns its exit code, or throws Usage (bad arguments) or ApiFailure.
import { parseArgs } from "node:util";
import type { Api, Io } from "./client.js";

export class Usage extends Error {}

const OPTIONS = {
  api: { type: "string", multiple: true },
  token: { type: "string" },
  json: { type: "boolean", default: false },
  wait: { type: "boolean", default: false },
  watch: { type: "boolean", default: false },
  to: { type: "string" },
  reason: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  override: { type: "boolean", default: false },
  all: { type: "boolean", default: false },
  key: { type: "string" },
  group: { type: "string" },
  limit: { type: "string" },
  before: { type: "string" },
  out: { type: "string" },
  subscription: { type: "string" },
  check: { type: "boolean", default: false },
  since: { type: "string" },
  "expect-version": { type: "string" },
  timeout: { type: "string" },
  help: { type: "boolean", default: false },
} as const;

/** The command line, parsed strictly (an unknown option throws). */
export const parseCommandLine = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });

type Options = ReturnType<typeof parseCommandLine>["values"];

export interface CommandContext {
  readonly command: string;
  readonly positional: readonly string[];
  readonly options: Options;
  /** Every --api given (deploy order and wait-live ask each); `api` is the first. */
  readonly bases: readonly string[];
  readonly api: Api;
  readonly io: Io;
  /** Writes the human text, or the JSON with --json. */
  print(human: string, json: unknown): void;
  /** The option's value, or a usage error naming what is missing. */
  need(value: string | undefined, what: string): string;
  /** The one GROUP argument. */
  group(): string;
}

export type Command = (c: CommandContext) => Promise<number>;

export function commandContext(
  command: string,
  positional: readonly string[],
  options: Options,
  bases: readonly string[],
  api: Api,
): CommandContext {
  const { io } = api;
  return {
    command,
    positional,
    options,
    bases,
    api,
    io,
    print: (human, json) => io.out(options.json ? JSON.stringify(json, null, 2) : human),
    need: (value, what) => {
      if (!value) throw new Usage(`${command} needs ${what}`);
      return value;
    },
    group: () => {
      if (positional.length !== 1) throw new Usage(`${command} takes one GROUP`);
      return positional[0]!;
    },
  };
}
