// Runs after `tsc` in `npm run build`. The build is incremental (dist/.tsbuildinfo) and no longer
// empties dist, so this keeps dist true to the sources: a compiled file whose source was deleted
// or renamed is removed (a stale test or module must not run or be imported), and a source whose
// compiled file is missing (dist edited by hand) forces one full compile, since tsc trusts its
// build info and would not emit it again.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "dist");
/** The folders tsconfig.json compiles, each to dist/<folder>. */
export const SOURCE_DIRS = ["src", "functions", "test", "bench", "scripts"] as const;

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The source a compiled file comes from (`dist/x/y.js` and `.js.map` from `x/y.ts`). */
const sourceOf = (compiled: string) =>
  join(ROOT, relative(DIST, compiled).replace(/\.js(\.map)?$/, ".ts"));

/** Compiled files whose source is gone, and sources without a compiled file. */
export function staleAndMissing(): { stale: string[]; missing: string[] } {
  const stale: string[] = [];
  const missing: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const file of walk(join(DIST, dir)))
      if (/\.js(\.map)?$/.test(file) && !existsSync(sourceOf(file))) stale.push(file);
    for (const file of walk(join(ROOT, dir)))
      if (file.endsWith(".ts") && !file.endsWith(".d.ts")) {
        const out = join(DIST, relative(ROOT, file)).replace(/\.ts$/, ".js");
        if (!existsSync(out)) missing.push(out);
      }
  }
  return { stale, missing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { stale, missing } = staleAndMissing();
  for (const file of stale) rmSync(file);
  if (stale.length > 0)
    console.error(`build: removed ${stale.length} compiled file(s) whose source is gone`);
  if (missing.length > 0) {
    console.error(
      `build: ${missing.length} compiled file(s) missing (${relative(ROOT, missing[0]!)}...): compiling everything again`,
    );
    rmSync(join(DIST, ".tsbuildinfo"), { force: true });
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-b", join(ROOT, "tsconfig.json")],
      { stdio: "inherit" },
    );
    process.exitCode = tsc.status ?? 1;
  }
}
