// The function-length check of `npm run lint` (scripts/long-functions.ts): every kind of function
// is measured from its first token to its last, named where it is declared, and one over the limit
// fails unless it is known, and then only if it grows.
import assert from "node:assert/strict";
import { it } from "node:test";
import { functionLengths, MAX_LINES, tooLong } from "../../scripts/long-functions.js";

/** A function body of `lines` lines in all, its first and last included. */
const body = (lines: number) =>
  Array.from({ length: lines - 2 }, (_, i) => `  f(${i});`).join("\n");

const source = [
  "/** A doc comment is not counted. */",
  `export function atLimit() {\n${body(MAX_LINES)}\n}`,
  `const overLimit = async () => {\n${body(MAX_LINES + 1)}\n};`,
  `class C {\n  method() {\n${body(3)}\n  }\n}`,
  `const handlers = { onEvent: function () {\n${body(4)}\n} };`,
].join("\n");

it("measures each function, however it is declared, from its first line to its last", () => {
  const found = functionLengths("src/x.ts", source).map(({ name, lines, line }) => ({
    name,
    lines,
    line,
  }));
  assert.deepEqual(found, [
    { name: "atLimit", lines: MAX_LINES, line: 2 },
    { name: "overLimit", lines: MAX_LINES + 1, line: MAX_LINES + 2 },
    { name: "method", lines: 3, line: 2 * MAX_LINES + 4 },
    { name: "onEvent", lines: 4, line: 2 * MAX_LINES + 8 },
  ]);
});

it("fails a function over the limit unless it is known, and a known one once it grows", () => {
  const found = functionLengths("src/x.ts", source);
  const names = (known: Record<string, { lines: number }>) =>
    tooLong(found, known).map((f) => f.name);
  assert.deepEqual(names({}), ["overLimit"]);
  assert.deepEqual(names({ "src/x.ts: overLimit": { lines: MAX_LINES + 1 } }), []);
  assert.deepEqual(names({ "src/x.ts: overLimit": { lines: MAX_LINES } }), ["overLimit"]);
});
