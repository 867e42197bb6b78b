// The CLI never sends a bearer token over plain http to another machine: anyone on the way could
// read it and act as its owner. It refuses before any request is made (exit 2), and says what to
// use instead; https anywhere, and http to the sandbox on loopback, work as before.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXIT, run } from "../../src/cli/main.js";
import { tokenTransportProblem } from "../../src/cli/plain-http.js";

function io() {
  const sent: string[] = [];
  let err = "";
  return {
    sent,
    err: () => err,
    io: {
      out: () => {},
      err: (t: string) => (err += t),
      tty: false,
      sleep: async () => {},
      fetch: (async (url: string | URL | Request) => {
        sent.push(String(url));
        return new Response(JSON.stringify({ error: { code: "Unavailable", message: "x" } }), {
          status: 503,
          headers: { "content-type": "application/json" },
        });
      }) as typeof fetch,
    },
  };
}

describe("the CLI and plain http", () => {
  const cases: { api: string; token: boolean; refused: boolean }[] = [
    { api: "http://tandem.example.com", token: true, refused: true },
    { api: "http://10.0.0.4:7071", token: true, refused: true },
    { api: "http://127.0.0.1.example.com", token: true, refused: true },
    { api: "ftp://tandem.example.com", token: true, refused: true },
    { api: "https://tandem.example.com", token: true, refused: false },
    { api: "http://127.0.0.1:7071", token: true, refused: false },
    { api: "http://127.1.2.3:7071", token: true, refused: false },
    { api: "http://localhost:7071", token: true, refused: false },
    { api: "http://[::1]:7071", token: true, refused: false },
    { api: "http://tandem.example.com", token: false, refused: false },
  ];
  for (const c of cases)
    it(`${c.refused ? "refuses" : "allows"} ${c.api} ${c.token ? "with" : "without"} a token`, () => {
      const problem = tokenTransportProblem(c.api, c.token);
      if (!c.refused) return assert.equal(problem, undefined);
      assert.match(problem!, /^refusing to send the token over (http|ftp) to /);
    });

  it("tandem status --token over plain http to another host: exit 2, no request, a clear error", async () => {
    for (const [args, env] of [
      [["--api", "http://tandem.example.com", "--token", "secret-token"], {}],
      [[], { TANDEM_API: "http://tandem.example.com:8080/", TANDEM_TOKEN: "secret-token" }],
    ] as const) {
      const t = io();
      assert.equal(await run(["status", ...args], { ...env }, t.io), EXIT.usage);
      assert.deepEqual(t.sent, []);
      assert.match(
        t.err(),
        /tandem status: refusing to send the token over http to tandem\.example\.com(:8080)?: anyone on the way could read it and act as you\. Use an https:\/\/ URL/,
      );
      assert.ok(!t.err().includes("secret-token"));
    }
  });

  it("sends it over https, and over http to the sandbox on loopback", async () => {
    for (const api of ["https://tandem.example.com", "http://127.0.0.1:7071"]) {
      const t = io();
      assert.equal(await run(["status", "--api", api, "--token", "t"], {}, t.io), EXIT.unavailable);
      assert.deepEqual(t.sent, [`${api}/api/status`]);
    }
  });
});
