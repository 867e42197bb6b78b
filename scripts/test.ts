// Runs the compiled test suite (after `npm run build`): every dist/test/**/*.test.js, two files at
// a time, the slowest first (see SLOWEST_FIRST), with the files that mostly wait on real time
// (WAITING) in a third lane beside them, and the time per file printed at the end.
//
// `node --test` sorts the files it is given by name, which would start the long end-to-end files
// (sandbox/, sim/) last, so the run drives node:test's `run()`, which keeps the order given. With
// extra arguments (for example --test-name-pattern=...) it runs `node --test` with them instead,
// in name order.
import { spawn, spawnSync } from "node:child_process";
import { join, sep } from "node:path";
import { PassThrough } from "node:stream";
import { run } from "node:test";
import { spec } from "node:test/reporters";
import fileTimes from "./file-times-reporter.js";
import {
  ROOT,
  TEST_TIMEOUT_MS,
  WAITING,
  WAITING_TIMEOUT_MS,
  runnerArgs,
  testFiles,
} from "./test-files.js";

// `--lint`: the linter and the formatter check run beside the suite (they take half a minute of
// one core, which the lanes below would otherwise wait for); their output is printed at the end.
const lint = process.argv.includes("--lint") ? lintBeside() : undefined;
const extra = process.argv.slice(2).filter((a) => a !== "--lint");
if (extra.length > 0) {
  const result = spawnSync(process.execPath, [...extra, ...runnerArgs(testFiles())], {
    cwd: ROOT,
    stdio: "inherit",
  });
  process.exitCode = result.status ?? 1;
  if (lint && !(await lint)) process.exitCode = 1;
} else {
  process.chdir(ROOT);
  // Failed until the whole run is counted: a runner that ends before its closing line (its event
  // loop drained, a lane lost) must not pass. Seen once: the output stopped mid-run, exit code 0.
  process.exitCode = 1;
  // Two lanes for the files that work, and one more for those that mostly wait (WAITING).
  const compiled = (source: string) =>
    join(ROOT, "dist", source).replace(/\.ts$/, ".js").split(sep).join("/");
  const waiting = new Set(WAITING.map(compiled));
  const files = testFiles();
  const isWaiting = (file: string) => waiting.has(file.split(sep).join("/"));
  const lanes = [
    run({ files: files.filter((f) => !isWaiting(f)), concurrency: 2, timeout: TEST_TIMEOUT_MS }),
    run({ files: files.filter(isWaiting), concurrency: waiting.size, timeout: WAITING_TIMEOUT_MS }),
  ];
  const events = new PassThrough({ objectMode: true });
  let open = lanes.length;
  for (const lane of lanes) {
    lane.on("data", (event: unknown) => events.write(event));
    lane.on("end", () => {
      if (--open === 0) events.end();
    });
  }
  // Both reporters read every event: the spec reporter as the run goes, the file times at its end.
  const toSpec = new PassThrough({ objectMode: true });
  const toTimes = new PassThrough({ objectMode: true });
  let failed = false;
  const counts = { passed: 0, failed: 0 };
  events.on(
    "data",
    (event: { type: string; data: { todo?: unknown; details?: { type?: string } } }) => {
      // A failing test marked todo does not fail the run, as with `node --test`.
      if (event.type === "test:fail" && !event.data.todo) failed = true;
      // Tests, not suites, counted over both lanes for the closing line.
      if (event.data.details?.type !== "suite") {
        if (event.type === "test:pass") counts.passed++;
        if (event.type === "test:fail" && !event.data.todo) counts.failed++;
      }
      toSpec.write(event);
      toTimes.write(event);
    },
  );
  events.on("end", () => {
    toSpec.end();
    toTimes.end();
  });
  toSpec.compose(new spec()).pipe(process.stdout);
  toTimes
    .compose(fileTimes)
    .on("end", () => {
      void (async () => {
        const linted = lint ? await lint : true;
        // Each lane printed its own summary; this line is the whole run's.
        process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed\n`);
        process.exitCode = failed || !linted ? 1 : 0;
      })();
    })
    .pipe(process.stdout);
}

/** Runs `npm run lint` now, and says at the end whether it passed (its output then, too). */
function lintBeside(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", "lint"], { cwd: ROOT });
    const out: Buffer[] = [];
    child.on("error", (error) => {
      process.stdout.write(`\nLint could not be started: ${error.message}\n`);
      resolve(false);
    });
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => out.push(b));
    child.on("close", (code) => {
      process.stdout.write(
        `\nLint (eslint and prettier --check): ${code === 0 ? "passed" : "FAILED"}\n`,
      );
      if (code !== 0) process.stdout.write(Buffer.concat(out));
      resolve(code === 0);
    });
  });
}
