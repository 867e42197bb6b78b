// The test command's parts, shared by `npm test` (scripts/test.ts) and `npm run test:stress`: which
// files, and the runner's arguments.
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The slowest test files, slowest first, as `npm test` printed their times on the CI-size machine
 * (2026-12-01: 39, 31, 24, 24, 22, 20, 19, 13, 11 and 8 s). Two files run at a time, in this
 * order (scripts/test.ts drives node:test's `run()`, which keeps it; `node --test` would sort
 * them by name, as `npm run test:stress` still does); started first, the long files share the two lanes and the many short ones fill the gaps
 * after them, instead of a long file starting last and ending the run alone. Only an order: a
 * file not named here runs after these, in name order, and a name here without a file is an
 * error (`test/lint/test-order.test.ts`), so the list cannot silently go stale.
 */
export const SLOWEST_FIRST = [
  "test/sandbox/sandbox.e2e.test.ts",
  "test/sandbox/observers.e2e.test.ts",
  "test/sandbox/arm-errors.e2e.test.ts",
  "test/sim/sim.test.ts",
  "test/cli/operator.test.ts",
  "test/sandbox/catalog.e2e.test.ts",
  "test/sandbox/data.e2e.test.ts",
  "test/sim/arm.test.ts",
  "test/app/agreement.test.ts",
  "test/app/alerts-events.test.ts",
  "test/sim/scale.test.ts",
  "test/sandbox/main.test.ts",
];

/**
 * Files that spend minutes waiting on real time by design (a control plane whose every reply is
 * seconds late) and little CPU: `npm test` runs them in a lane of their own, all at once, beside
 * the two lanes of the rest, and the per-file budget does not apply to them. They start first.
 */
export const WAITING = [
  "test/sandbox/slow-arm-15s.e2e.test.ts",
  "test/sandbox/slow-arm-5s.e2e.test.ts",
];

/**
 * Where WAITING's suites are declared, when a helper declares them (`slowArmSuite`): the test
 * runner names a suite's file by where its `describe` is, so their time is reported under it.
 */
export const WAITING_SUITES = ["test/sandbox/slow-arm.ts"];

/** Every .test.ts under `dir`, as paths relative to the project, in name order. */
export function testSources(dir = join(ROOT, "test")): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? testSources(join(dir, e.name))
        : e.name.endsWith(".test.ts")
          ? [relative(ROOT, join(dir, e.name)).split(sep).join("/")]
          : [],
    )
    .sort();
}

/**
 * Every test file: the compiled file of each .test.ts under test/, the slowest first (see
 * SLOWEST_FIRST), the rest in name order. The list comes from the sources, so a compiled test
 * whose source was deleted never runs, whatever is left in dist.
 */
export function testFiles(): string[] {
  const order = [...WAITING, ...SLOWEST_FIRST];
  const rank = (source: string) => {
    const at = order.indexOf(source);
    return at === -1 ? order.length : at;
  };
  return testSources()
    .map((source, i) => ({ source, i }))
    .sort((a, b) => rank(a.source) - rank(b.source) || a.i - b.i)
    .map(({ source }) => join(ROOT, "dist", source).replace(/\.ts$/, ".js"));
}

/** The runner's limit per test. */
export const TEST_TIMEOUT_MS = 120_000;
/** The limit for a test of a WAITING file: a failover through a control plane 15 s per reply. */
export const WAITING_TIMEOUT_MS = 360_000;

/** node --test with two files at a time, the runner's limit per test, and both reporters. */
export function runnerArgs(files: readonly string[]): string[] {
  // One limit for all files here: a WAITING file among them needs its longer one.
  const waiting = WAITING.map((w) => w.replace(/^test\//, "dist/test/").replace(/\.ts$/, ".js"));
  const waits = files.some((f) => waiting.some((w) => f.split(sep).join("/").endsWith(w)));
  return [
    "--test",
    "--test-concurrency=2",
    `--test-timeout=${waits ? WAITING_TIMEOUT_MS : TEST_TIMEOUT_MS}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(ROOT, "dist/scripts/file-times-reporter.js")}`,
    "--test-reporter-destination=stdout",
    ...files,
  ];
}
