// Mutation testing of the safety code (`npm run mutate`; not part of `npm test`, it takes long).
// Stryker plants small bugs in the TypeScript sources named in `mutate`, compiles the sandbox
// with tsc, and runs the test files that cover each mutant; a mutant no test notices survives.
// Results and the equivalent mutants left standing are in bench/RESULTS.md.
//
// StrykerJS 10 needs Node 22; 9.x runs on Node 20. The tap runner runs each test file with
// `node --test-reporter=tap file.js` (node:test prints TAP) and measures which file reaches which
// mutant, so a mutant only runs the files that cover it.
// `--incremental` reuses nothing with this runner: it names each test by its file's path inside
// the sandbox (.stryker-tmp/sandbox-<random>), so every run sees every test as new. To measure
// one file, `npm run mutate -- --mutate src/core/verdict.ts`.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  mutate: [
    "src/core/**/*.ts",
    "src/app/fence.ts",
    "src/app/lease-keeper.ts",
    "src/app/auth.ts",
    "src/adapters/keys/discovered-keys.ts",
  ],
  testRunner: "tap",
  buildCommand: "npm run build",
  tap: {
    // The focused tests of the mutated files: pure core tests and the auth (with its loopback
    // token issuer), fence and lease-keeper tests (each file about a second). The end-to-end and integration files (ticks, the ARM
    // emulator, the HTTP API, the Azurite lease races) are left to `npm test`: on a busy 2-core
    // machine they made a full run take over two hours and turned load into "timeouts", which
    // Stryker counts as detected. Without them the score is what the focused tests alone catch.
    testFiles: [
      "dist/test/core/*.test.js",
      "dist/test/app/{auth,auth-keys,fence,lease-keeper}.test.js",
    ],
  },
  plugins: ["@stryker-mutator/tap-runner"],
  coverageAnalysis: "perTest",
  ignorePatterns: ["dist", "reports", "test-output", "test-results", ".tmp"],
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  incrementalFile: "reports/stryker-incremental.json",
  // A mutant that makes a test wait for ever is a timeout, which counts as detected.
  timeoutMS: 10_000,
  thresholds: { high: 95, low: 90, break: 90 },
  concurrency: 2,
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
