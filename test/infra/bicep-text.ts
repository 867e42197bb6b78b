// Reading the Bicep templates as text, for the contract tests: no Bicep compiler runs here, so
// the tests hold the templates to what the code says by what the files say.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { ROOT } from "../helpers/paths.js";

export const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

/** Every file under `dir` whose name ends with `ending`, relative to the repository root. */
function filesEnding(ending: string, dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? filesEnding(ending, join(dir, e.name))
        : e.name.endsWith(ending)
          ? [relative(ROOT, join(dir, e.name))]
          : [],
    )
    .sort();
}

/** Every .bicep file under infra/, relative to the repository root. */
export const bicepFiles = () => filesEnding(".bicep", join(ROOT, "infra"));

/** Every ARM JSON template a Bicep file uses as a module (infra/modules/). */
export const armTemplates = () => filesEnding(".json", join(ROOT, "infra", "modules"));

interface ArmTemplate {
  readonly resources: readonly { readonly type: string; readonly apiVersion: string }[];
}

/** The resources of an ARM JSON template. */
export const templateResources = (path: string) =>
  (JSON.parse(read(path)) as ArmTemplate).resources;

/** The text of a Bicep file without its comments (so a comment cannot satisfy a check). */
export function code(path: string): string {
  return read(path)
    .split("\n")
    .map((line) => line.replace(/\/\/.*$/, ""))
    .join("\n");
}

/** The keys of the object literal assigned to `var NAME = {` (one key per line, Bicep style). */
export function objectKeys(text: string, variable: string): string[] {
  const start = text.indexOf(`var ${variable} = {`);
  if (start < 0) throw new Error(`no "var ${variable} = {" in the template`);
  const body = text.slice(start).split("\n").slice(1);
  const keys: string[] = [];
  for (const line of body) {
    if (/^\}/.test(line)) return keys;
    const m = /^ {2}([A-Za-z_][A-Za-z0-9_]*|'[^']+')\s*:/.exec(line);
    if (m) keys.push(m[1]!.replace(/'/g, ""));
  }
  throw new Error(`"var ${variable}" is not closed`);
}

/** Every `'Namespace/type@version'` a template names. */
export function resourceTypes(text: string): { type: string; apiVersion: string }[] {
  return [
    ...text.matchAll(/'(Microsoft\.[A-Za-z]+(?:\/[A-Za-z]+)+)@(\d{4}-\d{2}-\d{2}(?:-preview)?)'/g),
  ].map((m) => ({ type: m[1]!, apiVersion: m[2]! }));
}
