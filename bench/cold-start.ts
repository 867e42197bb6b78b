// `npm run bench -- --only cold-start`: what a Functions worker pays to start Tandem. In one run,
// alternating, each in a fresh process: importing a minimal hello-world `@azure/functions` timer
// registration, the bundled entry point as `npm run package` stages it, and the unbundled
// compiled entry (dist/functions/index.js); whole-process CPU (Node's start included, the same
// for all three) and resident memory after the import. Then the first tick in a fresh process
// with a warm store: the bundle started under a stand-in for the host (test/helpers/
// functions-host.ts), its probe and orchestrate handlers invoked once each, against Azurite (in
// this process, the table and rows already written by an earlier process) and loopback targets.
import { spawn } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ENTRY, ROOT } from "../scripts/bundle.js";
import { buildPackage } from "../scripts/package.js";
import { startAzurite } from "../src/sandbox/azurite.js";
import { installStandInHost } from "../test/helpers/functions-host.js";
import { loopbackGroup } from "./harness.js";

const HELLO = `import { app } from "@azure/functions";
app.timer("hello", { schedule: "0 */5 * * * *", handler: (_timer, context) => context.log("hello") });
`;

/** Imports one module in a fresh process; its CPU (start included) and memory afterwards. */
const IMPORT = `
await import(process.env.BENCH_MODULE);
const cpu = process.cpuUsage();
console.log(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, rssMB: process.memoryUsage().rss / 1048576 }));`;

/** Starts the staged bundle under the stand-in host and runs its timer once. */
const FIRST_TICK = `
import { createRequire } from "node:module";
const t0 = performance.now();
await import("./${ENTRY}");
const imported = performance.now();
const { handlers } = createRequire(import.meta.url)("./node_modules/@azure/functions-core");
const context = { invocationId: "bench", log() {}, warn() {}, error(m) { console.error(m); } };
const timer = { isPastDue: false };
await handlers.tick(timer, context);
const done = performance.now();
const cpu = process.cpuUsage();
console.log(JSON.stringify({
  importMs: imported - t0,
  firstTickMs: done - imported,
  processStartToTickedMs: done,
  cpuMs: (cpu.user + cpu.system) / 1000,
  rssMB: process.memoryUsage().rss / 1048576,
}));`;

/** Runs `script` in a fresh process (asynchronously: Azurite answers from this one). */
async function child(
  script: string,
  cwd: string,
  env: Record<string, string> = {},
): Promise<Record<string, number>> {
  const proc = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd,
    env: { PATH: process.env["PATH"] ?? "", APPLICATION_INSIGHTS_NO_STATSBEAT: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => proc.once("exit", r));
  const line = out.split("\n").find((l) => l.startsWith("{"));
  if (code !== 0 || !line)
    throw new Error(`cold-start child failed (${code}): ${err.split("\n").slice(-12).join("\n")}`);
  return JSON.parse(line) as Record<string, number>;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
};

export async function coldStart(runs = 7): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), "tandem-cold-start-"));
  const hello = join(dir, "hello");
  mkdirSync(hello);
  writeFileSync(join(hello, "index.mjs"), HELLO);
  symlinkSync(join(ROOT, "node_modules"), join(hello, "node_modules"), "dir");

  const azurite = await startAzurite();
  const config = join(dir, "tandem.config.json");
  const target = await loopbackGroup(config, { intervalSeconds: 10, probeTimeoutSeconds: 2 });
  try {
    const started = performance.now();
    const pkg = await buildPackage({ config, outDir: join(dir, "package"), zip: false });
    const bundleMs = performance.now() - started;
    installStandInHost(pkg.stage);
    const modules = {
      hello: pathToFileURL(join(hello, "index.mjs")).href,
      bundled: pathToFileURL(join(pkg.stage, ENTRY)).href,
      unbundled: pathToFileURL(join(ROOT, ENTRY)).href,
    };
    const imports: Record<keyof typeof modules, Record<string, number>[]> = {
      hello: [],
      bundled: [],
      unbundled: [],
    };
    const load = [loadavg()[0]!];
    // The stand-in host is only in the stage; each import runs in the module's own folder.
    await child(IMPORT, dir, { BENCH_MODULE: modules.hello }); // warm the file cache
    for (let i = 0; i < runs; i++)
      for (const name of ["hello", "bundled", "unbundled"] as const)
        imports[name].push(await child(IMPORT, dir, { BENCH_MODULE: modules[name] }));
    load.push(loadavg()[0]!);

    const env = { TANDEM_OBSERVER_REGION: "westeurope", TANDEM_STORAGE: azurite.connectionString };
    await child(FIRST_TICK, pkg.stage, env); // makes the table and the rows: the store is warm after
    const ticks: Record<string, number>[] = [];
    for (let i = 0; i < runs; i++) ticks.push(await child(FIRST_TICK, pkg.stage, env));
    load.push(loadavg()[0]!);

    const summary = (xs: Record<string, number>[], key: string) => median(xs.map((x) => x[key]!));
    const cpu = Object.fromEntries(
      Object.entries(imports).map(([k, v]) => [k, summary(v, "cpuMs")]),
    );
    const rss = Object.fromEntries(
      Object.entries(imports).map(([k, v]) => [k, summary(v, "rssMB")]),
    );
    return {
      runs,
      machine: { nproc: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      loadAverage1m: load.map((l) => Math.round(l * 100) / 100),
      bundleMs: Math.round(bundleMs),
      bundleKB: Math.round(pkg.bundle.outputs.reduce((n, o) => n + o.bytes, 0) / 1024),
      bundleChunks: pkg.bundle.outputs.length,
      importCpuMs: cpu,
      importRssMB: rss,
      bundledCpuRatio: Math.round((cpu["bundled"]! / cpu["hello"]!) * 100) / 100,
      unbundledCpuRatio: Math.round((cpu["unbundled"]! / cpu["hello"]!) * 100) / 100,
      firstTick: Object.fromEntries(Object.keys(ticks[0]!).map((k) => [k, summary(ticks, k)])),
    };
  } finally {
    target.close();
    await azurite.stop();
  }
}
