// Runs the compiled test suite (after `npm run build`): every dist/test/**/*.test.js, two files at
// a time, the slowest first (see SLOWEST_FIRST), with the time per file printed at the end.
//
// `node --test` sorts the files it is given by name, which would start the long end-to-end files
// (sandbox/, sim/) last, so the run drives node:test's `run()`, which keeps the order given. With
// extra arguments (for example --test-name-pattern=...) it runs `node --test` with them instead,
// in name order.
import { spawnSync } from "node:child_process";
import { PassThrough } from "node:stream";
import { run } from "node:test";
import { spec } from "node:test/reporters";
import fileTimes from "./file-times-reporter.js";
import { ROOT, TEST_TIMEOUT_MS, runnerArgs, testFiles } from "./test-files.js";

const extra = process.argv.slice(2);
if (extra.length > 0) {
  const result = spawnSync(process.execPath, [...extra, ...runnerArgs(testFiles())], {
    cwd: ROOT,
    stdio: "inherit",
  });
  process.exitCode = result.status ?? 1;
} else {
  process.chdir(ROOT);
  const events = run({ files: testFiles(), concurrency: 2, timeout: TEST_TIMEOUT_MS });
  // Both reporters read every event: the spec reporter as the run goes, the file times at its end.
  const toSpec = new PassThrough({ objectMode: true });
  const toTimes = new PassThrough({ objectMode: true });
  let failed = false;
  events.on("data", (event: { type: string; data: { todo?: unknown } }) => {
    // A failing test marked todo does not fail the run, as with `node --test`.
    if (event.type === "test:fail" && !event.data.todo) failed = true;
    toSpec.write(event);
    toTimes.write(event);
  });
  events.on("end", () => {
    toSpec.end();
    toTimes.end();
  });
  toSpec.compose(new spec()).pipe(process.stdout);
  toTimes
    .compose(fileTimes)
    .on("end", () => {
      process.exitCode = failed ? 1 : 0;
    })
    .pipe(process.stdout);
}
