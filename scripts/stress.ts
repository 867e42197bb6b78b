// `npm run test:stress`: the test suite with a CPU hog beside it, to check that it still passes on
// a busy machine and that no file goes over its budget. Options: --runs N (default 1), --hogs N
// busy-loop processes (default 1, pinned to the last core where `taskset` exists), --file-budget
// seconds per test file (default 60). Exits non-zero when a run fails or a file is over budget.
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { ROOT, runnerArgs, testFiles } from "./test-files.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "1" },
    hogs: { type: "string", default: "1" },
    "file-budget": { type: "string", default: "60" },
  },
});
const runs = Number(values.runs);
const hogCount = Number(values.hogs);
const fileBudget = Number(values["file-budget"]);

const pinned = spawnSync("taskset", ["--version"]).status === 0;
const lastCore = availableParallelism() - 1;
const hogs = Array.from({ length: hogCount }, () =>
  pinned
    ? spawn("taskset", ["-c", String(lastCore), process.execPath, "-e", "for(;;){}"], {
        stdio: "ignore",
      })
    : spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }),
);
const stopHogs = () => hogs.forEach((h) => h.kill("SIGKILL"));
process.on("exit", stopHogs);
console.log(
  `test:stress: ${hogCount} busy-loop process(es)${pinned ? ` pinned to core ${lastCore}` : ""}, ${runs} run(s), ${fileBudget} s per file`,
);

let failed = 0;
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const child = spawnSync(process.execPath, runnerArgs(testFiles()), {
    cwd: ROOT,
    env: { ...process.env, TANDEM_FILE_BUDGET_SECONDS: String(fileBudget) },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const out = child.stdout ?? "";
  const over = out.split("\n").filter((l) => l.includes("OVER BUDGET"));
  const summary = out.split("\n").filter((l) => /^ℹ (tests|pass|fail|cancelled|skipped) /.test(l));
  const ok = child.status === 0 && over.length === 0;
  if (!ok) failed++;
  console.log(
    `run ${run}: ${ok ? "passed" : "FAILED"} in ${seconds} s (${summary.map((l) => l.slice(2)).join(", ")})`,
  );
  for (const line of over) console.log(`  ${line.trim()}`);
  if (child.status !== 0) {
    const failures = out.split("\n").filter((l) => /✖|not ok|Error|timed out/.test(l));
    console.log(failures.slice(0, 40).join("\n"));
  }
  const times = out.slice(out.lastIndexOf("Time per test file"));
  console.log(times.split("\n").slice(0, 8).join("\n"));
}
stopHogs();
process.exitCode = failed ? 1 : 0;
