// The probe engine against real servers on loopback: HTTP, HTTPS with certificates made at test
// time, TCP listeners, and servers that misbehave in each way a region can.
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { after, before, describe, it } from "node:test";
import { ProbeEngine } from "../../src/probes/engine.js";
import type { ProbeOutcome } from "../../src/core/index.js";
import type { HttpProbeRequest } from "../../src/probes/http/request.js";
import { getRequest } from "../../src/probes/http/request.js";
import type { TcpProbeRequest } from "../../src/probes/tcp/request.js";
import type { CertificateAuthority, Issued } from "../../src/sandbox/certificates.js";
import { createCertificateAuthority } from "../../src/sandbox/certificates.js";
import { closedPort, hangingServer, resettingServer, unacceptingPort } from "../helpers/servers.js";

const DAY = 86_400_000;
const HOST = "shop.example.test";

function get(url: string, extra: Partial<HttpProbeRequest> = {}): HttpProbeRequest {
  return { ...getRequest(url, 2000), maxRedirects: 0, certificateWarningDays: 14, ...extra };
}

function tcp(host: string, port: number, timeoutMs: number): TcpProbeRequest {
  return { kind: "tcp", url: `tcp://${host}:${port}`, host, port, timeoutMs };
}

/** Resolves every name to loopback and records what was asked, so no real name is ever resolved. */
function loopbackLookup(asked: string[] = []): LookupFunction {
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    asked.push(hostname);
    const all =
      typeof options === "object" && options !== null && (options as { all?: boolean }).all;
    setTimeout(
      () =>
        all
          ? callback(null, [{ address: "127.0.0.1", family: 4 }])
          : callback(null, "127.0.0.1", 4),
      2,
    );
  }) as unknown as LookupFunction;
}

const failingLookup = (() => (hostname: string, _options: unknown, callback: (e: Error) => void) =>
  callback(
    Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }),
  )) as () => LookupFunction;

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function assertOrdered(outcome: ProbeOutcome): void {
  const p = outcome.phases!;
  assert.ok(p, "phases are reported");
  const seq = [p.dnsMs, p.connectMs, p.tlsMs, p.firstByteMs, p.totalMs];
  for (let i = 1; i < seq.length; i++)
    assert.ok(seq[i - 1]! <= seq[i]!, `phases out of order: ${JSON.stringify(p)}`);
}

describe("probe engine: HTTP", () => {
  const engine = new ProbeEngine();
  let base = "";
  let server: http.Server;
  let connections = 0;
  let flaky = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const path = req.url ?? "/";
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (path === "/healthz")
        return json(200, { status: "ok", checks: [{ name: "db", ok: true }] });
      if (path === "/500") return json(500, { status: "broken" });
      if (path === "/503") return json(503, { status: "unavailable" });
      if (path === "/moved") {
        res.writeHead(301, { location: "/healthz" });
        return res.end();
      }
      if (path === "/wrong-body") return json(200, { status: "degraded", checks: [{ ok: false }] });
      if (path === "/to-ftp") {
        res.writeHead(302, { location: "ftp://files.example.test/x" });
        return res.end();
      }
      if (path === "/to-elsewhere") {
        res.writeHead(302, {
          location: `http://localhost:${(server.address() as AddressInfo).port}/healthz`,
        });
        return res.end();
      }
      if (path === "/slow") return void setTimeout(() => json(200, { status: "ok" }), 300);
      if (path === "/trickle") {
        res.writeHead(200, { "content-type": "text/plain" });
        const timer = setInterval(() => res.write("."), 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      if (path === "/host") return json(200, { host: req.headers.host });
      if (path === "/flaky") return json(flaky++ % 2 === 0 ? 503 : 200, {});
      json(404, {});
    });
    server.on("connection", () => connections++);
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  after(async () => {
    engine.close();
    await close(server);
  });

  it("passes a 2xx answer, with phases in order and no TLS time", async () => {
    const outcome = await engine.probe(get(`${base}/healthz`));
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(outcome.statusCode, 200);
    assertOrdered(outcome);
    assert.equal(outcome.phases!.tlsMs, outcome.phases!.connectMs);
  });

  for (const [path, status] of [
    ["/500", 500],
    ["/503", 503],
    ["/moved", 301],
  ] as const) {
    it(`classifies a ${status} answer as http-status`, async () => {
      const outcome = await engine.probe(get(`${base}${path}`));
      assert.equal(outcome.ok, false);
      assert.deepEqual(outcome.error, {
        kind: "http-status",
        message: `answered ${status}, expected 200-299`,
      });
    });
  }

  it("accepts a status in the expected ranges", async () => {
    const outcome = await engine.probe(
      get(`${base}/503`, {
        expectStatus: [
          { from: 200, to: 299 },
          { from: 503, to: 503 },
        ],
      }),
    );
    assert.equal(outcome.ok, true);
  });

  it("follows a redirect when allowed and judges the final answer", async () => {
    const outcome = await engine.probe(get(`${base}/moved`, { maxRedirects: 5 }));
    assert.deepEqual([outcome.ok, outcome.statusCode], [true, 200]);
  });

  const bodies: [string, HttpProbeRequest["body"], string][] = [
    [
      "contains",
      { contains: '"status":"ok"' },
      'the body does not contain "\\"status\\":\\"ok\\""',
    ],
    [
      "matches",
      { matches: '"status":"(ok|fine)"' },
      'the body does not match /"status":"(ok|fine)"/',
    ],
    [
      "JSON path equals",
      { json: [{ path: "$.checks[0].ok", equals: true }] },
      "$.checks[0].ok is false, expected true",
    ],
    [
      "JSON path exists",
      {
        json: [
          { path: "$.checks[0].name", exists: true },
          { path: "$.version", exists: false },
        ],
      },
      "$.checks[0].name is missing",
    ],
  ];
  for (const [name, body, message] of bodies) {
    it(`classifies a 200 with the wrong body as body-mismatch (${name})`, async () => {
      const good = await engine.probe(get(`${base}/healthz`, { body: body! }));
      const bad = await engine.probe(get(`${base}/wrong-body`, { body: body! }));
      if (name !== "JSON path exists")
        assert.equal(good.ok, true, `the right body passes: ${JSON.stringify(good.error)}`);
      assert.deepEqual([bad.ok, bad.error], [false, { kind: "body-mismatch", message }]);
    });
  }

  it("classifies an answer slower than maxLatencyMs as too-slow", async () => {
    const outcome = await engine.probe(get(`${base}/slow`, { maxLatencyMs: 100 }));
    assert.equal(outcome.error?.kind, "too-slow");
    assert.match(outcome.error!.message, /^answered in \d+ ms, limit 100 ms$/);
  });

  it("times out a body that trickles in, after the first byte", async () => {
    const outcome = await engine.probe(get(`${base}/trickle`, { timeoutMs: 400 }));
    assert.deepEqual(outcome.error, {
      kind: "timeout",
      message: "the answer did not complete within 400 ms",
    });
    assert.ok(outcome.phases!.firstByteMs < 400);
  });

  it("times out a server that accepts and never answers", async () => {
    const hanging = await hangingServer();
    try {
      const outcome = await engine.probe(get(hanging.url, { timeoutMs: 300 }));
      assert.deepEqual(outcome.error, { kind: "timeout", message: "no answer within 300 ms" });
    } finally {
      await hanging.close();
    }
  });

  it("classifies a connection that is never accepted as connect-timeout", async () => {
    const stuck = await unacceptingPort();
    try {
      const outcome = await engine.probe(
        get(`http://127.0.0.1:${stuck.port}/`, { timeoutMs: 300 }),
      );
      assert.deepEqual(outcome.error, {
        kind: "connect-timeout",
        message: "could not connect within 300 ms",
      });
    } finally {
      stuck.close();
    }
  });

  it("classifies a refused connection and a reset one", async () => {
    const refused = await engine.probe(get(`http://127.0.0.1:${await closedPort()}/`));
    assert.equal(refused.error?.kind, "connect-refused");
    const resetting = await resettingServer();
    try {
      assert.equal((await engine.probe(get(resetting.url))).error?.kind, "reset");
    } finally {
      await resetting.close();
    }
  });

  it("classifies a name that does not resolve as dns, through an injected lookup", async () => {
    const outcome = await new ProbeEngine({ lookup: failingLookup() }).probe(
      get("http://shop-weu.invalid/healthz"),
    );
    assert.deepEqual(outcome.error, {
      kind: "dns",
      message: "shop-weu.invalid does not resolve (ENOTFOUND)",
    });
  });

  it("times the name lookup when there is one, and sends the Host header it is given", async () => {
    const asked: string[] = [];
    const port = new URL(base).port;
    const outcome = await new ProbeEngine({ lookup: loopbackLookup(asked) }).probe(
      get(`http://shop-weu.internal:${port}/host`, {
        headers: { host: HOST },
        body: { json: [{ path: "$.host", equals: HOST }] },
      }),
    );
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.deepEqual(asked, ["shop-weu.internal"]);
    assert.ok(outcome.phases!.dnsMs > 0, "the lookup takes time");
    assertOrdered(outcome);
  });

  it("connects afresh for every probe by default, and reuses a connection only with keepAlive", async () => {
    const before = connections;
    await engine.probe(get(`${base}/healthz`));
    await engine.probe(get(`${base}/healthz`));
    assert.equal(connections - before, 2, "two fresh connections");
    const kept = connections;
    await engine.probe(get(`${base}/healthz`, { keepAlive: true }));
    await engine.probe(get(`${base}/healthz`, { keepAlive: true }));
    assert.equal(connections - kept, 1, "one connection, reused");
  });

  it("answers a HEAD probe without reading a body", async () => {
    const outcome = await engine.probe(get(`${base}/healthz`, { method: "HEAD" }));
    assert.deepEqual([outcome.ok, outcome.statusCode], [true, 200]);
  });

  it("fails, without crashing, a redirect to another scheme", async () => {
    const outcome = await engine.probe(get(`${base}/to-ftp`, { maxRedirects: 5 }));
    assert.equal(outcome.error?.kind, "http-status");
    assert.match(
      outcome.error!.message,
      /redirecting to another origin \(ftp:\/\/files\.example\.test\)/,
    );
  });

  it("does not follow a redirect to another origin, so headers and SNI never leave it", async () => {
    const outcome = await engine.probe(
      get(`${base}/to-elsewhere`, { maxRedirects: 5, headers: { authorization: "Bearer secret" } }),
    );
    assert.equal(outcome.error?.kind, "http-status");
    assert.match(outcome.error!.message, /only same-origin redirects are followed$/);
  });

  it("classifies a name lookup that never answers as dns", async () => {
    const silent = (() => {}) as unknown as LookupFunction;
    const outcome = await new ProbeEngine({ lookup: silent }).probe(
      get("http://shop-weu.internal/healthz", { timeoutMs: 200 }),
    );
    assert.deepEqual(outcome.error, {
      kind: "dns",
      message: "shop-weu.internal did not resolve within 200 ms",
    });
  });

  it("stops when the caller aborts", async () => {
    const hanging = await hangingServer();
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const outcome = await engine.probe(get(hanging.url, { timeoutMs: 5000 }), {
        abortSignal: controller.signal,
      });
      assert.equal(outcome.error?.kind, "aborted");
    } finally {
      await hanging.close();
    }
  });

  it("a hanging target does not delay the others beyond its own timeout", async () => {
    const hanging = await hangingServer();
    try {
      const started = Date.now();
      const finished: Record<string, number> = {};
      await Promise.all([
        engine
          .probe(get(hanging.url, { timeoutMs: 600 }))
          .then(() => (finished["hanging"] = Date.now() - started)),
        ...[1, 2, 3].map((i) =>
          engine
            .probe(get(`${base}/healthz`))
            .then(() => (finished[`ok${i}`] = Date.now() - started)),
        ),
      ]);
      for (const i of [1, 2, 3])
        assert.ok(
          finished[`ok${i}`]! < finished["hanging"]! - 200,
          `a healthy target finished at ${finished[`ok${i}`]} ms, the hanging one at ${finished["hanging"]} ms`,
        );
      assert.ok(
        finished["hanging"]! >= 550 && finished["hanging"]! < 5000,
        `the hanging one took ${finished["hanging"]} ms with a 600 ms timeout`,
      );
    } finally {
      await hanging.close();
    }
  });
});

describe("probe engine: TLS", () => {
  const engine = new ProbeEngine();
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  const servers: https.Server[] = [];
  const url: Record<string, string> = {};
  let seenServername: string | undefined;

  async function serve(name: string, cert: Issued): Promise<void> {
    const server = https.createServer({ ...cert }, (req, res) => {
      seenServername = (req.socket as TLSSocket).servername || undefined;
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
    servers.push(server);
    url[name] = `https://127.0.0.1:${await listen(server)}/healthz`;
  }

  before(async () => {
    ca = await createCertificateAuthority("Tandem test CA");
    otherCa = await createCertificateAuthority("Some other CA");
    const now = Date.now();
    await serve("valid", await ca.issue({ names: [HOST, "127.0.0.1"] }));
    await serve("expiring", await ca.issue({ names: [HOST], notAfter: new Date(now + 5 * DAY) }));
    await serve(
      "expired",
      await ca.issue({
        names: [HOST],
        notBefore: new Date(now - 30 * DAY),
        notAfter: new Date(now - DAY),
      }),
    );
    await serve("wrong-host", await ca.issue({ names: ["other.example.test"] }));
    await serve("untrusted", await otherCa.issue({ names: [HOST] }));
  });
  after(async () => {
    engine.close();
    await Promise.all(servers.map(close));
  });

  const tlsGet = (name: string, extra: Partial<HttpProbeRequest> = {}) =>
    get(url[name]!, { tlsServerName: HOST, ca: [ca.cert], ...extra });

  it("passes a valid chain from an extra CA, presenting the public host name in SNI, with ordered phases and days left", async () => {
    const outcome = await engine.probe(tlsGet("valid"));
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
    assert.equal(seenServername, HOST);
    assertOrdered(outcome);
    assert.ok(outcome.phases!.tlsMs > outcome.phases!.connectMs, "the handshake takes time");
    assert.ok(
      outcome.certificateDaysLeft! > 80 && outcome.certificateDaysLeft! <= 90,
      `days left: ${outcome.certificateDaysLeft}`,
    );
    assert.equal(outcome.warnings, undefined);
  });

  it("checks the certificate against the address when no server name is given", async () => {
    const outcome = await engine.probe(get(url["valid"]!, { ca: [ca.cert] }));
    assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
  });

  it("passes a certificate expiring within the warning window, with a warning", async () => {
    const outcome = await engine.probe(tlsGet("expiring"));
    assert.equal(outcome.ok, true);
    assert.deepEqual(outcome.warnings, ["a certificate in the chain expires in 4 day(s)"]);
  });

  const bad: [string, RegExp][] = [
    ["expired", /^the certificate has expired \(CERT_HAS_EXPIRED\)$/],
    ["wrong-host", /^the certificate is not for this host name \(ERR_TLS_CERT_ALTNAME_INVALID\)/],
    [
      "untrusted",
      /^the certificate is signed by a CA that is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
    ],
  ];
  for (const [name, message] of bad) {
    it(`fails a ${name} certificate as tls-certificate`, async () => {
      const outcome = await engine.probe(tlsGet(name));
      assert.equal(outcome.ok, false);
      assert.equal(outcome.error?.kind, "tls-certificate");
      assert.match(outcome.error!.message, message);
    });
  }

  it("fails a certificate from an unknown CA when no extra CA is given", async () => {
    const outcome = await engine.probe(get(url["valid"]!, { tlsServerName: HOST }));
    assert.equal(outcome.error?.kind, "tls-certificate");
  });

  it("classifies a TLS handshake that never completes as tls-handshake", async () => {
    const hanging = await hangingServer();
    try {
      const outcome = await engine.probe(
        get(hanging.url.replace("http:", "https:"), { timeoutMs: 300 }),
      );
      assert.deepEqual(outcome.error, {
        kind: "tls-handshake",
        message: "the TLS handshake did not complete within 300 ms",
      });
    } finally {
      await hanging.close();
    }
  });

  it("classifies a reset during the TLS handshake as tls-handshake", async () => {
    const resetting = await resettingServer();
    try {
      const outcome = await engine.probe(get(resetting.url.replace("http:", "https:")));
      assert.equal(outcome.error?.kind, "tls-handshake");
    } finally {
      await resetting.close();
    }
  });

  it("reuses one HTTPS connection with keepAlive and still reads the certificate every time", async () => {
    let connections = 0;
    const server = servers[0]!;
    const count = () => connections++;
    server.on("secureConnection", count);
    try {
      const first = await engine.probe(tlsGet("valid", { keepAlive: true }));
      const second = await engine.probe(tlsGet("valid", { keepAlive: true }));
      assert.deepEqual(
        [first.ok, second.ok],
        [true, true],
        JSON.stringify([first.error, second.error]),
      );
      assert.equal(connections, 1, "one TLS connection, reused");
      assert.ok(
        second.certificateDaysLeft! > 80,
        `days left on the reused connection: ${second.certificateDaysLeft}`,
      );
    } finally {
      server.off("secureConnection", count);
    }
  });

  it("classifies TLS spoken to a plain HTTP server as tls-handshake", async () => {
    const plain = http.createServer((_q, r) => r.end("ok"));
    const port = await listen(plain);
    try {
      const outcome = await engine.probe(get(`https://127.0.0.1:${port}/`));
      assert.equal(outcome.error?.kind, "tls-handshake");
    } finally {
      await close(plain);
    }
  });
});

describe("probe engine: TCP", () => {
  const engine = new ProbeEngine({ lookup: loopbackLookup() });

  it("passes when a connection opens, with phases", async () => {
    const server = http.createServer();
    const port = await listen(server);
    try {
      const outcome = await engine.probe(tcp("db.internal", port, 1000));
      assert.equal(outcome.ok, true);
      assertOrdered(outcome);
    } finally {
      await close(server);
    }
  });

  it("fails a connection slower than maxLatencyMs as too-slow", async () => {
    const server = http.createServer();
    const port = await listen(server);
    const slowLookup = ((name: string, options: unknown, callback: (...a: unknown[]) => void) =>
      setTimeout(
        () => loopbackLookup()(name, options as never, callback as never),
        30,
      )) as unknown as LookupFunction;
    try {
      const request: TcpProbeRequest = { ...tcp("db.internal", port, 1000), maxLatencyMs: 5 };
      const outcome = await new ProbeEngine({ lookup: slowLookup }).probe(request);
      assert.equal(outcome.ok, false);
      assert.equal(outcome.error?.kind, "too-slow");
      assert.match(outcome.error?.message ?? "", /limit 5 ms$/);
    } finally {
      await close(server);
    }
  });

  it("classifies refused, never accepted, and unresolvable", async () => {
    const refused = await engine.probe(tcp("127.0.0.1", await closedPort(), 1000));
    assert.equal(refused.error?.kind, "connect-refused");
    const stuck = await unacceptingPort();
    try {
      const hung = await engine.probe(tcp("127.0.0.1", stuck.port, 300));
      assert.deepEqual(hung.error, {
        kind: "connect-timeout",
        message: "could not connect within 300 ms",
      });
    } finally {
      stuck.close();
    }
    const unknown = await new ProbeEngine({ lookup: failingLookup() }).probe(
      tcp("db.invalid", 5432, 1000),
    );
    assert.equal(unknown.error?.kind, "dns");
  });
});
