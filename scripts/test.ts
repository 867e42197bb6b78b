// Runs the compiled test suite (after `npm run build`): every dist/test/**/*.test.js, two files at
// a time, with the time per file printed at the end. Extra arguments go to node --test before the
// files (for example --test-name-pattern).
import { spawnSync } from "node:child_process";
import { ROOT, runnerArgs, testFiles } from "./test-files.js";

const result = spawnSync(process.execPath, [...process.argv.slice(2), ...runnerArgs(testFiles())], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exitCode = result.status ?? 1;
