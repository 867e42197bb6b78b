// Turns zod's issues into problems a person can act on: the path in the file and the fix.
// Messages never echo the value of a secret field: those fields carry their own messages.
import type { z } from "zod";
import type { ConfigProblem } from "./problems.js";
import { formatPath } from "./problems.js";
import { editDistance } from "./distance.js";

type Issue = z.core.$ZodIssue & { input?: unknown };
type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  oneOf?: JsonSchemaNode[];
  anyOf?: JsonSchemaNode[];
};

const GENERIC = /^(Invalid input|Invalid option|Invalid string|Too small|Too big|Invalid)/;

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  return String(value);
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "an array (a list in [ ])",
};

/** The schema node at a path, merging the options of a union. */
function nodeAt(root: JsonSchemaNode, path: readonly PropertyKey[]): JsonSchemaNode[] {
  let nodes = [root];
  for (const segment of path) {
    const next: JsonSchemaNode[] = [];
    for (const node of nodes.flatMap((n) => [n, ...(n.oneOf ?? []), ...(n.anyOf ?? [])])) {
      if (typeof segment === "number" && node.items) next.push(node.items);
      const child = typeof segment === "string" ? node.properties?.[segment] : undefined;
      if (child) next.push(child);
    }
    nodes = next;
  }
  return nodes.flatMap((n) => [n, ...(n.oneOf ?? []), ...(n.anyOf ?? [])]);
}

function unknownKeyMessage(key: string, known: string[]): string {
  const close = known
    .map((k) => ({ k, d: editDistance(key, k) }))
    .filter(({ d }) => d <= 2)
    .sort((x, y) => x.d - y.d)[0];
  if (close) return `unknown key; did you mean "${close.k}"?`;
  return known.length > 0 ? `unknown key; expected one of: ${known.join(", ")}` : "unknown key";
}

function sizeMessage(issue: Issue & { code: "too_small" | "too_big" }): string {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  if (issue.origin === "array")
    return `must have ${small ? "at least" : "at most"} ${limit} item(s)`;
  if (issue.origin === "string")
    return `must be ${small ? "at least" : "at most"} ${limit} character(s) long`;
  const bound = small
    ? inclusive
      ? "at least"
      : "greater than"
    : inclusive
      ? "at most"
      : "less than";
  return `must be ${bound} ${limit} (got ${describeValue(issue.input)})`;
}

export function problemsFromZod(issues: readonly Issue[], jsonSchema: object): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    switch (issue.code) {
      case "invalid_type": {
        if (issue.input === undefined) out.push({ path, message: "is required" });
        else if (!GENERIC.test(issue.message)) out.push({ path, message: issue.message });
        else
          out.push({
            path,
            message: `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`,
          });
        break;
      }
      case "unrecognized_keys": {
        const known = nodeAt(jsonSchema as JsonSchemaNode, issue.path).flatMap((n) =>
          Object.keys(n.properties ?? {}),
        );
        for (const key of issue.keys)
          out.push({
            path: formatPath([...issue.path, key]),
            message: unknownKeyMessage(key, [...new Set(known)]),
          });
        break;
      }
      case "invalid_value": {
        const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
        out.push({
          path,
          message: `must be one of ${allowed} (got ${describeValue(issue.input)})`,
        });
        break;
      }
      case "invalid_union": {
        const options = (issue as { options?: unknown[] }).options;
        const given = (issue as { discriminator?: string }).discriminator;
        if (options && given !== undefined) {
          const value = (issue.input as Record<string, unknown> | undefined)?.[given];
          const allowed = options.map((v) => JSON.stringify(v)).join(", ");
          out.push({
            path,
            message:
              value === undefined
                ? `is required: one of ${allowed}`
                : `must be one of ${allowed} (got ${describeValue(value)})`,
          });
        } else out.push({ path, message: "does not match any of the allowed forms" });
        break;
      }
      case "too_small":
      case "too_big":
        out.push({
          path,
          message: GENERIC.test(issue.message) ? sizeMessage(issue) : issue.message,
        });
        break;
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}
