import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { it } from "node:test";
import { generatedFiles } from "../../scripts/gen.js";
import { jsonSchema } from "../../src/config/index.js";
import { ROOT } from "../helpers/paths.js";

for (const [file, expected] of Object.entries(generatedFiles())) {
  it(`${file} is generated from the schema and up to date (npm run gen)`, async () => {
    const committed = await readFile(join(ROOT, file), "utf8");
    assert.ok(
      committed === expected,
      `${file} differs from what src/config/schema.ts generates: run "npm run gen"`,
    );
  });
}

function keysOf(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node !== "object" || node === null) return out;
  const { properties } = node as { properties?: Record<string, unknown> };
  for (const [key, child] of Object.entries(properties ?? {})) {
    out.add(key);
    keysOf(child, out);
  }
  for (const value of Object.values(node)) if (typeof value === "object") keysOf(value, out);
  return out;
}

it("the configuration reference documents every key of the schema", () => {
  const reference = generatedFiles()["docs/configuration.md"]!;
  const keys = keysOf(jsonSchema());
  assert.ok(keys.size > 30, `expected the schema to declare many keys, found ${keys.size}`);
  for (const key of keys)
    assert.ok(reference.includes(`| \`${key}\` |`), `docs/configuration.md has no row for ${key}`);
});
