// The order `npm test` starts its files in: the slowest first, then every other file once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SLOWEST_FIRST, WAITING, testFiles, testSources } from "../../scripts/test-files.js";

describe("the test files' order", () => {
  it("names only test files that exist, so the slowest-first list cannot go stale", () => {
    const sources = new Set(testSources());
    assert.deepEqual(
      [...WAITING, ...SLOWEST_FIRST].filter((file) => !sources.has(file)),
      [],
      "in WAITING or SLOWEST_FIRST (scripts/test-files.ts) but not a test file",
    );
    assert.deepEqual(
      WAITING.filter((file) => SLOWEST_FIRST.includes(file)),
      [],
      "a file waits or works, not both",
    );
  });

  it("starts the waiting files, then the slowest, in their order, and then runs every other file once", () => {
    const files = testFiles().map((f) => f.replace(/\\/g, "/"));
    const compiled = (source: string) =>
      source.replace(/^test\//, "dist/test/").replace(/\.ts$/, ".js");
    const ordered = [...WAITING, ...SLOWEST_FIRST];
    const first = files.slice(0, ordered.length);
    assert.deepEqual(
      first.map((f) => f.slice(f.indexOf("dist/test/"))),
      ordered.map(compiled),
    );
    const rest = files.slice(ordered.length);
    assert.deepEqual(rest, [...rest].sort(), "the others in name order");
    assert.equal(new Set(files).size, testSources().length, "every test file, once");
  });
});
