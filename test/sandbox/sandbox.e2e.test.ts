// The sandbox end to end, in-process on a free port: real Azurite, real regional apps, both
// observers on the local host's timer, the status API and the fault API over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { waitFor } from "../helpers/wait.js";

describe("sandbox end to end", () => {
  let sandbox: Sandbox;
  const lines: string[] = [];

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      intervalSeconds: 1,
      failureThreshold: 2,
      dwellSeconds: 2,
      output: (l) => lines.push(l),
    });
  });
  after(async () => sandbox.stop());

  const status = async () => {
    const response = await fetch(`${sandbox.url}/api/status`);
    assert.equal(response.status, 200);
    return (await response.json()) as any;
  };
  const verdicts = async () => {
    const body = await status();
    return Object.fromEntries(
      body.groups[0].regions.map((r: any) => [r.name, r.verdict]),
    ) as Record<string, string>;
  };
  const post = (path: string) => fetch(`${sandbox.url}${path}`, { method: "POST" });

  it("sees both regions healthy from both observers", async () => {
    await waitFor("both regions healthy", async () => {
      const v = await verdicts();
      return v["westeurope"] === "healthy" && v["northeurope"] === "healthy" ? v : undefined;
    });
    const body = await waitFor("both observers to report and one to hold the lease", async () => {
      const b = await status();
      return b.groups[0].regions[0].observations.length === 2 && b.lease ? b : undefined;
    });
    assert.deepEqual(
      body.observers.map((o: any) => [o.region, o.liveness]),
      [
        ["westeurope", "live"],
        ["northeurope", "live"],
      ],
    );
    assert.equal(body.lease.epoch, 1, "one observer took the lease, once");
    assert.deepEqual(
      body.groups[0].regions[0].observations.map((o: any) => o.observer),
      ["northeurope", "westeurope"],
    );
    assert.equal(body.groups[0].entryPoint.observations[0].status, "up");
  });

  it("takes westeurope down through the fault API and sees the verdict become down", async () => {
    const response = await post("/sandbox/regions/westeurope/down");
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as any).regions, {
      westeurope: "down",
      northeurope: "up",
    });
    const seen = new Set<string>();
    await waitFor("westeurope down", async () => {
      const v = await verdicts();
      seen.add(v["westeurope"]!);
      assert.equal(v["northeurope"], "healthy", "the other region stays healthy");
      return v["westeurope"] === "down" ? true : undefined;
    });
    assert.ok(seen.has("suspect"), `expected suspect before down, saw ${[...seen].join(", ")}`);
    const body = await status();
    const west = body.groups[0].regions[0];
    assert.ok(
      west.observations.every((o: any) => o.status === "down" && o.consecutiveFailures >= 2),
    );
    await waitFor("the change to be printed", () =>
      lines.some((l) => /shop\/westeurope +\S+ -> down/.test(l)) ? true : undefined,
    );
  });

  it("fails over: the lease holder promotes northeurope, and the entry point serves from it", async () => {
    const done = await waitFor("the failover to complete", async () => {
      const incident = (await status()).groups[0].incident;
      return incident?.kind === "failover" && incident.step === "completed" ? incident : undefined;
    });
    assert.deepEqual(
      done.history.map((h: any) => h.step),
      ["detected", "confirmed", "shifting-traffic", "shifting-traffic", "verifying", "completed"],
    );
    const body = await status();
    assert.equal(body.groups[0].routing.primary, "northeurope");
    const served = await fetch(sandbox.entryPoint.healthUrl);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("x-served-by"), "northeurope");
  });

  it("brings westeurope back up: it recovers, is healthy after the dwell time, and traffic fails back", async () => {
    assert.equal((await post("/sandbox/regions/westeurope/up")).status, 200);
    const seen = new Set<string>();
    await waitFor("westeurope healthy", async () => {
      const verdict = (await verdicts())["westeurope"]!;
      seen.add(verdict);
      return verdict === "healthy" ? true : undefined;
    });
    assert.ok(
      seen.has("recovering"),
      `expected recovering before healthy, saw ${[...seen].join(", ")}`,
    );
    await waitFor("traffic back on westeurope", async () => {
      const body = await status();
      return body.groups[0].incident?.kind === "failback" &&
        body.groups[0].incident.step === "completed" &&
        body.groups[0].routing.primary === "westeurope"
        ? true
        : undefined;
    });
  });

  it("heal brings every region up, and the verdicts follow", async () => {
    await post("/sandbox/regions/northeurope/down");
    await waitFor("northeurope failing", async () =>
      (await verdicts())["northeurope"] !== "healthy" ? true : undefined,
    );
    const response = await post("/sandbox/heal");
    assert.deepEqual(((await response.json()) as any).regions, {
      westeurope: "up",
      northeurope: "up",
    });
    await waitFor("both regions healthy", async () => {
      const v = await verdicts();
      return v["westeurope"] === "healthy" && v["northeurope"] === "healthy" ? true : undefined;
    });
  });

  it("an impaired observer's failures are not evidence: with northeurope impaired, westeurope cannot go down", async () => {
    assert.equal((await post("/sandbox/observers/northeurope/impair")).status, 200);
    try {
      await waitFor("northeurope impaired", async () =>
        (await status()).observers.find((o: any) => o.region === "northeurope").impaired
          ? true
          : undefined,
      );
      await post("/sandbox/regions/westeurope/down");
      // Long enough for both observers to see the failure threshold several times over.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      const west = (await status()).groups[0].regions[0];
      assert.notEqual(west.verdict, "down", west.reason);
      assert.deepEqual(west.evidence.outside, [], "the only outside observer is impaired");
    } finally {
      await post("/sandbox/heal");
    }
    await waitFor("westeurope healthy again", async () =>
      (await verdicts())["westeurope"] === "healthy" ? true : undefined,
    );
  });

  it("answers 405 naming the allowed method when the method is wrong", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/heal`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
  });

  it("answers 400, and keeps running, for a path that is not valid percent-encoding", async () => {
    const response = await post("/sandbox/regions/%E0/down");
    assert.equal(response.status, 400);
    assert.equal((await fetch(`${sandbox.url}/api/status`)).status, 200);
  });

  it("answers 404 with the known regions for an unknown one", async () => {
    const response = await post("/sandbox/regions/mars/down");
    assert.equal(response.status, 404);
    assert.match(
      ((await response.json()) as any).error.message,
      /no sandbox region "mars"; regions: westeurope, northeurope/,
    );
  });

  it("answers 404 in JSON for an unknown path and redirects / to the status", async () => {
    const missing = await fetch(`${sandbox.url}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, "NotFound");
    const root = await fetch(`${sandbox.url}/`, { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/api/status");
  });
});
