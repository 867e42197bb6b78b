import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { compose, composeFromEnvironment } from "../src/compose.js";
import { MemoryStateStore } from "../src/adapters/store/memory/memory-store.js";
import type { ConfigError } from "../src/config/index.js";
import { parseConfig } from "../src/config/index.js";
import type { Azurite } from "../src/sandbox/azurite.js";
import { startAzurite } from "../src/sandbox/azurite.js";
import { twoRegionConfig } from "./helpers/runtime.js";

const raw = () => ({
  ...twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
  stateStore: { connection: "env:TANDEM_STORAGE" },
  alerts: { channels: [{ kind: "teams" as const, name: "ops", webhookUrl: "env:TEAMS_URL" }] },
});

describe("composition root", () => {
  let azurite: Azurite;
  before(async () => (azurite = await startAzurite(0)));
  after(async () => azurite.stop());

  it("refuses an observer the configuration does not list, and every missing setting, at once", async () => {
    await assert.rejects(
      compose({ config: parseConfig(raw()), observer: "eastus", env: {} }),
      (error: ConfigError) => {
        assert.deepEqual(error.problems, [
          {
            path: "observers",
            message:
              'this process runs as observer "eastus", which is not listed (listed: westeurope, northeurope)',
          },
          {
            path: "stateStore.connection",
            message: "refers to app setting TANDEM_STORAGE, which is not set or is empty",
          },
          {
            path: "alerts.channels[0].webhookUrl",
            message: "refers to app setting TEAMS_URL, which is not set or is empty",
          },
        ]);
        return true;
      },
    );
  });

  it("builds a Function App's runtime from its app settings and creates the table", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-compose-"));
    const file = join(dir, "tandem.config.json");
    await writeFile(file, JSON.stringify(raw()));
    const rt = await composeFromEnvironment({
      TANDEM_CONFIG_PATH: file,
      TANDEM_OBSERVER_REGION: "northeurope",
      TANDEM_STORAGE: azurite.connectionString,
      TEAMS_URL: "https://example.invalid/hook",
    });
    assert.equal(rt.observer, "northeurope");
    assert.deepEqual((await rt.store.readAllObservations()).heartbeats, []);
  });

  it("says which app setting is missing when the observer region is not set", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-compose-"));
    const file = join(dir, "tandem.config.json");
    await writeFile(file, JSON.stringify(raw()));
    await assert.rejects(
      composeFromEnvironment({ TANDEM_CONFIG_PATH: file }),
      /app setting TANDEM_OBSERVER_REGION is not set: set it to this Function App's observer region/,
    );
  });
});

describe("peers from the TANDEM_PEERS app setting", () => {
  const base = twoRegionConfig({
    westeurope: "http://127.0.0.1:9/a",
    northeurope: "http://127.0.0.1:9/b",
  });
  const withBearer = {
    ...base,
    api: {
      bearer: {
        issuer: "https://issuer.test/",
        audience: "api://tandem",
        keys: [{ kty: "RSA", n: "AQAB", e: "AQAB" }],
      },
    },
  };
  const credential = {
    getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }),
  };
  const make = async (raw: object, peers: string | undefined, env: Record<string, string> = {}) => {
    const lines: string[] = [];
    const say = (m: string) => lines.push(m);
    const rt = await compose({
      config: parseConfig(raw as never),
      observer: "westeurope",
      store: new MemoryStateStore(),
      credential,
      env: { ...env, ...(peers === undefined ? {} : { TANDEM_PEERS: peers }) },
      log: { info: say, warn: say, error: say },
    });
    return { rt, lines };
  };

  it("asks the other observers at the URLs it lists, with a token for the API's audience", async () => {
    const { rt, lines } = await make(
      withBearer,
      JSON.stringify({ westeurope: "https://a.example", northeurope: "https://b.example" }),
    );
    assert.ok(rt.probing.peers);
    assert.deepEqual(lines, []);
  });

  it("takes the audience of the peers' tokens from the deployment's app settings too", async () => {
    const { rt, lines } = await make(base, '{"northeurope": "https://b.example"}', {
      TANDEM_API_ISSUER: "https://issuer.test/tenant/v2.0",
      TANDEM_API_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
    });
    assert.ok(rt.probing.peers);
    assert.deepEqual(lines, []);
  });

  it("without it, or with it wrong, runs without peers and says why", async () => {
    assert.equal((await make(withBearer, undefined)).rt.probing.peers, undefined);
    for (const [raw, setting, why] of [
      [withBearer, "{not json", /TANDEM_PEERS: it is not JSON/],
      [withBearer, '["https://b.example"]', /must be a JSON object of URLs/],
      [withBearer, '{"northeurope": "http://b.example"}', /must be https/],
      [
        base,
        '{"northeurope": "https://b.example"}',
        /no audience for the peers' tokens: set TANDEM_API_CLIENT_ID \(the deployment does\) or api\.bearer/,
      ],
    ] as const) {
      const { rt, lines } = await make(raw, setting);
      assert.equal(rt.probing.peers, undefined, setting);
      assert.match(lines.join("\n"), why, setting);
      assert.match(lines.join("\n"), /peers learn of a failing region at their next tick/);
    }
  });
});
