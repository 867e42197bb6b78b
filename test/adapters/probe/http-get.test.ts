import assert from "node:assert/strict";
import type { LookupFunction } from "node:net";
import { after, before, describe, it } from "node:test";
import { HttpGetProber } from "../../../src/adapters/probe/http-get.js";
import type { TestServer } from "../../helpers/servers.js";
import { closedPort, hangingServer, resettingServer, statusServer } from "../../helpers/servers.js";

describe("HTTP GET prober against real loopback servers", () => {
  const servers: Record<string, TestServer> = {};
  const prober = new HttpGetProber();

  before(async () => {
    servers["ok"] = await statusServer(200);
    servers["unavailable"] = await statusServer(503);
    servers["redirect"] = await statusServer(301);
    servers["hanging"] = await hangingServer();
    servers["reset"] = await resettingServer();
  });
  after(async () => {
    for (const server of Object.values(servers)) await server.close();
  });

  it("reports a 2xx answer as up, with its status and latency", async () => {
    const outcome = await prober.probe({ url: servers["ok"]!.url, timeoutMs: 2000 });
    assert.equal(outcome.ok, true);
    assert.equal(outcome.statusCode, 200);
    assert.ok(outcome.latencyMs > 0 && outcome.latencyMs < 2000);
    assert.equal(outcome.error, undefined);
  });

  for (const [name, status] of [
    ["unavailable", 503],
    ["redirect", 301],
  ] as const) {
    it(`reports a ${status} answer as an http-status failure`, async () => {
      const outcome = await prober.probe({ url: servers[name]!.url, timeoutMs: 2000 });
      assert.equal(outcome.ok, false);
      assert.equal(outcome.statusCode, status);
      assert.deepEqual(outcome.error, {
        kind: "http-status",
        message: `answered ${status}, expected 2xx`,
      });
    });
  }

  it("gives up on a server that never answers after its timeout", async () => {
    const started = Date.now();
    const outcome = await prober.probe({ url: servers["hanging"]!.url, timeoutMs: 300 });
    const took = Date.now() - started;
    assert.equal(outcome.ok, false);
    assert.deepEqual(outcome.error, { kind: "timeout", message: "no answer within 300 ms" });
    assert.ok(took >= 250 && took < 2000, `took ${took} ms`);
  });

  it("classifies a refused connection", async () => {
    const outcome = await prober.probe({
      url: `http://127.0.0.1:${await closedPort()}/healthz`,
      timeoutMs: 2000,
    });
    assert.equal(outcome.error?.kind, "connect-refused");
  });

  it("classifies a reset connection", async () => {
    const outcome = await prober.probe({ url: servers["reset"]!.url, timeoutMs: 2000 });
    assert.equal(outcome.error?.kind, "reset");
  });

  it("classifies a name that does not resolve, through an injected lookup", async () => {
    const asked: string[] = [];
    const lookup = ((hostname: string, _options: unknown, callback: (e: Error) => void) => {
      asked.push(hostname);
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }),
      );
    }) as unknown as LookupFunction;
    const outcome = await new HttpGetProber({ lookup }).probe({
      url: "http://shop-weu.invalid/healthz",
      timeoutMs: 2000,
    });
    assert.deepEqual(asked, ["shop-weu.invalid"]);
    assert.equal(outcome.error?.kind, "dns");
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = prober.probe(
      { url: servers["hanging"]!.url, timeoutMs: 5000 },
      { abortSignal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    const outcome = await pending;
    assert.equal(outcome.error?.kind, "aborted");
  });
});
