// Runs the compiled test suite (after `npm run build`): every dist/test/**/*.test.js, two files at
// a time, with the time per file printed at the end. Extra arguments go to node --test before the
// files (for example --test-name-pattern).
//
// `--with-lint` runs `npm run lint` beside the tests, not before them: most test files wait on
// timers and sockets, so the lint's 30 to 45 s of CPU fit in the idle time of a 2-core machine
// instead of adding to the run. Its output is printed after the tests', and either failing fails
// the run.
import { spawn } from "node:child_process";
import { ROOT, runnerArgs, testFiles } from "./test-files.js";

const args = process.argv.slice(2);
const withLint = args.includes("--with-lint");
const nodeArgs = args.filter((a) => a !== "--with-lint");

function run(
  command: string,
  argv: readonly string[],
  capture: boolean,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, argv, {
      cwd: ROOT,
      stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const lint = withLint ? run(npm, ["run", "--silent", "lint"], true) : undefined;
const tests = await run(process.execPath, [...nodeArgs, ...runnerArgs(testFiles())], false);
let code = tests.code;
if (lint) {
  const linted = await lint;
  process.stdout.write(`\nLint (eslint and prettier, run beside the tests):\n${linted.output}`);
  if (linted.code !== 0) {
    console.log("Lint FAILED: see above.");
    code = code || linted.code;
  } else console.log("Lint passed.");
}
process.exitCode = code;
