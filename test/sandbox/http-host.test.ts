// The local host answers only requests addressed to loopback: a page elsewhere can point a name
// of its own at 127.0.0.1 (DNS rebinding) and have a browser send requests that carry that name
// in Host; those get 421, before any route or function sees them.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, it } from "node:test";
import type { HttpHost } from "../../src/sandbox/http-host.js";
import { isLoopbackHost, startHttpHost } from "../../src/sandbox/http-host.js";

function get(port: number, host: string, path = "/api/ping") {
  return new Promise<{ status: number; body: string; nosniff: string | undefined }>(
    (resolve, reject) => {
      const request = http.request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: "GET",
          headers: { host },
        },
        (res) => {
          let body = "";
          res.on("data", (d: Buffer) => (body += d.toString()));
          res.on("end", () =>
            resolve({
              status: res.statusCode!,
              body,
              nosniff: res.headers["x-content-type-options"] as string | undefined,
            }),
          );
        },
      );
      request.on("error", reject);
      request.end();
    },
  );
}

describe("the local host and the Host header", () => {
  let host: HttpHost;
  let calls = 0;
  before(async () => {
    host = await startHttpHost({
      port: 0,
      functions: [
        {
          name: "ping",
          route: "ping",
          methods: ["GET"],
          handler: async () => {
            calls++;
            return { status: 200, jsonBody: { ok: true } };
          },
        },
      ],
      routes: [{ method: "GET", path: "/sandbox/ping", handle: () => ({ status: 200, body: {} }) }],
      log: () => {},
    });
  });
  after(() => host.close());

  const loopback = [
    "127.0.0.1",
    "127.0.0.1:7071",
    "localhost",
    "LocalHost:80",
    "[::1]",
    "[::1]:7071",
  ];
  const elsewhere = [
    "rebind.example",
    "rebind.example:7071",
    "127.0.0.1.rebind.example",
    "localhost.rebind.example",
    "localhost.",
    "127.0.0.2",
    "0.0.0.0",
    "[::ffff:127.0.0.1]",
    "127.0.0.1:7071:80",
  ];

  it("answers requests for 127.0.0.1, [::1] and localhost, with any port", async () => {
    for (const name of loopback) {
      assert.ok(isLoopbackHost(name), name);
      const answer = await get(host.port, name.replace(/:\d+$/, `:${host.port}`));
      assert.equal(answer.status, 200, name);
    }
  });

  it("refuses any other Host with 421, before a function or a sandbox route runs", async () => {
    const before = calls;
    // None at all, or an empty one: Node's server refuses a request without Host (400) itself.
    assert.equal(isLoopbackHost(undefined), false);
    assert.equal(isLoopbackHost(""), false);
    for (const name of elsewhere) {
      assert.equal(isLoopbackHost(name), false, name);
      for (const path of ["/api/ping", "/sandbox/ping"]) {
        const answer = await get(host.port, name, path);
        assert.equal(answer.status, 421, `${name} ${path}`);
        assert.equal(JSON.parse(answer.body).error.code, "MisdirectedRequest");
        assert.equal(answer.nosniff, "nosniff");
      }
    }
    assert.equal(calls, before);
  });
});
