// The footprint of one regional Function App, for sizing its instance memory and estimating its
// cost (docs/deploy.md): a child process starts the real entry point with app settings as Azure
// sets them, against Azurite and loopback targets, and ticks on a 2 s interval. All on loopback.
import { spawn } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAzurite } from "../src/sandbox/azurite.js";
import { loopbackGroup } from "./harness.js";

export async function footprint(ticks = 20): Promise<Record<string, unknown>> {
  const azurite = await startAzurite();
  const dir = await mkdtemp(join(tmpdir(), "tandem-footprint-"));
  const config = join(dir, "tandem.config.json");
  const target = await loopbackGroup(config, { intervalSeconds: 2, probeTimeoutSeconds: 1 });
  try {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./footprint-child.js", import.meta.url))],
      {
        env: {
          PATH: process.env["PATH"] ?? "",
          TANDEM_OBSERVER_REGION: "westeurope",
          TANDEM_CONFIG_PATH: config,
          TANDEM_STORAGE: azurite.connectionString,
          APPLICATION_INSIGHTS_NO_STATSBEAT: "1",
          FOOTPRINT_TICKS: String(ticks),
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (code !== 0 || !line) throw new Error(`footprint child exited ${code}: ${out}`);
    return JSON.parse(line) as Record<string, unknown>;
  } finally {
    target.close();
    await azurite.stop();
  }
}
