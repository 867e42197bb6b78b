// The `tandem` command as a person installs it: from the tarball `npm pack` makes. This checks
// the tarball holds what the command needs and that it runs from there; scripts/install-check.sh
// goes the whole way (`npm install -g` of the tarball into a temporary prefix, dependencies and
// all), which takes longer than a test may.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";

describe("the packed tarball", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tandem-pack-"));
  after(() => rm(dir, { recursive: true, force: true }));
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const [packed] = JSON.parse(pack.stdout || "[{}]") as {
    filename?: string;
    files?: { path: string }[];
  }[];
  const files = new Set(packed?.files?.map((f) => f.path));

  it("holds the command, its license, changelog and docs, and no tests or source maps", async () => {
    assert.equal(pack.status, 0, pack.stderr);
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      bin: { tandem: string };
    };
    assert.equal(pkg.bin.tandem, "dist/src/cli/main.js");
    for (const f of [
      pkg.bin.tandem,
      "dist/src/version.js",
      "package.json",
      "LICENSE",
      "CHANGELOG.md",
      "README.md",
      "tandem.schema.json",
    ])
      assert.ok(files.has(f), `${f} is in the tarball`);
    for (const f of files) assert.doesNotMatch(f, /^dist\/(test|bench|scripts)\/|\.map$/);
  });

  it("runs `tandem --version` and `tandem help` from the unpacked tarball", async () => {
    const tar = spawnSync("tar", ["-xzf", join(dir, packed!.filename!), "-C", dir], {
      encoding: "utf8",
    });
    assert.equal(tar.status, 0, tar.stderr);
    const { version } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    const cli = join(dir, "package/dist/src/cli/main.js");
    const run = (args: string[]) =>
      spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
    const v = run(["--version"]);
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), `tandem ${version}`);
    const help = run(["help"]);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^Usage: tandem <command>/);
  });
});
