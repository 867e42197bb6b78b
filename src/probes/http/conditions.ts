// Checks of an answer's status and body. Pure functions over what was received.
//
// JSON paths are a small, documented subset (`$`, `.name`, `[index]`), enough for health
// documents; a full JSONPath library would add a dependency for queries a health check never
// needs, and its filter expressions would be a way to write slow checks.
import type { BodyConditions, JsonCondition, StatusRange } from "./request.js";

export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.from && status <= r.to);
}

export function describeRanges(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(", ");
}

/** The value at a path, or `missing`. */
const MISSING = Symbol("missing");

function valueAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const [, name, index] of path.slice(1).matchAll(/\.([^.[]+)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== "object") return MISSING;
    const key = name ?? Number(index);
    if (!(key in (value as object))) return MISSING;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as never)[k], (b as never)[k]));
}

const show = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function checkJson(document: unknown, condition: JsonCondition): string | undefined {
  const value = valueAt(document, condition.path);
  if (condition.exists === false) return value === MISSING ? undefined : `${condition.path} exists`;
  if (value === MISSING) return `${condition.path} is missing`;
  if ("equals" in condition && !deepEqual(value, condition.equals))
    return `${condition.path} is ${show(value)}, expected ${show(condition.equals)}`;
  return undefined;
}

/** The first body condition that fails, as a sentence; undefined when all pass. */
export function checkBody(body: string, conditions: BodyConditions): string | undefined {
  if (conditions.contains !== undefined && !body.includes(conditions.contains))
    return `the body does not contain ${show(conditions.contains)}`;
  if (conditions.matches !== undefined && !new RegExp(conditions.matches).test(body))
    return `the body does not match /${conditions.matches}/`;
  if (conditions.json?.length) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return "the body is not JSON";
    }
    for (const condition of conditions.json) {
      const failure = checkJson(document, condition);
      if (failure) return failure;
    }
  }
  return undefined;
}
