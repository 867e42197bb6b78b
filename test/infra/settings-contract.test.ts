// The settings contract: every app setting the code reads is set by the template, and every
// setting the template sets is read by the code (or by the Functions host or the Azure SDK for
// it), with src/settings.ts as the one list both are held to.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { deploymentParameters } from "../../src/deploy/parameters.js";
import type { AppSetting } from "../../src/settings.js";
import { APP_SETTINGS, SETTINGS } from "../../src/settings.js";
import { ROOT } from "../helpers/paths.js";
import { bicepFiles, code, objectKeys, read } from "./bicep-text.js";

const OBSERVER = "infra/modules/observer.bicep";
const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The production sources: what runs in a Function App (not the sandbox, the CLI, or deploy tooling). */
function productionSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory())
      return ["src/sandbox", "src/cli", "src/deploy"].includes(path) ? [] : productionSources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith("emulator.ts") ? [path] : [];
  });
}
/** Source text without comments: a comment that names a setting does not read it. */
const withoutComments = (text: string) =>
  text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
const sources = [...productionSources("src"), ...productionSources("functions")].map((path) => ({
  path,
  text: withoutComments(readFileSync(join(ROOT, path), "utf8")),
}));

describe("settings contract between src/settings.ts and the Bicep", () => {
  const templateSets = objectKeys(code(OBSERVER), "appSettings");

  it("the template sets exactly the settings the list says it sets", () => {
    assert.deepEqual(
      sorted(templateSets),
      sorted(APP_SETTINGS.filter((s) => s.setBy === "template").map((s) => s.name)),
      `${OBSERVER} "var appSettings" and src/settings.ts differ`,
    );
  });

  it("the template leaves the settings the platform sets to the platform", () => {
    const listed: readonly AppSetting[] = APP_SETTINGS;
    for (const s of listed.filter((x) => x.setBy === "platform"))
      for (const file of bicepFiles())
        assert.ok(!code(file).includes(s.name), `${file} sets ${s.name}, which the platform sets`);
  });

  it("app settings are written in one place: the appsettings config, with the secrets", () => {
    const all = bicepFiles().map((f) => ({ f, text: code(f) }));
    const writers = all.filter(({ text }) => /name:\s*'appsettings'/.test(text));
    assert.deepEqual(
      writers.map((w) => w.f),
      [OBSERVER],
    );
    assert.match(code(OBSERVER), /properties:\s*union\(appSettings,\s*secretSettings\)/);
    for (const { f, text } of all)
      assert.ok(!/\bappSettings\s*:\s*\[/.test(text), `${f} sets siteConfig.appSettings too`);
  });

  it("Tandem's code reads app settings only through SETTINGS, and each one is listed", () => {
    const listed = new Set<string>(APP_SETTINGS.map((s) => s.name));
    const literal =
      /(?:process\.env|\benv)(?:\.([A-Za-z_]\w*)|\[\s*["'`]([A-Za-z_]\w*)["'`]\s*\])|["'`]%([A-Za-z_]\w*)%["'`]/g;
    for (const { path, text } of sources)
      for (const m of text.matchAll(literal)) {
        const name = m[1] ?? m[2] ?? m[3]!;
        assert.ok(
          listed.has(name),
          `${path} reads app setting ${name}, which src/settings.ts does not list`,
        );
      }
    for (const key of Object.keys(SETTINGS))
      assert.ok(
        sources.some(({ text }) => text.includes(`SETTINGS.${key}`)),
        `SETTINGS.${key} is listed but no production code reads it`,
      );
  });

  it("every setting the list says Tandem reads, Tandem reads", () => {
    const read = new Set<string>(Object.values(SETTINGS));
    for (const s of APP_SETTINGS.filter((x) => x.readBy === "tandem"))
      assert.ok(read.has(s.name), `${s.name} is marked as read by Tandem but is not in SETTINGS`);
  });

  it("the secrets the configuration names become Key Vault references of the same settings", () => {
    const config = parseConfig(
      JSON.parse(read("examples/active-passive.tandem.config.json")) as unknown,
    );
    const { secrets } = deploymentParameters(config);
    assert.deepEqual(
      secrets.map((s) => s.setting),
      ["TEAMS_WEBHOOK_URL", "PAGERDUTY_ROUTING_KEY"],
    );
    assert.match(
      code(OBSERVER),
      /toObject\(\s*secrets,\s*s => s\.setting,\s*s => '@Microsoft\.KeyVault\(VaultName=\$\{vaultName\};SecretName=\$\{s\.secretName\}\)'/,
    );
  });

  it("the README's table of app settings names every one of them", () => {
    const readme = read("README.md");
    for (const s of APP_SETTINGS)
      assert.ok(
        readme.includes(`| \`${s.name}\``),
        `README.md's app settings table lacks ${s.name}`,
      );
  });
});
