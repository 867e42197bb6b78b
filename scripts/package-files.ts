// Which files the Function App package holds besides the bundle (scripts/bundle.ts): host.json, a
// production package.json, the configuration and the CA files it names; and every reason the
// package would not run. The bundle holds the code and its production dependencies, so the
// package has no node_modules and no lock file.
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { TandemConfig } from "../src/config/index.js";
import { kindOfUrl, PROBE_KINDS } from "../src/probes/registry.js";
import type { Bundle } from "./bundle.js";
import { ENTRY, HOST_PROVIDED, OPTIONAL, devOnlyInputs, packageOf } from "./bundle.js";
import { NEVER_BUNDLED } from "./bundle-left-out.js";

export { ENTRY };

const posix = (path: string) => path.split(sep).join("/");

/** Compiled files that must never be in the package: tests, tooling, the sandbox, emulators. */
const NOT_FOR_AZURE =
  /^dist\/(test|bench|scripts)\/|^dist\/src\/(sandbox|cli|deploy)\/|emulator\.js$|^(test|bench|scripts|src)\//;

/** Every reason the bundle would not run in Azure or holds what it should not. */
export function bundleProblems(bundle: Bundle): string[] {
  const problems: string[] = [];
  const inputs = [...new Set(bundle.outputs.flatMap((o) => o.inputs))];
  for (const input of inputs.filter((i) => !i.includes("node_modules/")))
    if (NOT_FOR_AZURE.test(input))
      problems.push(`${input} is bundled: the Function App imports it`);
  const bundledPackages = new Set(inputs.flatMap((i) => packageOf(i) ?? []));
  for (const name of [...bundledPackages].filter((n) => NEVER_BUNDLED.test(n)))
    problems.push(
      `${name} is bundled: Tandem never uses it (scripts/bundle-left-out.ts names what to leave out)`,
    );
  for (const input of devOnlyInputs(bundle))
    problems.push(`${input} is bundled, and only dev dependencies need its package`);
  const allowed = new Set<string>([...HOST_PROVIDED, ...OPTIONAL]);
  for (const name of new Set(bundle.outputs.flatMap((o) => o.external)))
    if (!allowed.has(name)) problems.push(`${name} is imported but not bundled`);
  if (!bundle.outputs.some((o) => o.path === ENTRY)) problems.push(`${ENTRY} is not in the bundle`);
  return problems;
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

/**
 * package.json as the package holds it: what Node and the Functions host read (the module type,
 * the entry point, the version Tandem reports). No dependencies: the bundle holds them, and
 * nothing is installed.
 */
export function productionPackageJson(pkg: PackageJson) {
  return {
    name: pkg.name,
    version: pkg.version,
    private: true,
    type: pkg.type,
    main: pkg.main,
    engines: pkg.engines,
  };
}

/** One file of the package: where it comes from (absolute) and where it goes (in the package). */
export interface PackageFile {
  readonly from: string;
  readonly to: string;
}

export interface Manifest {
  readonly files: readonly PackageFile[];
  readonly problems: readonly string[];
}

/** The files the configuration's probes name (CA files), relative to its folder. */
function caFiles(config: TandemConfig): string[] {
  const probes = config.groups.flatMap((g) => [
    ...(g.entryPoint ? [g.entryPoint] : []),
    ...g.regions.map((r) => r.probe),
  ]);
  return [...new Set(probes.flatMap((p) => kindOfUrl(PROBE_KINDS, p.url)?.files?.(p) ?? []))];
}

/** Everything the package holds besides the bundle, and every reason it would not run. */
export function packageManifest(root: string, configFile: string, config: TandemConfig): Manifest {
  const problems: string[] = [];
  const configDir = dirname(resolve(configFile));
  const files: PackageFile[] = [
    { from: join(root, "host.json"), to: "host.json" },
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
  return { files, problems };
}
