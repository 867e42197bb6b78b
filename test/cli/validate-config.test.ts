import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";

const CLI = join(ROOT, "dist/src/cli/main.js");
const tandem = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", ...env },
  });

describe("tandem validate-config", () => {
  it("accepts a valid file, exits 0, and warns about app settings not set here", () => {
    const result = tandem([
      "validate-config",
      join(ROOT, "examples/passive-cold.tandem.config.json"),
    ]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /is valid: 3 observer\(s\); groups catalog \(passive-cold, 2 regions\), search \(active-active, 2 regions\)\./,
    );
    assert.match(
      result.stdout,
      /warning: alerts\[0\]\.webhookUrl: refers to app setting SLACK_WEBHOOK_URL, which is not set or is empty/,
    );
  });

  it("lists every problem of an invalid file and exits 2", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-cli-"));
    const file = join(dir, "bad.json");
    await writeFile(
      file,
      JSON.stringify({ observers: [], stateStore: { table: "t" }, groups: [] }),
    );
    const result = tandem(["validate-config", file]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /bad\.json has 4 problems:/);
    assert.match(result.stderr, /\n {2}observers: must list at least one observer/);
    assert.match(result.stderr, /\n {2}groups: must list at least one failover group/);
  });

  it("refuses an unknown command with exit code 2", () => {
    const result = tandem(["frobnicate"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });
});
