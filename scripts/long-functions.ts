// `npm run lint`'s check that no function in src/ runs over MAX_LINES lines: a function a reader
// cannot hold at once is split into named steps that read in order (issue 28). A function's lines
// run from its first token to its last, its own comments included and the doc comment above it
// not; a nested function counts within the one that holds it, and on its own too.
//
// `node dist/scripts/long-functions.js [--list N] [--root DIR]`: fails when a function is over
// MAX_LINES that KNOWN does not name, or over its known length; `--list N` prints every function
// of N lines or more, longest first.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const MAX_LINES = 120;

/**
 * Functions over the limit in files that another change is rewriting as this check comes in, each
 * with its length then (it may shrink, never grow) and why it waits: split them with that change.
 * A key is "file: name".
 */
const KNOWN: Readonly<Record<string, { readonly lines: number; readonly why: string }>> = {};

export interface FunctionLength {
  /** The file, relative to the root, with forward slashes. */
  readonly file: string;
  /** Where the function starts (1-based). */
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

/** What a function is called where it is declared: its own name, or what it is assigned to. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))
    return parent.name.getText(sf);
  if (ts.isPropertyDeclaration(parent)) return parent.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  return "(anonymous)";
}

/** Every function in one file's text, with its length in lines. */
export function functionLengths(file: string, text: string): FunctionLength[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: FunctionLength[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const fn = node as ts.FunctionLikeDeclaration;
      const first = sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(fn.getEnd()).line;
      found.push({ file, line: first + 1, name: nameOf(fn, sf), lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every function under `root`/src, longest first. */
export function sourceFunctions(root: string): FunctionLength[] {
  return tsFiles(join(root, "src"))
    .flatMap((path) =>
      functionLengths(relative(root, path).split(sep).join("/"), readFileSync(path, "utf8")),
    )
    .sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file) || a.line - b.line);
}

/** The functions over the limit that fail the check: not known, or grown past their known length. */
export function tooLong(
  found: readonly FunctionLength[],
  known: Readonly<Record<string, { readonly lines: number }>> = KNOWN,
): FunctionLength[] {
  return found.filter(
    (f) => f.lines > Math.max(MAX_LINES, known[`${f.file}: ${f.name}`]?.lines ?? 0),
  );
}

// Run only as the command (the root defaults to this project's; tests call the functions).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const option = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? process.argv[at + 1] : undefined;
  };
  const root = resolve(option("--root") ?? fileURLToPath(new URL("../../", import.meta.url)));
  const found = sourceFunctions(root);
  const list = option("--list");
  if (list !== undefined) {
    for (const f of found.filter((f) => f.lines >= Number(list)))
      console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}`);
  } else {
    const failing = tooLong(found);
    for (const f of failing)
      console.error(
        `${f.file}:${f.line}: ${f.name} is ${f.lines} lines (at most ${MAX_LINES}): split it into named steps that read in order`,
      );
    const over = new Set(
      found.filter((f) => f.lines > MAX_LINES).map((f) => `${f.file}: ${f.name}`),
    );
    for (const k of Object.keys(KNOWN).filter((k) => !over.has(k)))
      console.error(
        `scripts/long-functions.ts KNOWN lists ${k}, no longer over ${MAX_LINES} lines: take it off`,
      );
    const waiting = Object.keys(KNOWN).length;
    console.error(
      `Functions over ${MAX_LINES} lines in src/: ${failing.length} failing${waiting ? `, ${waiting} known (scripts/long-functions.ts KNOWN, to split with the change that rewrites them)` : ""}`,
    );
    if (failing.length > 0) process.exitCode = 1;
  }
}
