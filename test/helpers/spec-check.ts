// Holds requests and replies to the vendored Azure REST specs (test/specs/, see its README): each
// spec's $refs (also across files) are resolved by @apidevtools/json-schema-ref-parser, its
// Swagger 2.0 schemas are read as JSON Schema and validated with Ajv. A problem names the spec
// file, the operation, the member (instance path) and the spec's rule (schema path), so that a
// failing check says what to fix and where the spec says so.
import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import $RefParser from "@apidevtools/json-schema-ref-parser";
import ajv2020 from "ajv/dist/2020.js";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";

// Ajv is a CommonJS module: its class is the module's default export, typed as the namespace.
const Ajv2020 = ajv2020.default;
type Ajv = InstanceType<typeof Ajv2020>;
import { ROOT } from "./paths.js";

type Json = Record<string, unknown>;

/** One exchange as the emulator recorded it. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly reply?: {
    readonly headers: Readonly<Record<string, string>>;
    readonly body: unknown;
  };
}

interface Operation {
  readonly file: string;
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly id: string;
  readonly spec: Json;
  readonly pathParams: readonly { name: string; enum?: readonly string[]; index: number }[];
}

/**
 * The spec files, relative to test/specs: in each lever kind's folder (test/specs/<kind>/), every
 * file that defines operations (`paths`); the files they only `$ref` are read through them.
 */
function specFiles(): string[] {
  const root = resolve(ROOT, "test/specs");
  return readdirSync(root, { withFileTypes: true })
    .filter((kind) => kind.isDirectory())
    .flatMap((kind) =>
      readdirSync(resolve(root, kind.name))
        .filter((f) => f.endsWith(".json"))
        .map((f) => `${kind.name}/${f}`),
    )
    .filter((file) => {
      const spec = JSON.parse(readFileSync(resolve(root, file), "utf8")) as Json;
      return isObject(spec["paths"]) && Object.keys(spec["paths"]).length > 0;
    })
    .sort();
}

/** ARM's long-running-operation status URLs: ARM's protocol, not in any service's spec. */
const OPERATION_STATUS = /\/providers\/[^/]+\/locations\/[^/]+\/(operations|operationresults)\//i;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Swagger 2.0 schemas as JSON Schema 2020-12, closed: vendor extensions dropped, draft-4 boolean
 * exclusiveMinimum/Maximum dropped (they are false in these specs), and every object schema that
 * is not a branch of an allOf gets `unevaluatedProperties: false`, so that a member the kept
 * definitions do not have is an error (allOf branches are closed by whoever composes them).
 */
function closed(node: unknown, inAllOf = false, isDefinition = false): unknown {
  if (Array.isArray(node)) return node.map((n) => closed(n));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith("x-")) continue;
    if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof value === "boolean")
      continue;
    if (key === "allOf" && Array.isArray(value)) out[key] = value.map((v) => closed(v, true));
    else if (key === "properties" && isObject(value))
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v)]));
    else if (key === "definitions" && isObject(value))
      out[key] = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, closed(v, false, true)]),
      );
    else out[key] = closed(value);
  }
  if (inAllOf || isDefinition || "additionalProperties" in out) return out;
  if (typeof out["$ref"] === "string")
    return { allOf: [{ $ref: out["$ref"] }], unevaluatedProperties: false };
  if (isObject(out["properties"]) || Array.isArray(out["allOf"]))
    return { ...out, unevaluatedProperties: false };
  return out;
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "([^/]+)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, "i");
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || "(the whole body)";
  const extra =
    error.keyword === "unevaluatedProperties"
      ? ` '${String((error.params as { unevaluatedProperty?: string }).unevaluatedProperty)}'`
      : error.keyword === "enum"
        ? ` ${JSON.stringify((error.params as { allowedValues?: unknown }).allowedValues)}`
        : "";
  return `${where} ${error.message ?? error.keyword}${extra} [${error.schemaPath}]`;
}

export class SpecCheck {
  readonly #operations: Operation[];
  readonly #ajv: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();

  private constructor(operations: Operation[], ajv: Ajv) {
    this.#operations = operations;
    this.#ajv = ajv;
  }

  static async load(files: readonly string[] = specFiles()): Promise<SpecCheck> {
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const operations: Operation[] = [];
    for (const file of files) {
      const path = resolve(ROOT, "test/specs", file);
      // External files are read from disk only; nothing is fetched.
      const bundled = (await $RefParser.bundle(path, {
        resolve: { http: false },
      })) as Json;
      const spec = closed(bundled) as Json;
      const definitions = (spec["definitions"] ?? {}) as Json;
      const paths = (spec["paths"] ?? {}) as Record<string, Record<string, Json>>;
      for (const [template, methods] of Object.entries(paths))
        for (const [method, op] of Object.entries(methods)) {
          const id = String(op["operationId"]);
          const params = (op["parameters"] ?? []) as Json[];
          const body = params.find((p) => p["in"] === "body");
          if (body) definitions[`__${id}_request`] = body["schema"];
          for (const [status, response] of Object.entries((op["responses"] ?? {}) as Json))
            if (isObject(response) && response["schema"])
              definitions[`__${id}_${status}`] = response["schema"];
          const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
          operations.push({
            file,
            method: method.toUpperCase(),
            template,
            pattern: templatePattern(template),
            id,
            spec: op,
            pathParams: params
              .filter((p) => p["in"] === "path" && Array.isArray(p["enum"]))
              .map((p) => ({
                name: String(p["name"]),
                enum: p["enum"] as string[],
                index: names.indexOf(String(p["name"])),
              })),
          });
        }
      ajv.addSchema({ ...spec, definitions }, file);
    }
    return new SpecCheck(operations, ajv);
  }

  #validator(op: Operation, name: string): ValidateFunction | undefined {
    const key = `${op.file}#/definitions/__${op.id}_${name}`;
    let fn = this.#compiled.get(key);
    if (!fn) {
      fn = this.#ajv.getSchema(key);
      if (fn) this.#compiled.set(key, fn);
    }
    return fn;
  }

  /** The spec operation a request is, if any vendored spec has it. */
  operation(method: string, path: string): Operation | undefined {
    return this.#operations.find((o) => o.method === method && o.pattern.test(path));
  }

  /** Whether the spec would not know this request at all (ARM's operation polls). */
  static isArmProtocol(path: string): boolean {
    return OPERATION_STATUS.test(path);
  }

  /** What is wrong with a request by its spec; [] when it conforms. */
  request(exchange: Pick<Exchange, "method" | "path" | "body">): string[] {
    const op = this.operation(exchange.method, exchange.path);
    if (!op) return [`${exchange.method} ${exchange.path}: no operation of the vendored specs`];
    const where = `${op.file} ${op.id} (${op.method} ${op.template}) request`;
    const problems: string[] = [];
    const values = op.pattern.exec(exchange.path)!;
    for (const p of op.pathParams) {
      const value = decodeURIComponent(values[p.index + 1] ?? "");
      if (p.enum && !p.enum.includes(value))
        problems.push(
          `${where}: path parameter ${p.name} is '${value}', not one of ${p.enum.join(", ")}`,
        );
    }
    const validate = this.#validator(op, "request");
    if (validate && exchange.body === undefined)
      problems.push(`${where}: the spec requires a body`);
    else if (validate && !validate(exchange.body))
      for (const e of validate.errors ?? []) problems.push(`${where} body: ${describe(e)}`);
    else if (!validate && exchange.body !== undefined && exchange.body !== null)
      problems.push(`${where}: the spec has no body, one was sent`);
    return problems;
  }

  /** What is wrong with a reply by its spec; [] when it conforms. */
  reply(exchange: Exchange): string[] {
    const op = this.operation(exchange.method, exchange.path);
    if (!op) return [`${exchange.method} ${exchange.path}: no operation of the vendored specs`];
    const status = String(exchange.status);
    const where = `${op.file} ${op.id} (${op.method} ${op.template}) reply ${status}`;
    const responses = (op.spec["responses"] ?? {}) as Record<string, Json>;
    const problems: string[] = [];
    const headers = Object.fromEntries(
      Object.entries(exchange.reply?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    // ARM always says when to come back (and the SDK retries a 429 only with it).
    if (exchange.status === 429 && headers["retry-after"] === undefined)
      problems.push(`${where}: a 429 without Retry-After`);
    const listed = responses[status];
    if (!listed && exchange.status < 400)
      problems.push(
        `${where}: the spec lists no ${status} (it lists ${Object.keys(responses).join(", ")})`,
      );
    const response = listed ?? responses["default"] ?? {};
    for (const [name, header] of Object.entries(
      (response["headers"] ?? {}) as Record<string, Json>,
    )) {
      const value = headers[name.toLowerCase()];
      if (value === undefined) problems.push(`${where}: header ${name} missing`);
      else if (header["type"] === "integer" && !/^\d+$/.test(value))
        problems.push(`${where}: header ${name} is '${value}', not an integer`);
    }
    const body = exchange.reply?.body;
    const validate = this.#validator(op, listed ? status : "default");
    if (validate && (body === undefined || body === ""))
      problems.push(`${where}: the spec has a body here, none was sent`);
    else if (validate && !validate(body))
      for (const e of validate.errors ?? []) problems.push(`${where} body: ${describe(e)}`);
    else if (!validate && body !== undefined && body !== "")
      problems.push(`${where}: the spec has no body here, one was sent`);
    return problems;
  }
}
