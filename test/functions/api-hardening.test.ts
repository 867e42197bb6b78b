// The API against hostile input, through its Functions handlers: refusals that tell an
// anonymous caller nothing of the configuration, headers that keep its answers out of frames and
// out of MIME sniffing, JSON nested to overflow a recursive reader, names that come back short
// and escaped, reasons with characters that make text read as something else.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import azf from "@azure/functions";
import type { HttpResponseInit } from "@azure/functions";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { JWTPayload } from "jose";
import { apiFunctions } from "../../functions/api.js";
import type { HttpFunction } from "../../functions/handlers.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { BODY_DEPTH_LIMIT } from "../../src/app/api/bodies.js";
import { AZURE_CLI_APP_ID } from "../../src/config/defaults.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const ISSUER = "https://login.example.test/tenant/v2.0";
const AUDIENCE = "api://tandem-hardening";
const KID = "hardening-key-1";
/** Never probed here: the configuration needs regions to be valid. */
const URLS = { westeurope: "http://127.0.0.1:9/", northeurope: "http://127.0.0.1:9/" };

const json = (r: HttpResponseInit) => r.jsonBody as any;
const header = (r: HttpResponseInit, name: string) =>
  new Headers(r.headers as ConstructorParameters<typeof Headers>[0]).get(name);

describe("API hardening", () => {
  const keys = generateKeyPair("ES256");
  let fns: Map<string, HttpFunction>;
  let sign: (
    claims: JWTPayload,
    o?: { issuer?: string; audience?: string; exp?: number },
  ) => Promise<string>;

  before(async () => {
    const { publicKey, privateKey } = await keys;
    const jwk = { ...(await exportJWK(publicKey)), kty: "EC" as const, kid: KID };
    const rt = await runtimeFor(
      {
        ...twoRegionConfig(URLS),
        api: { bearer: { issuer: ISSUER, audience: AUDIENCE, keys: [jwk] } },
      },
      "westeurope",
      {
        store: new MemoryStateStore(),
        clock: new ManualClock(),
        env: { WEBSITE_AUTH_ENABLED: "true" },
      },
    );
    fns = new Map(apiFunctions(async () => rt).map((f) => [f.name, f]));
    sign = (claims, o = {}) =>
      new SignJWT({ azp: AZURE_CLI_APP_ID, ...claims })
        .setProtectedHeader({ alg: "ES256", kid: KID, typ: "JWT" })
        .setIssuer(o.issuer ?? ISSUER)
        .setAudience(o.audience ?? AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (o.exp ?? 600))
        .sign(privateKey);
  });

  const call = (
    fn: string,
    o: {
      method?: string;
      params?: Record<string, string>;
      headers?: Record<string, string>;
      body?: string;
      path?: string;
    },
  ) =>
    fns.get(fn)!.handler(
      new azf.HttpRequest({
        method: o.method ?? "POST",
        url: `http://127.0.0.1:7071${o.path ?? "/api/x"}`,
        headers: {
          ...(o.body === undefined ? {} : { "content-type": "application/json" }),
          ...o.headers,
        },
        params: o.params ?? {},
        ...(o.body === undefined ? {} : { body: { string: o.body } }),
      }),
      new azf.InvocationContext({ invocationId: "h", functionName: fn, logHandler: () => {} }),
    );
  const as = async (...roles: string[]) => ({
    authorization: `Bearer ${await sign({ preferred_username: "ops@example.test", roles })}`,
  });
  const pause = async (body: string, group = "shop") =>
    call("command", {
      params: { group, command: "pause" },
      headers: await as("Tandem.Operator"),
      body,
    });

  it("a 401 tells an anonymous caller how to sign in and nothing of the configuration", async () => {
    const forgedPrincipal = Buffer.from(
      JSON.stringify({ claims: [{ typ: "roles", val: "Tandem.Operator" }] }),
    ).toString("base64");
    const callers: [string, Record<string, string>][] = [
      ["nobody", {}],
      ["a forged principal header", { "x-ms-client-principal": forgedPrincipal }],
      [
        "another issuer's token",
        { authorization: `Bearer ${await sign({}, { issuer: "https://evil.test/v2.0" })}` },
      ],
      [
        "another audience's token",
        { authorization: `Bearer ${await sign({}, { audience: "api://other" })}` },
      ],
      ["an expired token", { authorization: `Bearer ${await sign({}, { exp: -600 })}` }],
      [
        "a token from another client",
        { authorization: `Bearer ${await sign({ azp: "other-app" })}` },
      ],
      ["a token that is no JWT", { authorization: "Bearer abc.def" }],
      ["another scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ];
    for (const [who, headers] of callers)
      for (const [fn, method, params] of [
        ["status", "GET", {}],
        ["command", "POST", { group: "shop", command: "pause" }],
      ] as const) {
        const answer = await call(fn, {
          method,
          params,
          headers,
          body: method === "POST" ? '{"reason":"xyz"}' : undefined,
        });
        assert.equal(answer.status, 401, `${who}: ${fn}`);
        const text = JSON.stringify(answer.jsonBody);
        for (const secret of [
          ISSUER,
          "login.example.test",
          AUDIENCE,
          KID,
          AZURE_CLI_APP_ID,
          "Tandem.Reader",
          "Tandem.Operator",
          "api.bearer",
          "keys",
        ])
          assert.ok(
            !text.includes(secret),
            `${who}: ${fn} answered ${text}, giving away ${secret}`,
          );
        assert.match(header(answer, "www-authenticate") ?? "", /^Bearer( error="invalid_token")?$/);
      }
  });

  // A browser signed in through App Service Authentication carries its cookie to any site's form
  // (ADR 0016); a POST that another site's page sends is refused before anything else, with the
  // operator's own token, so that a route without a JSON body cannot be reached by a form.
  for (const [what, headers] of [
    ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site" }],
    ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
    ["an Origin of another host", { origin: "https://evil.example", host: "127.0.0.1:7071" }],
  ] as const)
    it(`a POST sent by another site's page is refused: ${what}`, async () => {
      const answer = await call("alertTest", {
        params: { channel: "teams" },
        headers: { ...(await as("Tandem.Operator")), ...headers },
      });
      assert.equal(answer.status, 403);
      assert.equal(json(answer).error.code, "CrossSite");
    });

  it("a POST from this app's own page, or from no browser, goes on to its route", async () => {
    const ways: Record<string, string>[] = [
      { "sec-fetch-site": "same-origin", origin: "http://127.0.0.1:7071", host: "127.0.0.1:7071" },
      {},
    ];
    for (const headers of ways) {
      const answer = await call("alertTest", {
        params: { channel: "teams" },
        headers: { ...(await as("Tandem.Operator")), ...headers },
      });
      assert.equal(answer.status, 404, JSON.stringify(json(answer)));
    }
  });

  it("every answer forbids framing and MIME sniffing: JSON, the status page, errors", async () => {
    const reader = await as("Tandem.Reader");
    const answers: [string, HttpResponseInit][] = [
      ["status JSON", await call("status", { method: "GET", headers: reader })],
      ["audit", await call("audit", { method: "GET", headers: reader })],
      ["401", await call("status", { method: "GET" })],
      [
        "403",
        await call("command", {
          params: { group: "shop", command: "pause" },
          headers: reader,
          body: '{"reason":"xyz"}',
        }),
      ],
      ["400", await pause("[[[")],
      ["404", await call("incident", { method: "GET", params: { id: "nope" }, headers: reader })],
    ];
    for (const [what, answer] of answers) {
      assert.equal(header(answer, "content-security-policy"), "frame-ancestors 'none'", what);
      assert.equal(header(answer, "x-content-type-options"), "nosniff", what);
    }
    assert.deepEqual(
      answers.map(([, a]) => a.status),
      [200, 200, 401, 403, 400, 404],
    );
    const page = await call("status", {
      method: "GET",
      headers: { ...reader, accept: "text/html" },
    });
    assert.equal(page.status, 200);
    assert.match(header(page, "content-type") ?? "", /^text\/html/);
    assert.match(
      header(page, "content-security-policy") ?? "",
      /default-src 'none'.*; frame-ancestors 'none'$/,
    );
    assert.equal(header(page, "x-content-type-options"), "nosniff");
  });

  const deep: [string, string][] = [
    ["8,000 nested arrays in a 16 KB body", `{"reason":${"[".repeat(8000)}${"]".repeat(8000)}}`],
    ["2,600 nested objects", `${'{"a":'.repeat(2600)}1${"}".repeat(2600)}`],
    ["unclosed brackets", "[".repeat(16_000)],
    [
      "one level too deep",
      `{"reason":"x-y-z","extra":${"[".repeat(BODY_DEPTH_LIMIT)}${"]".repeat(BODY_DEPTH_LIMIT)}}`,
    ],
  ];
  for (const [what, body] of deep)
    it(`deeply nested JSON is a 400, not a 500: ${what}`, async () => {
      const answer = await pause(body);
      assert.equal(answer.status, 400, JSON.stringify(answer.jsonBody));
      assert.equal(json(answer).error.field, "body");
      assert.equal(
        json(answer).error.message,
        `body: nests arrays and objects deeper than ${BODY_DEPTH_LIMIT} levels`,
      );
    });

  it("brackets inside strings do not count as nesting", async () => {
    const answer = await pause(`{"reason":"${"[{".repeat(100)} \\" ]"}`, "nope");
    assert.equal(answer.status, 404, JSON.stringify(answer.jsonBody));
    assert.equal(json(answer).error.field, "group");
  });

  it("names come back at most 40 characters long, with control and invisible characters escaped", async () => {
    const group = `\u202eevil\n${"g".repeat(300)}`;
    const unknownGroup = await pause('{"reason":"x-y-z"}', group);
    assert.equal(unknownGroup.status, 404);
    assert.match(
      json(unknownGroup).error.message,
      /^no group "\\u\{202e\}evil\\u\{a\}g{34}\.\.\. \(306 characters\)"; groups: shop$/,
    );
    const reader = await as("Tandem.Reader");
    const incident = await call("incident", {
      method: "GET",
      params: { id: "i".repeat(200) },
      headers: reader,
    });
    assert.equal(
      json(incident).error.message,
      `no incident "${"i".repeat(40)}... (200 characters)"`,
    );
    const query = await call("incidents", {
      method: "GET",
      path: `/api/incidents?group=${encodeURIComponent(group)}`,
      headers: reader,
    });
    assert.equal(query.status, 404);
    assert.equal(json(query).error.message, json(unknownGroup).error.message);
    const region = await call("command", {
      params: { group: "shop", command: "failover" },
      headers: await as("Tandem.Operator"),
      body: JSON.stringify({ to: `r${"x".repeat(62)}`, reason: "x-y-z" }),
    });
    assert.equal(region.status, 404, JSON.stringify(region.jsonBody));
    assert.match(
      json(region).error.message,
      /^no region "rx{39}\.\.\. \(63 characters\)" in group shop/,
    );
    const channel = await call("alertTest", {
      params: { channel: `c${"h".repeat(62)}` },
      headers: await as("Tandem.Operator"),
    });
    assert.match(json(channel).error.message, /^no alert channel "ch{39}\.\.\. \(63 characters\)"/);
  });

  for (const code of [
    0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067,
    0x2068, 0x2069, 0xfeff,
  ]) {
    const hex = code.toString(16).toUpperCase();
    it(`a reason with U+${hex} is a 400 that names the character`, async () => {
      for (const reason of [
        `pause ${String.fromCodePoint(code)}now`,
        `${String.fromCodePoint(code)}pause now`,
      ]) {
        const answer = await pause(JSON.stringify({ reason }));
        assert.equal(answer.status, 400, JSON.stringify(answer.jsonBody));
        assert.equal(json(answer).error.field, "reason");
        assert.match(
          json(answer).error.message,
          new RegExp(
            `^reason: must not contain bidirectional or zero-width control characters \\(U\\+${hex} at character \\d\\)`,
          ),
        );
      }
    });
  }
});
