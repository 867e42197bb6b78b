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
      /warning: alerts\.channels\[0\]\.webhookUrl: refers to app setting SLACK_WEBHOOK_URL, which is not set or is empty/,
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

  it("refuses misspelt regions with a suggestion, and warns about a single observer", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-cli-"));
    const group = (regions: string[]) => ({
      name: "shop",
      model: "active-active",
      regions: regions.map((name) => ({
        name,
        role: "active",
        probe: { url: `https://${name}.example.com/` },
      })),
    });
    const misspelt = join(dir, "misspelt.json");
    await writeFile(
      misspelt,
      JSON.stringify({
        observers: [{ region: "northeurop" }, { region: "swedencentral" }],
        stateStore: { connection: "env:TANDEM_STORAGE" },
        groups: [group(["westeurope", "northeuropee"])],
      }),
    );
    const refused = tandem(["validate-config", misspelt]);
    assert.equal(refused.status, 2);
    assert.match(
      refused.stderr,
      /observers\[0\]\.region: "northeurop" is not an Azure region; did you mean "northeurope"\?/,
    );
    assert.match(
      refused.stderr,
      /groups\[0\]\.regions\[1\]\.name: "northeuropee" is not an Azure region; did you mean "northeurope"\?/,
    );
    const single = join(dir, "single.json");
    await writeFile(
      single,
      JSON.stringify({
        observers: [{ region: "swedencentral" }],
        stateStore: { connection: "env:TANDEM_STORAGE" },
        groups: [group(["westeurope", "northeurope"])],
      }),
    );
    const warned = tandem(["validate-config", single], { TANDEM_STORAGE: "x" });
    assert.equal(warned.status, 0, warned.stderr);
    assert.match(
      warned.stdout,
      /warning: observers: lists one observer, and agreement needs two outside a region/,
    );
  });

  it("refuses an unknown command with exit code 2", () => {
    const result = tandem(["frobnicate"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });
});
