// Which files the Function App package holds: the compiled files the entry point reaches through
// its imports (static and `import("...")` with a literal), host.json, a production package.json,
// the lock file, the configuration and the CA files it names. Following the imports, rather than
// copying dist/, keeps tests, the sandbox, the CLI, benchmarks and the emulated services out by
// construction. The performance issue may replace this with a bundle; the manifest's checks stay.
import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { TandemConfig } from "../src/config/index.js";

export const ENTRY = "dist/functions/index.js";

/** Packages the Functions host provides to the worker: imported, never installed. */
const HOST_PROVIDED = new Set(["@azure/functions-core"]);

const IMPORTS = [
  /(?:^|[\s;}])(?:import|export)\s+(?:type\s+)?[^'"`;]*?\sfrom\s*["']([^"']+)["']/g,
  /(?:^|[\s;])import\s*["']([^"']+)["']/g,
  /\bimport\(\s*["']([^"']+)["']\s*\)/g,
];

export interface ImportGraph {
  /** Compiled files reached from the entry, relative to the root, with forward slashes. */
  readonly files: readonly string[];
  /** Package names imported by those files (not Node's own modules). */
  readonly packages: readonly string[];
  /** Relative imports that name no file. */
  readonly missing: readonly string[];
}

const posix = (path: string) => path.split(sep).join("/");
const packageName = (specifier: string) =>
  specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!;

/** Follows the imports from the entry point through the compiled files. */
export function importGraph(root: string, entry = ENTRY): ImportGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const missing: string[] = [];
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const key = posix(relative(root, file));
    if (files.has(key)) continue;
    if (!existsSync(file)) {
      missing.push(key);
      continue;
    }
    files.add(key);
    const text = readFileSync(file, "utf8");
    for (const pattern of IMPORTS)
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1]!;
        if (specifier.startsWith(".")) queue.push(resolve(dirname(file), specifier));
        else if (
          !specifier.startsWith("node:") &&
          !builtinModules.includes(specifier.split("/")[0]!)
        )
          packages.add(packageName(specifier));
      }
  }
  return { files: [...files].sort(), packages: [...packages].sort(), missing };
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly type?: string;
  readonly main?: string;
  readonly engines?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/** package.json as the package holds it: what Node and npm need to run, nothing to build. */
export function productionPackageJson(pkg: PackageJson) {
  return {
    name: pkg.name,
    version: pkg.version,
    private: true,
    type: pkg.type,
    main: pkg.main,
    engines: pkg.engines,
    dependencies: pkg.dependencies,
  };
}

/** One file of the package: where it comes from (absolute) and where it goes (in the package). */
export interface PackageFile {
  readonly from: string;
  readonly to: string;
}

export interface Manifest {
  readonly files: readonly PackageFile[];
  /** Production dependencies the compiled files import. */
  readonly packages: readonly string[];
  readonly problems: readonly string[];
}

/** The CA files the configuration names, relative to its folder. */
function caFiles(config: TandemConfig): string[] {
  const probes = config.groups.flatMap((g) => [
    ...(g.entryPoint ? [g.entryPoint] : []),
    ...g.regions.map((r) => r.probe),
  ]);
  return [...new Set(probes.flatMap((p) => (p.caFile ? [p.caFile] : [])))];
}

/** Everything the package holds, and every reason it would not run. */
export function packageManifest(root: string, configFile: string, config: TandemConfig): Manifest {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as PackageJson;
  const graph = importGraph(root, pkg.main ?? ENTRY);
  const problems = graph.missing.map((m) => `${m} is imported but does not exist (npm run build?)`);
  const dependencies = new Set(Object.keys(pkg.dependencies ?? {}));
  for (const name of graph.packages)
    if (!dependencies.has(name) && !HOST_PROVIDED.has(name))
      problems.push(
        `${name} is imported by the Function App but is ${pkg.devDependencies?.[name] ? "a dev dependency" : "not a dependency"}: make it a dependency, or stop importing it`,
      );
  const configDir = dirname(resolve(configFile));
  const files: PackageFile[] = [
    ...graph.files.map((f) => ({ from: join(root, f), to: f })),
    { from: join(root, "host.json"), to: "host.json" },
    { from: join(root, "package-lock.json"), to: "package-lock.json" },
    { from: resolve(configFile), to: "tandem.config.json" },
  ];
  for (const ca of caFiles(config)) {
    const from = resolve(configDir, ca);
    const to = posix(relative(configDir, from));
    if (to.startsWith("../") || to.startsWith("/"))
      problems.push(
        `caFile ${ca} is outside the configuration's folder: the package cannot hold it there`,
      );
    else if (!existsSync(from)) problems.push(`caFile ${ca} does not exist`);
    else files.push({ from, to });
  }
  return { files, packages: graph.packages, problems };
}
