// The deployable package: only production files (the compiled files the entry point imports, and
// what the host needs), no dev dependency, and an entry point that imports with nothing else.
// The test checks the manifest and imports the staged files; it does not run npm ci.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { inflateRawSync } from "node:zlib";
import { parseConfig } from "../../src/config/index.js";
import { ENTRY, packageManifest, productionPackageJson } from "../../scripts/package-files.js";
import { unzipNames, zip } from "../../scripts/zip.js";
import { ROOT } from "../helpers/paths.js";
import { read } from "./bicep-text.js";

const CONFIG = join(ROOT, "examples/active-passive.tandem.config.json");
const pkg = JSON.parse(read("package.json")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const manifest = packageManifest(
  ROOT,
  CONFIG,
  parseConfig(JSON.parse(read("examples/active-passive.tandem.config.json"))),
);
const targets = manifest.files.map((f) => f.to);

describe("the Function App package", () => {
  it("would run: nothing missing, every imported package a production dependency", () => {
    assert.deepEqual(manifest.problems, []);
    for (const name of manifest.packages) {
      assert.ok(!(name in pkg.devDependencies), `${name} is a dev dependency`);
      assert.ok(
        name in pkg.dependencies || name === "@azure/functions-core",
        `${name} is not a dependency`,
      );
    }
  });

  it("holds the entry point, the host's files and the configuration", () => {
    for (const f of [ENTRY, "host.json", "package-lock.json", "tandem.config.json"])
      assert.ok(targets.includes(f), `${f} is not in the package`);
    assert.ok(
      targets.some((f) => f.endsWith("providers/front-door/router.js")),
      "lazily loaded levers are in",
    );
  });

  it("holds no test, sandbox, CLI, benchmark, script, emulator or deployment tooling file, and no source", () => {
    for (const f of targets) {
      assert.ok(
        !/^dist\/(test|bench|scripts)\/|^dist\/src\/(sandbox|cli|deploy)\/|emulator\.js$|\.map$|\.ts$/.test(
          f,
        ),
        `${f} should not be in the package`,
      );
    }
  });

  it("its package.json has no dev dependencies and no scripts", () => {
    const prod = productionPackageJson(JSON.parse(read("package.json")));
    assert.ok(!("devDependencies" in prod) && !("scripts" in prod));
    assert.deepEqual(prod.dependencies, pkg.dependencies);
  });

  it("its entry point imports from the staged files alone (and every lever module with it)", async () => {
    const stage = await mkdtemp(join(tmpdir(), "tandem-package-"));
    for (const f of manifest.files) {
      mkdirSync(dirname(join(stage, f.to)), { recursive: true });
      cpSync(f.from, join(stage, f.to));
    }
    writeFileSync(
      join(stage, "package.json"),
      JSON.stringify(productionPackageJson(JSON.parse(read("package.json")))),
    );
    // The repository's node_modules stands in for `npm ci --omit=dev`: the manifest check above is
    // what keeps dev dependencies out; this proves no compiled file the app needs was left behind.
    symlinkSync(join(ROOT, "node_modules"), join(stage, "node_modules"), "dir");
    const lazy = targets.filter((f) => /providers\/[^/]+\/(router|clusters|witness)\.js$/.test(f));
    const script = `for (const f of ${JSON.stringify([ENTRY, ...lazy])}) await import("./" + f); console.log("imported")`;
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: stage,
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "" },
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /imported/);
  });

  it("takes the CA files the configuration names, and refuses one outside its folder", () => {
    const raw = JSON.parse(read("examples/active-passive.tandem.config.json"));
    raw.groups[0].regions[0].probe.caFile = "package.json";
    const inside = packageManifest(ROOT, join(ROOT, "tandem.config.json"), parseConfig(raw));
    assert.deepEqual(inside.problems, []);
    assert.ok(
      inside.files.some((f) => f.to === "package.json" && f.from === join(ROOT, "package.json")),
    );
    raw.groups[0].regions[0].probe.caFile = "../elsewhere/ca.pem";
    const outside = packageManifest(ROOT, CONFIG, parseConfig(raw));
    assert.match(outside.problems.join("\n"), /outside the configuration's folder/);
  });

  it("zips what it stages, readable back", () => {
    const entries = [
      { name: "host.json", data: Buffer.from(read("host.json")) },
      { name: "dist/a.js", data: Buffer.from("export const a = 1;\n".repeat(50)) },
    ];
    const archive = zip(entries);
    assert.deepEqual(unzipNames(archive), ["dist/a.js", "host.json"]);
    // The first local entry (sorted: dist/a.js) inflates back to its bytes.
    const nameLength = archive.readUInt16LE(26);
    const size = archive.readUInt32LE(18);
    const body = archive.subarray(30 + nameLength, 30 + nameLength + size);
    assert.equal(inflateRawSync(body).toString(), entries[1]!.data.toString());
  });
});
