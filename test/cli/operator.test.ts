// The `tandem` CLI against the sandbox, as a person or a script runs it: each command's output
// and exit code.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import http from "node:http";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { SANDBOX_RESOURCES, startSandbox } from "../../src/sandbox/sandbox.js";
import { FAST_SANDBOX } from "../helpers/sandbox.js";
import { closeServer, listenLoopback } from "../../src/sandbox/listen.js";
import { ROOT } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const CLI = join(ROOT, "dist/src/cli/main.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function tandem(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env["PATH"] ?? "", ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("tandem CLI against the sandbox", () => {
  let sandbox: Sandbox;
  let api: string[];
  before(async () => {
    sandbox = await startSandbox(FAST_SANDBOX);
    api = ["--api", sandbox.url];
    // The sandbox fails back on its own; paused, only these tests' commands move traffic.
    await fetch(`${sandbox.url}/api/groups/shop/pause`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "the CLI tests drive shop by hand" }),
    });
    await waitFor("shop healthy with a lease holder", async () => {
      const body = await apiStatus();
      return body.lease && body.groups[0].regions.every((r: any) => r.verdict === "healthy")
        ? true
        : undefined;
    });
  });
  after(async () => sandbox?.stop());

  /** GET /api/status, read beside the CLI to see what a command changed. */
  const apiStatus = async () => (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;

  /** Commands are refused while a target is not healthy: wait until the observers agree it is. */
  const shopHealthy = () =>
    waitFor(
      "shop's regions healthy by the observers' evidence",
      async () => {
        const body = await apiStatus();
        return body.groups[0].regions.every((r: any) => r.evidence.verdict === "healthy")
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );

  /** `tandem <command> shop ...options --reason <reason> ...flags` once shop is healthy: exit 0. */
  const shopCommand = async (command: string, reason: string, ...flags: string[]) => {
    await shopHealthy();
    const [verb, ...options] = command.split(" ");
    const run = await tandem([verb!, "shop", ...options, "--reason", reason, ...flags, ...api]);
    assert.equal(run.code, 0, run.stderr);
    return run;
  };

  it("status: both groups in human form, exit 0; --json is the API's JSON", async () => {
    await waitFor("catalog's levers read", async () => {
      const body = await apiStatus();
      return body.groups[1].regions[1].cluster ? true : undefined;
    });
    const human = await tandem(["status", ...api]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      /^shop {2}active-passive, automation paused, primary westeurope \(levers read \d+s ago\)$/m,
    );
    assert.match(human.stdout, /^catalog {2}passive-cold/m);
    assert.match(human.stdout, /^ {2}westeurope +primary +healthy +enabled p1/m);
    // catalog's standby, stopped by design: a cold standby with its cluster's power, not "down".
    assert.match(human.stdout, /^ {2}northeurope +standby +cold standby +enabled p2 +Stopped +\S/m);
    const json = await tandem(["status", "--json", ...api]);
    assert.equal(json.code, 0);
    assert.deepEqual(
      JSON.parse(json.stdout).groups.map((g: { name: string }) => g.name),
      ["shop", "catalog"],
    );
  });

  it("status --watch --json prints one compact status per line until stopped", async () => {
    const child = spawn(process.execPath, [CLI, "status", "--watch", "--json", ...api], {
      env: { PATH: process.env["PATH"] ?? "" },
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      await waitFor("two refreshes", () => (out.split("\n").length > 2 ? true : undefined), {
        timeoutMs: 20_000,
      });
    } finally {
      child.kill();
    }
    const [first, second] = out.split("\n");
    assert.equal(JSON.parse(first!).groups.length, 2);
    assert.equal(JSON.parse(second!).groups.length, 2);
  });

  it("failover --dry-run prints the plan and changes nothing", async () => {
    const run = await shopCommand("failover --to northeurope", "what if", "--dry-run");
    assert.match(run.stdout, /shop: failover to northeurope would end completed after about \d+s/);
    assert.match(run.stdout, /traffic: promote northeurope/);
    const body = await apiStatus();
    assert.equal(body.groups[0].routing.primary, "westeurope");
  });

  it("failover --wait shows progress on stderr, then the outcome and time per step; exit 0", async () => {
    const run = await shopCommand("failover --to northeurope", "cli test", "--wait");
    assert.match(run.stderr, /accepted as incident \S+/);
    assert.match(run.stderr, /^shifting-traffic \(\d+s in all, \d+s in this step\): /m);
    assert.match(run.stdout, /^shop: failover to northeurope completed$/m);
    assert.match(run.stdout, /^time per step:\n {2}confirmed +\d+s/m);
    const body = await apiStatus();
    assert.equal(body.groups[0].routing.primary, "northeurope");
  });

  it("failback --wait --json: clean JSON on stdout, progress on stderr", async () => {
    const run = await shopCommand("failback", "back home", "--wait", "--json");
    const incident = JSON.parse(run.stdout);
    assert.equal(incident.kind, "failback");
    assert.equal(incident.step, "completed");
    assert.match(run.stderr, /completed/);
  });

  it("incidents lists them newest first; incidents ID shows the steps", async () => {
    const list = await tandem(["incidents", ...api]);
    assert.equal(list.code, 0);
    const [newest] = list.stdout.trim().split("\n");
    assert.match(newest!, /^\S+ +shop +failback +to westeurope +completed$/);
    const id = newest!.split(/\s+/)[0]!;
    const one = await tandem(["incidents", id, ...api]);
    assert.equal(one.code, 0);
    assert.match(one.stdout, /reason: back home/);
    assert.match(one.stdout, /verifying/);
  });

  it("pause and resume all groups; audit shows who did it, newest first", async () => {
    const pause = await tandem(["pause", "--all", "--reason", "maintenance window", ...api]);
    assert.equal(pause.code, 0, pause.stderr);
    assert.match(pause.stdout, /automation paused for all groups \(paused now: all groups\)/);
    const resume = await tandem(["resume", "--all", "--reason", "done", ...api]);
    assert.match(resume.stdout, /automation resumed for all groups \(still paused: nothing\)/);
    const audit = await tandem(["audit", "--limit", "30", ...api]);
    assert.equal(audit.code, 0);
    const lines = audit.stdout.trim().split("\n");
    const api_ = lines.filter((l) => /^\S+ +done +\S+ +api /.test(l));
    assert.match(api_[0]!, /done +sandbox-operator +api resume: done/);
    assert.match(api_[1]!, /done +sandbox-operator +api pause: maintenance window/);
    const one = (await tandem(["audit", "--limit", "1", ...api])).stdout.trim().split("\n");
    assert.equal(one.length, 2);
    assert.match(one[1]!, /^\(older: tandem audit --before [0-9a-f-]+\)$/);
  });

  it("audit refused shows the refused calls counted per caller and minute", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await fetch(`${sandbox.url}/api/groups/shop/pause`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Basic bWFsbG9yeQ==" },
        body: JSON.stringify({ reason: "not allowed" }),
      });
      assert.equal(answer.status, 401);
    }
    // The counts are written within about a second of the calls, never on their answer's path;
    // the three fall in one minute, or (rarely) two.
    const rows = await waitFor(
      "the three refused calls counted",
      async () => {
        const run = await tandem(["audit", "refused", "--json", ...api]);
        assert.equal(run.code, 0, run.stderr);
        const mine = (JSON.parse(run.stdout).entries as any[]).filter(
          (r) => r.actor === "anonymous" && r.name === "api pause",
        );
        return mine.reduce((n, r) => n + r.count, 0) === 3 ? mine : undefined;
      },
      { intervalMs: 500 },
    );
    const human = await tandem(["audit", "refused", ...api]);
    const lines = human.stdout.split("\n").filter((l) => / anonymous .* api pause/.test(l));
    assert.equal(lines.length, rows.length);
    for (const line of lines)
      assert.match(
        line,
        /^\d{4}-\d\d-\d\d \d\d:\d\d +[123] +anonymous +127\.0\.0\.1 +api pause \[shop\]: \S/,
      );
  });

  it("drill reports both directions and their expected times, changing nothing", async () => {
    // The same starting state every time: no observer ticking (none can pre-warm the standby on
    // a slow machine's late probe) and catalog's northeurope cluster stopped, as it starts.
    const cluster = SANDBOX_RESOURCES.catalogCluster("northeurope");
    for (const o of ["westeurope", "northeurope"]) await sandbox.host.stopObserver(o);
    sandbox.services.aks.resetStopped(cluster);
    let run: Run;
    try {
      run = await tandem(["drill", "catalog", "--reason", "game day", "--wait", ...api]);
      assert.equal(
        sandbox.services.aks.power(cluster).power,
        "Stopped",
        "the drill started nothing",
      );
    } finally {
      for (const o of ["westeurope", "northeurope"]) sandbox.host.startObserver(o);
    }
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /catalog: drill, nothing changed; expected \d+s in all/);
    assert.match(run.stdout, /cluster: start northeurope/);
    assert.match(run.stdout, /catalog: failback to westeurope would end completed/);
    assert.match(
      run.stderr,
      /a drill changes nothing .* answers at once; --wait has nothing to follow/,
    );
  });

  it("exit codes: 2 for bad usage, 3 for a refusal or unknown region, 5 when Tandem cannot be reached", async () => {
    const usage = await tandem(["failover", "shop", "--reason", "no target", ...api]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /failover needs --to REGION/);
    const unknown = await tandem(["failover", "shop", "--to", "mars", "--reason", "x-y-z", ...api]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /404 NotFound: no region "mars" in group shop/);
    const status = await apiStatus();
    const primary = status.groups.find((g: any) => g.name === "shop").routing.primary;
    const there = await tandem(["failover", "shop", "--to", primary, "--reason", "x-y-z", ...api]);
    assert.equal(there.code, 3, there.stderr);
    assert.match(there.stderr, new RegExp(`409 Conflict: shop: ${primary} is already primary`));
    const unreachable = await tandem(["status", "--api", "http://127.0.0.1:9"]);
    assert.equal(unreachable.code, 5);
    assert.match(unreachable.stderr, /cannot reach Tandem at http:\/\/127\.0\.0\.1:9/);
  });

  it("finds the sandbox on the port npm start was given (TANDEM_PORT), as npm start does", async () => {
    const port = new URL(sandbox.url).port;
    const found = await tandem(["status"], { TANDEM_PORT: port });
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, /^shop {2}active-passive/m);
    const elsewhere = await tandem(["status"], { TANDEM_PORT: "9" });
    assert.equal(elsewhere.code, 5);
    assert.match(elsewhere.stderr, /cannot reach Tandem at http:\/\/127\.0\.0\.1:9: .*TANDEM_PORT/);
  });

  it("exit code 4 when not signed in or not allowed", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "Unauthenticated", message: "sign in" } }));
    });
    const port = await listenLoopback(server);
    try {
      const run = await tandem([
        "status",
        "--api",
        `http://127.0.0.1:${port}`,
        "--token",
        "expired",
      ]);
      assert.equal(run.code, 4);
      assert.match(run.stderr, /401 Unauthenticated: sign in/);
    } finally {
      await closeServer(server);
    }
  });
});
