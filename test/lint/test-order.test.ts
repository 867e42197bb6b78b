// The order `npm test` starts its files in: the slowest first, then every other file once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SLOWEST_FIRST, testFiles, testSources } from "../../scripts/test-files.js";

describe("the test files' order", () => {
  it("names only test files that exist, so the slowest-first list cannot go stale", () => {
    const sources = new Set(testSources());
    assert.deepEqual(
      SLOWEST_FIRST.filter((file) => !sources.has(file)),
      [],
      "in SLOWEST_FIRST (scripts/test-files.ts) but not a test file",
    );
  });

  it("starts the slowest files first, in their order, and then runs every other file once", () => {
    const files = testFiles().map((f) => f.replace(/\\/g, "/"));
    const compiled = (source: string) =>
      source.replace(/^test\//, "dist/test/").replace(/\.ts$/, ".js");
    const first = files.slice(0, SLOWEST_FIRST.length);
    assert.deepEqual(
      first.map((f) => f.slice(f.indexOf("dist/test/"))),
      SLOWEST_FIRST.map(compiled),
    );
    const rest = files.slice(SLOWEST_FIRST.length);
    assert.deepEqual(rest, [...rest].sort(), "the others in name order");
    assert.equal(new Set(files).size, testSources().length, "every test file, once");
  });
});
