// The `tandem` command runs from the built output as it is: `npm ci` builds once (`prepare`),
// nothing rebuilds before a command, and help loads none of the configuration or deployment code.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

/** Runs the bin package.json names, from the root, with nothing in its environment but PATH. */
const tandem = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, pkg.bin["tandem"]!), ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "" },
  });

describe("the tandem command, built once", () => {
  it("answers --help from the bin in package.json, with no build step", () => {
    const result = tandem("--help");
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Usage: tandem <command>/);
    assert.match(result.stdout, /deploy parameters \[FILE\]/);
  });

  it("`tandem deploy` without a subcommand lists the deploy commands (exit 2)", () => {
    const result = tandem("deploy");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /^deploy needs a subcommand; the deploy commands:/);
    for (const sub of ["parameters", "app-roles", "order", "wait-live"])
      assert.match(result.stderr, new RegExp(`deploy ${sub}`));
  });

  it("`npm run sim -- --help` prints its options; an unknown option is a usage error, not a stack trace", () => {
    const sim = join(ROOT, "dist/test/sim/cli.js");
    const help = spawnSync(process.execPath, [sim, "--help"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^npm run sim -- \[--runs N\]/);
    assert.match(help.stdout, /--arm A +how Azure Resource Manager answers: off, latency, slow/);
    const bad = spawnSync(process.execPath, [sim, "--bogus"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^Unknown option '--bogus'/);
    assert.doesNotMatch(bad.stderr, /\n +at /, "no stack trace");
  });

  it("loads neither the configuration schema nor the deployment code for --help", () => {
    // Which of Tandem's modules an ES module import loaded is not listed anywhere; the packages
    // they import are (CommonJS ones in require.cache, zod's ESM build is not). So the check runs
    // the command in-process and asks the module graph through a resolve hook.
    const hook = `data:text/javascript,${encodeURIComponent(
      `export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) process.stderr.write("loaded " + r.url + "\\n"); return r; }`,
    )}`;
    const register = `import { register } from "node:module"; register(${JSON.stringify(hook)});`;
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        join(ROOT, pkg.bin["tandem"]!),
        "--help",
      ],
      { cwd: ROOT, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } },
    );
    assert.equal(result.status, 0, result.stderr);
    const loaded = result.stderr.split("\n").filter((l) => l.startsWith("loaded "));
    assert.ok(
      loaded.some((l) => l.includes("/dist/src/cli/main.js")),
      "the hook saw the CLI",
    );
    for (const l of loaded)
      assert.doesNotMatch(l, /\/node_modules\/zod\/|\/dist\/src\/(config|deploy)\//, l);
  });

  it("is built by npm ci (prepare) and never rebuilt before a command", () => {
    assert.match(pkg.scripts["prepare"] ?? "", /npm run build/);
    assert.equal(pkg.scripts["pretandem"], undefined);
    assert.doesNotMatch(pkg.scripts["build"] ?? "", /rmSync/, "the build is incremental");
  });
});
