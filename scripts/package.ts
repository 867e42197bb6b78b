// `npm run package -- --config tandem.config.json`: the zip the Functions host runs. It stages the
// files of the manifest (scripts/package-files.ts) with the configuration as tandem.config.json,
// installs the production dependencies from the lock file (`npm ci --omit=dev`), leaves out
// source maps and type declarations, and writes .package/tandem.zip. infra/hooks/deploy.sh
// uploads it to each region in turn.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isConfigError, loadConfigFile } from "../src/config/index.js";
import { packageManifest, productionPackageJson } from "./package-files.js";
import { zip } from "./zip.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Files under node_modules that no running app reads. */
const DROPPED = /\.(map|d\.ts|d\.mts|d\.cts|md|markdown)$/i;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path) : e.isFile() ? [path] : [];
  });
}

export interface PackageResult {
  readonly zipPath: string;
  readonly files: number;
  readonly stagedBytes: number;
  readonly zipBytes: number;
}

export async function buildPackage(options: {
  readonly config: string;
  readonly outDir: string;
  /** Skip `npm ci --omit=dev` (the staged app then has no node_modules). */
  readonly install?: boolean;
  readonly log?: (line: string) => void;
}): Promise<PackageResult> {
  const log = options.log ?? (() => {});
  const config = await loadConfigFile(options.config);
  const manifest = packageManifest(ROOT, options.config, config);
  if (manifest.problems.length > 0)
    throw new Error(`the package would not run:\n  ${manifest.problems.join("\n  ")}`);
  const stage = join(options.outDir, "app");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const file of manifest.files) {
    mkdirSync(dirname(join(stage, file.to)), { recursive: true });
    cpSync(file.from, join(stage, file.to));
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Parameters<
    typeof productionPackageJson
  >[0];
  writeFileSync(
    join(stage, "package.json"),
    `${JSON.stringify(productionPackageJson(pkg), null, 2)}\n`,
  );
  if (options.install !== false) {
    log("installing production dependencies (npm ci --omit=dev)...");
    const npm = spawnSync(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
      { cwd: stage, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    if (npm.status !== 0) throw new Error(`npm ci --omit=dev failed:\n${npm.stderr}`);
    for (const file of walk(join(stage, "node_modules"))) if (DROPPED.test(file)) rmSync(file);
  }
  const all = walk(stage);
  const entries = all.map((path) => ({
    name: relative(stage, path).split(sep).join("/"),
    data: readFileSync(path),
  }));
  const stagedBytes = all.reduce((sum, path) => sum + statSync(path).size, 0);
  const archive = zip(entries);
  const zipPath = join(options.outDir, "tandem.zip");
  writeFileSync(zipPath, archive);
  return { zipPath, files: entries.length, stagedBytes, zipBytes: archive.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: "tandem.config.json" },
      out: { type: "string", default: join(ROOT, ".package") },
      "no-install": { type: "boolean", default: false },
    },
  });
  try {
    const result = await buildPackage({
      config: values.config,
      outDir: values.out,
      install: !values["no-install"],
      log: (line) => console.error(line),
    });
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `wrote ${result.zipPath}: ${result.files} files, ${mb(result.stagedBytes)} unpacked, ${mb(result.zipBytes)} zipped`,
    );
  } catch (error) {
    console.error(
      isConfigError(error) ? error.message : `npm run package: ${(error as Error).message}`,
    );
    process.exitCode = 1;
  }
}
