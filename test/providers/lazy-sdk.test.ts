// A lever's SDK loads only when the configuration names a lever of its kind (each provider's
// create imports it), and nothing of Azure but the Functions library loads with the Function
// App's entry point. Each case runs in a fresh process whose module resolutions are recorded by
// a resolve hook: ES modules have no cache a test can read.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, it } from "node:test";
import { ROOT } from "../helpers/paths.js";

const HOOK = `data:text/javascript,${encodeURIComponent(
  `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("resolved " + r.url + "\\n"); return r; }`,
)}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(
  `import { register } from "node:module"; register(${JSON.stringify(HOOK)});`,
)}`;

const dist = (path: string) => pathToFileURL(join(ROOT, "dist", path)).href;
const example = JSON.parse(
  readFileSync(join(ROOT, "examples/active-passive.tandem.config.json"), "utf8"),
) as {
  alerts?: unknown;
  groups: { traffic?: unknown; regions: { traffic?: unknown; cluster?: unknown }[] }[];
};
delete example.alerts; // its channels name secrets this process does not have

/** The npm packages a fresh process loaded while running `script` (an ES module body). */
function packagesLoaded(script: string): Set<string> {
  const result = spawnSync(
    process.execPath,
    ["--import", REGISTER, "--input-type=module", "-e", script],
    { cwd: ROOT, encoding: "utf8", env: { PATH: process.env["PATH"] ?? "" } },
  );
  const problems = result.stderr.split("\n").filter((l) => !l.startsWith("resolved "));
  assert.equal(result.status, 0, problems.join("\n"));
  assert.match(result.stdout, /done/);
  const names = result.stderr
    .split("\n")
    .flatMap((l) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l)?.[1] ?? []);
  return new Set(names);
}

/** Composes `config` as observer westeurope with a memory store and a stand-in identity. */
function composeScript(config: unknown): string {
  return `
    const { compose } = await import(${JSON.stringify(dist("src/compose.js"))});
    const { parseConfig } = await import(${JSON.stringify(dist("src/config/index.js"))});
    const { createMemoryStore } = await import(${JSON.stringify(dist("src/adapters/store/memory/memory-store.js"))});
    const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3600000 }) };
    const rt = await compose({
      config: parseConfig(${JSON.stringify(config)}),
      observer: "westeurope",
      store: createMemoryStore(),
      credential,
      arm: { endpoint: "https://127.0.0.1:9" },
    });
    console.log(rt.levers.router ? "done with a router" : "done");`;
}

const SDKS = ["@azure/arm-trafficmanager", "@azure/arm-cdn", "@azure/arm-containerservice"];

describe("lever SDKs load lazily", () => {
  it("composing Traffic Manager and AKS levers loads their SDKs and not Front Door's", () => {
    const loaded = packagesLoaded(composeScript(example));
    assert.ok(loaded.has("@azure/arm-trafficmanager"), [...loaded].join(", "));
    assert.ok(loaded.has("@azure/arm-containerservice"));
    assert.ok(!loaded.has("@azure/arm-cdn"), "Front Door's SDK was loaded");
  });

  it("composing a configuration with no levers loads no lever SDK and no identity", () => {
    const bare = structuredClone(example);
    for (const g of bare.groups) {
      delete g.traffic;
      for (const r of g.regions) {
        delete r.traffic;
        delete r.cluster;
      }
    }
    const loaded = packagesLoaded(composeScript(bare));
    for (const sdk of [...SDKS, "@azure/identity"]) assert.ok(!loaded.has(sdk), `${sdk} loaded`);
  });

  it("importing the Function App's entry point loads the Functions library and no Azure SDK", () => {
    const loaded = packagesLoaded(
      `await import(${JSON.stringify(dist("functions/index.js"))}); console.log("done");`,
    );
    const azure = [...loaded].filter((p) => p.startsWith("@azure/"));
    assert.deepEqual(azure, ["@azure/functions"]);
  });
});
