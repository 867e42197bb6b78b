// The unused-export check of `npm run lint` (scripts/unused-exports.ts), on a small project of its
// own: what it reports, what it takes as a use, and that a new unused export fails the command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { UnusedExport } from "../../scripts/unused-exports.js";
import { againstKnown, unusedExports } from "../../scripts/unused-exports.js";
import { ROOT } from "../helpers/paths.js";

const FILES: Record<string, string> = {
  "package.json": JSON.stringify({ type: "module" }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      types: [],
      lib: ["ES2022"],
    },
    include: ["src", "test"],
  }),
  "src/lib.ts": [
    "export const used = 1;",
    "export const unused = 2;",
    "export interface UnusedShape { readonly a: number }",
    "export const forTests = 3;",
    "export const lazy = 4;",
    "export const viaBarrel = 5;",
    "export const inOwnFileOnly = 6;",
    "export const twice = inOwnFileOnly * 2;",
  ].join("\n"),
  "src/barrel.ts": 'export * from "./lib.js";\nexport { used as renamed } from "./lib.js";\n',
  "src/loaded.ts": "export default function create() { return 1; }\n",
  "src/main.ts": [
    'import { used, twice } from "./lib.js";',
    'import { viaBarrel } from "./barrel.js";',
    "export async function main() {",
    '  const { lazy } = await import("./lib.js");',
    '  const url = new URL("./loaded.js", import.meta.url);',
    "  return [used, twice, viaBarrel, lazy, url];",
    "}",
  ].join("\n"),
  "test/lib.test.ts": 'import { forTests } from "../src/lib.js";\nexport const t = forTests;\n',
  "test/helper.ts": "export const helped = 1;\nexport const neverUsed = 2;\n",
  "test/other.test.ts": 'import { helped } from "./helper.js";\nvoid helped;\n',
};

const ENTRY = [/^src\/main\.ts$/, /\.test\.ts$/];

describe("the unused-export check", () => {
  let dir = "";
  let found: UnusedExport[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "unused-exports-"));
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    found = unusedExports({ root: dir, entry: ENTRY });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("reports exports no other module uses, and those only tests use; uses through barrels, import() and URLs count", () => {
    assert.deepEqual(
      found.map((u) => [u.file, u.name, u.testsOnly]),
      [
        ["src/barrel.ts", "renamed", false],
        ["src/lib.ts", "unused", false],
        ["src/lib.ts", "UnusedShape", false],
        ["src/lib.ts", "forTests", true],
        ["src/lib.ts", "inOwnFileOnly", false],
        ["test/helper.ts", "neverUsed", false],
      ],
    );
  });

  it("keeps an export that only tests use when TEST_SURFACE lists it", () => {
    const surfaced = unusedExports({
      root: dir,
      entry: ENTRY,
      testSurface: { "src/lib.ts": { forTests: "the test checks against it" } },
    });
    assert.ok(!surfaced.some((u) => u.name === "forTests"));
    assert.ok(
      surfaced.some((u) => u.name === "unused"),
      "an unused one is still reported",
    );
  });

  it("fails only on what the known list does not name, and says which known ones are gone", () => {
    const result = againstKnown(found, {
      "src/lib.ts": ["unused", "UnusedShape", "forTests", "inOwnFileOnly", "used"],
      "src/barrel.ts": ["renamed"],
    });
    assert.deepEqual(
      result.fresh.map((u) => u.name),
      ["neverUsed"],
    );
    assert.equal(result.known, 5);
    assert.deepEqual(result.gone, ["src/lib.ts: used"]);
  });

  it("fails the command on a new unused export, naming the file, line and export", () => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "dist/scripts/unused-exports.js"), "--root", dir],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /^src\/lib\.ts:2: "unused" is exported, but no other module uses it/m);
    assert.match(run.stderr, /^Unused exports: [1-9]\d* new, 0 known/m);
  });

  it("runs in npm run lint", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts["lint"] ?? "", /node dist\/scripts\/unused-exports\.js/);
  });
});
