// `npm run package -- --config tandem.config.json`: the zip the Functions host runs. It bundles the
// Function App (scripts/bundle.ts: the entry point and its production dependencies, each lever's
// SDK a chunk of its own), adds host.json, a production package.json and the configuration as
// tandem.config.json with the CA files it names (scripts/package-files.ts), refuses a bundle that
// holds a test, tooling or dev-dependency file, and writes .package/tandem.zip.
// infra/hooks/deploy.sh uploads it to each region in turn.
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
import type { Bundle } from "./bundle.js";
import { ROOT, bundleFunctionApp } from "./bundle.js";
import { bundleProblems, packageManifest, productionPackageJson } from "./package-files.js";
import { zip } from "./zip.js";

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path) : e.isFile() ? [path] : [];
  });
}

export interface PackageResult {
  /** The staged app, as the zip holds it. */
  readonly stage: string;
  readonly bundle: Bundle;
  readonly zipPath: string;
  readonly files: number;
  readonly stagedBytes: number;
  readonly zipBytes: number;
}

export async function buildPackage(options: {
  readonly config: string;
  readonly outDir: string;
  /** Skip the zip (tests and benchmarks use the staged app). */
  readonly zip?: boolean;
}): Promise<PackageResult> {
  const config = await loadConfigFile(options.config);
  const manifest = packageManifest(ROOT, options.config, config);
  if (manifest.problems.length > 0)
    throw new Error(`the package would not run:\n  ${manifest.problems.join("\n  ")}`);
  const stage = join(options.outDir, "app");
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const bundle = await bundleFunctionApp(stage);
  const problems = bundleProblems(bundle);
  if (problems.length > 0)
    throw new Error(`the bundle is not fit to deploy:\n  ${problems.join("\n  ")}`);
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
  const all = walk(stage);
  const stagedBytes = all.reduce((sum, path) => sum + statSync(path).size, 0);
  const zipPath = join(options.outDir, "tandem.zip");
  if (options.zip === false)
    return { stage, bundle, zipPath, files: all.length, stagedBytes, zipBytes: 0 };
  const archive = zip(
    all.map((path) => ({
      name: relative(stage, path).split(sep).join("/"),
      data: readFileSync(path),
    })),
  );
  writeFileSync(zipPath, archive);
  return { stage, bundle, zipPath, files: all.length, stagedBytes, zipBytes: archive.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      config: { type: "string", default: "tandem.config.json" },
      out: { type: "string", default: join(ROOT, ".package") },
    },
  });
  try {
    const result = await buildPackage({ config: values.config, outDir: values.out });
    // Decimal megabytes, as issue 31's bound (0.6 MB) and docs/deploy.md read them.
    const mb = (n: number) => `${n.toLocaleString("en")} bytes (${(n / 1e6).toFixed(2)} MB)`;
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
