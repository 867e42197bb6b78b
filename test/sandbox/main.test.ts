// `npm start` as a person runs it: the entry script in a child process.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { startAzurite } from "../../src/sandbox/azurite.js";
import { RegionalApp } from "../../src/sandbox/regional-app.js";
import { ROOT } from "../helpers/paths.js";
import { twoRegionConfig } from "../helpers/runtime.js";
import { waitFor } from "../helpers/wait.js";

const MAIN = join(ROOT, "dist/src/sandbox/main.js");

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { ...process.env, TANDEM_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out, exited };
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<number | null> {
  child.kill("SIGINT");
  return exited;
}

/** GET /api/status with a Host header of our choosing (fetch does not let one be set). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/api/status`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
      .on("error", reject);
  });
}

async function tempConfig(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tandem-main-"));
  const file = join(dir, "tandem.config.json");
  await writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("npm start", () => {
  it("starts the sandbox, prints the status URL and how to break a region, and stops cleanly on Ctrl-C", async () => {
    const { child, out, exited } = start([]);
    const url = await waitFor(
      "the status URL",
      () => /Status: +(http:\/\/127\.0\.0\.1:\d+)\/api\/status/.exec(out.stdout)?.[1],
    );
    assert.match(
      out.stdout,
      /curl -X POST http:\/\/127\.0\.0\.1:\d+\/sandbox\/regions\/westeurope\/down/,
    );
    // How to point the CLI at it, which options are on, and what differs from production.
    const port = new URL(url).port;
    assert.match(out.stdout, new RegExp(`export TANDEM_PORT=${port} +\\(or TANDEM_API=${url}\\)`));
    assert.match(out.stdout, /Options on: +--timing fast/);
    assert.match(
      out.stdout,
      /failback +automatic, once the region has been healthy 10 s here; by a person/,
    );
    const body = await waitFor("a verdict", async () => {
      const b = (await (await fetch(`${url}/api/status`)).json()) as any;
      return b.groups[0].regions[0].verdict === "healthy" ? b : undefined;
    });
    assert.equal(body.groups[0].name, "shop");
    assert.equal(await stop(child, exited), 0);
    assert.match(out.stdout, /Stopped\.\n$/);
  });

  it("with --config FILE, refuses a bad file with every problem and exit code 2, before anything runs", async () => {
    const file = await tempConfig({
      observers: [{ region: "westeurope" }],
      groups: [{ name: "shop", model: "nope" }],
    });
    const { out, exited } = start(["--config", file]);
    assert.equal(await exited, 2);
    assert.match(out.stderr, /Tandem did not start: .*tandem.config.json has \d+ problems:/);
    assert.match(out.stderr, /\n {2}stateStore: is required/);
    assert.match(
      out.stderr,
      /\n {2}groups\[0\]\.model: must be one of "active-active", "active-passive", "passive-cold" \(got "nope"\)/,
    );
    assert.doesNotMatch(out.stdout, /Status:/);
  });

  it("with --config FILE, runs as one observer against the endpoints and store in FILE; believes no platform header, answers loopback names only", async () => {
    const azurite = await startAzurite(0);
    const weu = new RegionalApp("westeurope");
    const neu = new RegionalApp("northeurope");
    await weu.start();
    await neu.start();
    try {
      const file = await tempConfig({
        ...twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl }),
        stateStore: { connection: "env:MY_STORAGE", table: "realmode" },
      });
      const { child, out, exited } = start(["--config", file, "--observer", "northeurope"], {
        MY_STORAGE: azurite.connectionString,
        // As the issue found it: platform authentication "on" in the environment.
        WEBSITE_AUTH_ENABLED: "true",
      });
      const url = await waitFor(
        "the status URL",
        () => /Status: (http:\/\/127\.0\.0\.1:\d+)\/api\/status/.exec(out.stdout)?.[1],
      );
      const body = await waitFor("an observation", async () => {
        const b = (await (await fetch(`${url}/api/status`)).json()) as any;
        return b.groups[0].regions[0].observations.length > 0 ? b : undefined;
      });
      assert.equal(body.answeredBy, "northeurope");
      assert.equal(body.groups[0].regions[0].observations[0].observer, "northeurope");
      const pause = (headers: Record<string, string>) =>
        fetch(`${url}/api/groups/shop/pause`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ reason: "mallory was here" }),
        });
      const forged = await pause({
        "x-ms-client-principal": Buffer.from(
          JSON.stringify({ claims: [{ typ: "roles", val: "Tandem.Operator" }] }),
        ).toString("base64"),
        "x-ms-client-principal-name": "mallory",
      });
      assert.equal(forged.status, 401, "a forged platform principal");
      assert.equal((await pause({})).status, 403, "a loopback caller may read, not act");
      assert.equal(await statusWithHost(url, "rebind.example"), 421);
      assert.equal(await statusWithHost(url, "localhost"), 200);
      assert.equal(await stop(child, exited), 0);
    } finally {
      await weu.stop();
      await neu.stop();
      await azurite.stop();
    }
  });

  it("asks for --observer when the file lists several observers", async () => {
    const file = await tempConfig({
      ...twoRegionConfig({ westeurope: "http://127.0.0.1:9/", northeurope: "http://127.0.0.1:9/" }),
    });
    const { out, exited } = start(["--config", file], { TANDEM_OBSERVER_REGION: "" });
    assert.equal(await exited, 2);
    assert.match(
      out.stderr,
      /lists 2 observers \(westeurope, northeurope\): choose one with --observer REGION/,
    );
  });
});
