import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { compose, composeFromEnvironment } from "../src/compose.js";
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
    assert.deepEqual(await rt.store.readHeartbeats(), []);
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
