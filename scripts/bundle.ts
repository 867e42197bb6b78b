// The Function App as one bundle (ADR 13): esbuild follows the imports from the compiled entry
// point, dist/functions/index.js, and writes it with every production dependency it reaches into
// <outDir>/dist/functions/, where package.json's "main" points. Each dynamic import stays a
// separate chunk beside it, loaded only when it runs: the composition root on the first tick, and
// a lever's SDK only when the configuration names a lever of that kind. The chunks sit in the
// entry's folder, so `import.meta.url` ("../../" is the app root: package.json, the configuration)
// means what it means in the unbundled build.
import { build } from "esbuild";
import { LEFT_OUT_DEFINES, leaveOut } from "./bundle-left-out.js";
import { oneCopy } from "./bundle-one-copy.js";
import type { Metafile } from "esbuild";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The entry point, in the repository and in the package (package.json "main"). */
export const ENTRY = "dist/functions/index.js";
/** Packages the Functions host provides to the worker: imported, never bundled or installed. */
export const HOST_PROVIDED = ["@azure/functions-core"] as const;
/**
 * Packages required inside a try by a bundled package, which runs without them: `debug` (under
 * the Azure SDK's HTTP proxy agents) colours its output with supports-color when it is there,
 * and only a dev dependency installs it. Left out, never bundled.
 */
export const OPTIONAL = ["supports-color"] as const;

// Bundled CommonJS packages call require() for Node's modules; an ES module has no require, so
// each output file makes one.
const BANNER =
  'import { createRequire as __tandemRequire } from "node:module"; const require = __tandemRequire(import.meta.url);';

export interface BundleOutput {
  /** Path inside the package, with forward slashes. */
  readonly path: string;
  readonly bytes: number;
  /** Files (relative to the repository) whose code is in it. */
  readonly inputs: readonly string[];
  /** Other outputs it imports statically (loaded with it). */
  readonly staticImports: readonly string[];
  /** Other outputs it imports dynamically (loaded when that code runs). */
  readonly dynamicImports: readonly string[];
  /** Packages it imports that are not bundled (the host's, the optional ones). */
  readonly external: readonly string[];
}

export interface Bundle {
  readonly entry: string;
  readonly outputs: readonly BundleOutput[];
}

/** Bundles the compiled entry point into `<outDir>/dist/functions/`. Needs `npm run build`. */
export async function bundleFunctionApp(outDir: string): Promise<Bundle> {
  const functionsDir = join(outDir, "dist/functions");
  rmSync(functionsDir, { recursive: true, force: true });
  mkdirSync(functionsDir, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, ENTRY)],
    outdir: functionsDir,
    entryNames: "[name]",
    chunkNames: "[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // jsonc-parser's "main" is a UMD build that esbuild cannot follow; its ES build can.
    mainFields: ["module", "main"],
    external: [...HOST_PROVIDED, ...OPTIONAL],
    banner: { js: BANNER },
    plugins: [leaveOut(), oneCopy()],
    define: {
      ...LEFT_OUT_DEFINES,
      // CommonJS packages read __dirname and __filename, which an ES module has not: the
      // Application Insights SDK looks for its applicationinsights.json by __dirname when its
      // TelemetryClient is made, and threw "__dirname is not defined" in the bundle (issue 31).
      // A file of its own now resolves from the bundle's folder (the SDK ignores a missing one).
      __dirname: "import.meta.dirname",
      __filename: "import.meta.filename",
    },
    // Identifiers are minified too (issue 31: the zip's bound is 600,000 bytes), with their names
    // kept: a function's or class's `.name` and stack traces read as in the source.
    minify: true,
    keepNames: true,
    legalComments: "eof",
    metafile: true,
    logLevel: "silent",
  });
  return describe(result.metafile, outDir);
}

function describe(metafile: Metafile, outDir: string): Bundle {
  const inPackage = (path: string) => relative(outDir, join(ROOT, path)).split("\\").join("/");
  const outputs = Object.entries(metafile.outputs)
    .filter(([path]) => path.endsWith(".js"))
    .map(([path, out]) => ({
      path: inPackage(path),
      bytes: out.bytes,
      inputs: Object.keys(out.inputs).sort(),
      staticImports: out.imports
        .filter((i) => i.kind === "import-statement" && !i.external)
        .map((i) => inPackage(i.path)),
      dynamicImports: out.imports
        .filter((i) => i.kind === "dynamic-import" && !i.external)
        .map((i) => inPackage(i.path)),
      external: [
        ...new Set(out.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path)),
      ],
    }));
  return { entry: ENTRY, outputs };
}

/** The outputs loaded with `from` (itself and everything it imports statically). */
export function loadedWith(bundle: Bundle, from = bundle.entry): BundleOutput[] {
  const byPath = new Map(bundle.outputs.map((o) => [o.path, o]));
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    queue.push(...(byPath.get(path)?.staticImports ?? []));
  }
  return bundle.outputs.filter((o) => seen.has(o.path));
}

/** The npm package a bundled input belongs to (`node_modules/@a/b/x.js` is `@a/b`), if any. */
export function packageOf(input: string): string | undefined {
  const parts = input.split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return undefined;
  const name = parts[at + 1] ?? "";
  return name.startsWith("@") ? `${name}/${parts[at + 2]}` : name;
}

/**
 * Every bundled input that only a dev dependency brings in, by package-lock.json: npm marks such
 * packages `"dev": true`. A package both sides need is a production package.
 */
export function devOnlyInputs(bundle: Bundle): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return bundle.outputs
    .flatMap((o) => o.inputs)
    .filter((input) => {
      const at = input.lastIndexOf("node_modules/");
      if (at < 0) return false;
      const name = packageOf(input)!;
      const key = `${input.slice(0, at)}node_modules/${name}`;
      return lock.packages[key]?.dev === true;
    });
}
