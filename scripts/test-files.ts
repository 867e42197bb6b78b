// The test command's parts, shared by `npm test` (scripts/test.ts) and `npm run test:stress`: which
// files, and the runner's arguments.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Every test file, sorted: the compiled file of each .test.ts under test/. The list comes from the
 * sources, so a compiled test whose source was deleted never runs, whatever is left in dist.
 */
export function testFiles(dir = join(ROOT, "test")): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? testFiles(join(dir, e.name))
        : e.name.endsWith(".test.ts")
          ? [join(ROOT, "dist", relative(ROOT, join(dir, e.name))).replace(/\.ts$/, ".js")]
          : [],
    )
    .sort();
}

/** node --test with two files at a time, the runner's limit per test, and both reporters. */
export function runnerArgs(files: readonly string[]): string[] {
  return [
    "--test",
    "--test-concurrency=2",
    "--test-timeout=120000",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(ROOT, "dist/scripts/file-times-reporter.js")}`,
    "--test-reporter-destination=stdout",
    ...files,
  ];
}
