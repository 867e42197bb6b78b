// `npm run bench -- --only cli`: how fast the commands a person types answer, wall time, each in a
// fresh process: `tandem --help` (the bin, as built by npm ci) beside a bare `node -e 0`,
// `tandem status` against a sandbox started here, and `npm start` (in `--start-dir`, e.g. a fresh
// clone after `npm ci`) until its status URL answers with a verdict for every region. On loopback.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../scripts/bundle.js";
import { startSandbox } from "../src/sandbox/sandbox.js";

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]!);
};

async function timed(command: string, args: readonly string[], cwd = ROOT): Promise<number> {
  const started = performance.now();
  const proc = spawn(command, args, { cwd, stdio: "ignore" });
  const code = await new Promise<number | null>((r) => proc.once("exit", r));
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${code}`);
  return performance.now() - started;
}

/** `npm start` in `dir` until every region of the status has a verdict; then Ctrl-C. */
async function startToFirstStatus(dir: string): Promise<Record<string, number>> {
  const started = performance.now();
  const proc = spawn("npm", ["start"], {
    cwd: dir,
    env: { ...process.env, TANDEM_PORT: "0" },
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    let url: string | undefined;
    let answered: number | undefined;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`npm start exited: ${out}`);
      if (performance.now() - started > 300_000) throw new Error("npm start: no status in 300 s");
      url ??= /Status: +(http:\/\/127\.0\.0\.1:\d+\/api\/status)/.exec(out)?.[1];
      if (url) {
        const body = (await fetch(url)
          .then((r) => (r.ok ? r.json() : undefined))
          .catch(() => undefined)) as { groups: { regions: { verdict?: string }[] }[] } | undefined;
        if (body) answered ??= performance.now() - started;
        if (body?.groups.every((g) => g.regions.every((r) => r.verdict && r.verdict !== "unknown")))
          return {
            statusAnswersMs: Math.round(answered!),
            everyVerdictMs: Math.round(performance.now() - started),
          };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    // npm runs the sandbox as its child: stop the whole group it leads (ours alone).
    if (proc.pid !== undefined) process.kill(-proc.pid, "SIGINT");
  }
}

export async function cliTimes(runs = 7, startDir?: string): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    bin: Record<string, string>;
  };
  const bin = join(ROOT, pkg.bin["tandem"]!);
  const node: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(await timed(process.execPath, ["-e", "0"]));
    help.push(await timed(process.execPath, [bin, "--help"]));
  }
  const sandbox = await startSandbox({ port: 0 });
  const status: number[] = [];
  try {
    for (let i = 0; i < runs; i++)
      status.push(await timed(process.execPath, [bin, "status", "--api", sandbox.url]));
  } finally {
    await sandbox.stop();
  }
  return {
    runs,
    bareNodeMs: median(node),
    helpMs: median(help),
    statusMs: median(status),
    ...(startDir ? { npmStart: await startToFirstStatus(startDir) } : {}),
  };
}
