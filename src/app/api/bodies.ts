// What the API accepts: command bodies (one schema per command; unknown fields refused), the
// Idempotency-Key header, paging parameters. A bad input is a BadInput naming the field.
import { createHash } from "node:crypto";
import * as z from "zod";
import { duplicateKey, nestingDepth, shortName } from "../../config/strict-json.js";
import { firstInvisible } from "../../core/unprintable.js";
import { isPrintable } from "../printable.js";
import type { ApiRequest } from "./http.js";

/** Command bodies are small: a region, a reason, two flags. */
export const BODY_LIMIT = 16 * 1024;
/** Command bodies are flat objects; JSON nested deeper is refused before it is parsed. */
export const BODY_DEPTH_LIMIT = 8;
export const KEY = /^[A-Za-z0-9._:-]{1,200}$/;
export const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class BadInput extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "BadInput";
    this.field = field;
  }
}

const reason = z
  .string({ error: "must be a string saying why" })
  // Before the trim, which would take a byte order mark or a line separator off the ends.
  .check((ctx) => {
    const hidden = firstInvisible(ctx.value);
    if (hidden)
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `must not contain bidirectional or zero-width control characters (${hidden.code} at character ${hidden.at}): they make text read differently from what it is`,
      });
  })
  .trim()
  .min(3, "must say why, in at least 3 characters")
  .max(500, "must be at most 500 characters")
  .refine(isPrintable, "must be one line of printable text");
const region = z.string({ error: "must be a region name" }).regex(NAME, "must be a region name");
const flag = z.boolean({ error: "must be true or false" });

export const BODIES = {
  failover: z.strictObject({
    to: region,
    reason,
    dryRun: flag.optional(),
    override: flag.optional(),
  }),
  failback: z.strictObject({ to: region.optional(), reason, dryRun: flag.optional() }),
  pause: z.strictObject({ reason }),
  resume: z.strictObject({ reason }),
  drill: z.strictObject({ reason }),
} as const;
export type CommandName = keyof typeof BODIES;
export type CommandBody<C extends CommandName> = z.output<(typeof BODIES)[C]>;
/** What a client sends for each command (the CLI builds its bodies with these). */
export type CommandInput<C extends CommandName> = z.input<(typeof BODIES)[C]>;

/**
 * Reads a command's body strictly: UTF-8 (invalid bytes are refused, never replaced), JSON with
 * no key given twice (readers disagree on which one wins), the command's fields and nothing else.
 */
export async function parseBody<C extends CommandName>(
  request: ApiRequest,
  command: C,
): Promise<CommandBody<C>> {
  return (await parseJson(request, BODIES[command] as z.ZodType)) as CommandBody<C>;
}

/** Another observer's request to probe a region now (POST /api/observers/{observer}/probe). */
export const PEER_PROBE_BODY = z.strictObject({ from: region, region });

/** Reads a JSON body strictly against `schema` (see parseBody). */
export async function parseJson<T>(request: ApiRequest, schema: z.ZodType<T>): Promise<T> {
  const type = request.headers.get("content-type") ?? "";
  const bytes = await request.bytes();
  if (bytes.byteLength > BODY_LIMIT)
    throw new BadInput("body", `is larger than ${BODY_LIMIT} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadInput("body", "is not valid UTF-8");
  }
  if (text.trim() === "") throw new BadInput("body", "is required: a JSON object");
  if (!/^application\/json\b/i.test(type))
    throw new BadInput(
      "content-type",
      `must be application/json (got "${shortName(type) || "none"}")`,
    );
  if (nestingDepth(text) > BODY_DEPTH_LIMIT)
    throw new BadInput("body", `nests arrays and objects deeper than ${BODY_DEPTH_LIMIT} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInput("body", `is not valid JSON (${shortName((error as Error).message, 120)})`);
  }
  const twice = duplicateKey(text);
  if (twice !== undefined)
    throw new BadInput(shortName(twice), "is given twice; give each field once");
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = (issue as { keys?: string[] }).keys;
  if (issue.code === "unrecognized_keys" && keys?.length)
    throw new BadInput(
      shortName([...issue.path, keys[0]!].join(".")),
      "is not a field of this command",
    );
  throw new BadInput(shortName(issue.path.join(".")) || "body", issue.message);
}

/**
 * What identifies a request's content for the Idempotency-Key: the command, the group and the
 * parsed body in a canonical form (key order and spacing do not matter).
 */
export function fingerprint(command: string, group: string, body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify({ command, group, body: canonical(body) }))
    .digest("hex")
    .slice(0, 32);
}

export function idempotencyKey(request: ApiRequest): string | undefined {
  const key = request.headers.get("idempotency-key");
  if (key === null) return undefined;
  if (!KEY.test(key))
    throw new BadInput("Idempotency-Key", "must be 1-200 characters of A-Z a-z 0-9 . _ : -");
  return key;
}

export function limitOf(request: ApiRequest, max: number, fallback: number): number {
  const text = request.query.get("limit");
  if (text === null) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BadInput("limit", `must be a whole number from 1 to ${max}`);
  return n;
}
