// `npm run lint`'s check for exports nothing uses: an export is a promise to other modules, and one
// that no other module takes is dead weight every reader has to weigh (ADR 22). Built on the
// TypeScript compiler's own symbol resolution, so re-exports, `export *` barrels, type-only
// imports and `await import(...)` destructuring all resolve to the declaration they name.
//
// An export counts as used when a file other than its own names it, with two exceptions:
// - entry points (ENTRY) are used by their host (the Functions runtime, node, the test runner);
//   a module named by `new URL("./x.js", import.meta.url)` is loaded by its URL and is one too;
// - test code (test/**) is a use only of test code: an export of src/, functions/, bench/ or
//   scripts/ that only tests import is reported, so nothing is kept alive for tests alone unless
//   it is listed in TEST_SURFACE with the reason.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** Files whose exports their host uses: their exports are never reported. */
const ENTRY: readonly RegExp[] = [
  /^functions\/index\.ts$/,
  /^src\/cli\/main\.ts$/,
  /^src\/sandbox\/main\.ts$/,
  /^bench\/run\.ts$/,
  /^scripts\/[^/]+\.ts$/,
  /^test\/.*\.test\.ts$/,
  /^test\/sim\/cli\.ts$/,
];

/**
 * Exports of production code that tests use on purpose, though no production module does, each
 * with why (a file's path, then the export's name; "*" for all of the file's exports).
 */
const TEST_SURFACE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "src/core/runbook-data-steps.ts": {
    DATA_ASKS_MAX:
      "the data step's tests ask a store up to the limit and past it, whatever the limit is",
  },
  "src/providers/registry.ts": {
    withProviders: "how a test adds a lever kind from outside the tree, as an extension would",
  },
  "src/probes/registry.ts": {
    withProbeKinds: "how a test adds a probe kind from outside the tree, as an extension would",
  },
  "src/channels/registry.ts": {
    withChannels:
      "how a test adds an alert channel kind from outside the tree, as an extension would",
  },
  "src/app/telemetry/availability-windows.ts": {
    sentAlone:
      "the tests check which probe events go out on their own against the rule itself, one case at a time",
  },
  "bench/cost-inputs.ts": {
    TELEMETRY_MEASURED:
      "the cost test checks the model's bytes per record against the telemetry benchmark's measured figure",
  },
  "src/app/readiness.ts": {
    readinessSettled:
      "the tests wait for the readiness run beside the tick before they read what it wrote, as with the audit prune",
  },
  "src/adapters/data/memory.ts": {
    MemoryDataControl:
      "the data lever in memory, which the core's tests and the simulator drive (issue 30); the composition root is to build it for the sandbox",
  },
  "src/adapters/data/by-store.ts": {
    dataByStore:
      "one data lever over every kind's, which the composition root is to build (issue 30); its test drives it over two memory levers",
  },
  "src/core/runbook-retry.ts": {
    RETRY_BASE_MS: "the tests check the backoff's first step against the constant, not a copy",
    RETRY_MAX_MS: "the tests and the simulator's ARM model check the backoff's cap against it",
  },
};

export interface UnusedExport {
  /** The file, relative to the project's root, with forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly name: string;
  /** Set when tests import it, but no production module does. */
  readonly testsOnly: boolean;
}

export interface CheckOptions {
  readonly root: string;
  readonly tsconfig?: string;
  readonly entry?: readonly RegExp[];
  readonly testSurface?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

const isTest = (file: string) => file.startsWith("test/");

export function unusedExports(options: CheckOptions): UnusedExport[] {
  const { root } = options;
  const entry = options.entry ?? ENTRY;
  const surface = options.testSurface ?? TEST_SURFACE;
  const configPath = join(root, options.tsconfig ?? "tsconfig.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  const program = ts.createProgram({
    rootNames: parsed.fileNames,
    options: { ...parsed.options, noEmit: true, incremental: false },
  });
  const checker = program.getTypeChecker();
  const name = (sf: ts.SourceFile) => relative(root, sf.fileName).split(sep).join("/");
  const ours = program
    .getSourceFiles()
    .filter(
      (sf) =>
        !sf.isDeclarationFile &&
        !relative(root, sf.fileName).startsWith("..") &&
        !name(sf).split("/").includes("node_modules"),
    );

  // The compiler gives no immediate target for some aliases (a default import of a CommonJS
  // module, `export =`): those are never our own declarations, so the chain ends there.
  const immediateTarget = (s: ts.Symbol): ts.Symbol | undefined => {
    try {
      return checker.getImmediateAliasedSymbol(s);
    } catch {
      return undefined;
    }
  };
  // Who names each symbol: the files (other than the declaring one) that reach it, by alias too.
  const users = new Map<ts.Symbol, Set<string>>();
  const use = (symbol: ts.Symbol | undefined, from: string) => {
    for (let s = symbol, hops = 0; s && hops < 20; hops++) {
      let set = users.get(s);
      if (!set) users.set(s, (set = new Set()));
      set.add(from);
      if (!(s.flags & ts.SymbolFlags.Alias)) break;
      const next = immediateTarget(s);
      if (next === s) break;
      s = next;
    }
  };
  const loadedByUrl = new Set<string>();
  for (const sf of ours) {
    const from = name(sf);
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) use(checker.getSymbolAtLocation(node), from);
      // `const { a, b: c } = await import("./m.js")`: the names are properties of the module.
      if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const key = node.propertyName ?? node.name;
        if (ts.isIdentifier(key))
          use(checker.getTypeAtLocation(node.parent).getProperty(key.text), from);
      }
      // `new URL("./emulator.js", import.meta.url)`: a module loaded by its URL.
      if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === "URL" &&
        node.arguments?.length === 2 &&
        ts.isStringLiteral(node.arguments[0]!) &&
        node.arguments[1]!.getText(sf) === "import.meta.url"
      ) {
        const target = resolve(dirname(sf.fileName), node.arguments[0].text);
        loadedByUrl.add(relative(root, target.replace(/\.js$/, ".ts")).split(sep).join("/"));
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }

  const found: UnusedExport[] = [];
  for (const sf of ours) {
    const file = name(sf);
    if (entry.some((e) => e.test(file)) || loadedByUrl.has(file)) continue;
    const moduleSymbol = checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) continue;
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      // Only what this file declares or re-exports by name (`export *` adds no name of its own).
      const declaration = symbol.declarations?.find((d) => d.getSourceFile() === sf);
      if (!declaration) continue;
      const others = [...(users.get(symbol) ?? [])].filter((f) => f !== file);
      const production = others.filter((f) => !isTest(f));
      if (production.length > 0 || (isTest(file) && others.length > 0)) continue;
      const exported = symbol.name === "default" ? "default" : symbol.name;
      if (others.length > 0 && (surface[file]?.[exported] ?? surface[file]?.["*"])) continue;
      const { line } = sf.getLineAndCharacterOfPosition(declaration.getStart(sf));
      found.push({ file, line: line + 1, name: exported, testsOnly: others.length > 0 });
    }
  }
  return found.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

/** Where the exports found unused when the check came in are listed, to be removed over time. */
const KNOWN = "scripts/unused-exports.known.json";

/**
 * Compares what the check finds with the known list: what is new fails the lint; what is known
 * is counted; what the list names that is no longer unused is said, so the list can shrink.
 */
export function againstKnown(
  found: readonly UnusedExport[],
  known: Readonly<Record<string, readonly string[]>>,
): { fresh: UnusedExport[]; known: number; gone: string[] } {
  const isKnown = (u: UnusedExport) => known[u.file]?.includes(u.name) === true;
  const still = new Set(found.filter(isKnown).map((u) => `${u.file}: ${u.name}`));
  const gone = Object.entries(known)
    .flatMap(([file, names]) => names.map((n) => `${file}: ${n}`))
    .filter((k) => !still.has(k));
  return { fresh: found.filter((u) => !isKnown(u)), known: still.size, gone };
}

// Run only as the command: `node dist/scripts/unused-exports.js [--write-known] [--root DIR]`
// (the root defaults to this project's; the tests point it at a project of their own).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--root");
  const root =
    at > 0 && process.argv[at + 1]
      ? resolve(process.argv[at + 1]!)
      : fileURLToPath(new URL("../../", import.meta.url));
  const found = unusedExports({ root });
  const knownPath = join(root, KNOWN);
  if (process.argv.includes("--write-known")) {
    const list: Record<string, string[]> = {};
    for (const u of found) (list[u.file] ??= []).push(u.name);
    writeFileSync(knownPath, `${JSON.stringify(list, null, 2)}\n`);
    console.log(`${found.length} unused export(s) written to ${KNOWN}`);
  } else {
    const known = existsSync(knownPath)
      ? (JSON.parse(readFileSync(knownPath, "utf8")) as Record<string, string[]>)
      : {};
    const result = againstKnown(found, known);
    for (const u of result.fresh)
      console.error(
        `${u.file}:${u.line}: "${u.name}" is exported, but ${u.testsOnly ? "only tests use it: use it in production, stop exporting it, or list it in TEST_SURFACE (scripts/unused-exports.ts) with why" : "no other module uses it: stop exporting it, or remove it"}`,
      );
    for (const g of result.gone)
      console.error(`${KNOWN} lists ${g}, which is no longer an unused export: take it off`);
    console.error(
      `Unused exports: ${result.fresh.length} new, ${result.known} known (${KNOWN}, to remove over time; ADR 22)`,
    );
    if (result.fresh.length > 0) process.exitCode = 1;
  }
}
