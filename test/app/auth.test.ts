// Who may call the operator API: the bearer token checks (signature, algorithm, issuer, audience,
// lifetime), the App Service Authentication principal, and the roles each grants. Each scenario
// is a request's headers and what the caller must (or must not) become.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { before, describe, it } from "node:test";
import { SignJWT, exportJWK } from "jose";
import type { JWTPayload } from "jose";
import type { Authentication, HeaderSource, Principal, Role } from "../../src/app/auth.js";
import { authenticate, authorize } from "../../src/app/auth.js";
import type { AuthSettings } from "../../src/app/runtime.js";

const ISSUER = "https://login.example.test/tenant/v2.0";
const AUDIENCE = "api://tandem-test";
const READER = "Tandem.Reader";
const OPERATOR = "Tandem.Operator";
const MS_ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";

function headers(values: Record<string, string>): HeaderSource {
  const lower = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}

/** The x-ms-client-principal header App Service Authentication sets. */
function clientPrincipal(body: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(body)).toString("base64");
}

type Alg = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512";

interface Keys {
  readonly rsa: KeyObject;
  readonly ec: Record<"ES256" | "ES384" | "ES512", KeyObject>;
  /** A key of the right kind and kid that the configuration does not list. */
  readonly stranger: KeyObject;
  readonly settings: AuthSettings;
}

const LOCAL: Principal = { name: "laptop", roles: ["reader", "operator"], via: "local" };

async function makeKeys(): Promise<Keys> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const curve = { ES256: "P-256", ES384: "P-384", ES512: "P-521" } as const;
  const ec = Object.fromEntries(
    Object.entries(curve).map(([alg, namedCurve]) => [
      alg,
      generateKeyPairSync("ec", { namedCurve }),
    ]),
  ) as Record<keyof typeof curve, ReturnType<typeof generateKeyPairSync>>;
  const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwks = [
    { ...(await exportJWK(rsa.publicKey)), kid: "rsa" },
    ...(await Promise.all(
      Object.entries(ec).map(async ([alg, pair]) => ({
        ...(await exportJWK(pair.publicKey)),
        kid: alg,
      })),
    )),
  ];
  return {
    rsa: rsa.privateKey,
    ec: { ES256: ec.ES256.privateKey, ES384: ec.ES384.privateKey, ES512: ec.ES512.privateKey },
    stranger: stranger.privateKey,
    settings: {
      platform: false,
      bearer: { issuer: ISSUER, audience: AUDIENCE, keys: jwks },
      readerRole: READER,
      operatorRole: OPERATOR,
      observerRole: "Tandem.Observer",
    },
  };
}

interface TokenOptions {
  readonly alg?: Alg;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; `null`: no exp claim. */
  readonly expiresIn?: number | null;
  readonly notBefore?: number;
  readonly key?: KeyObject;
}

/** One set of keys for the whole file: RSA key generation takes most of a second. */
const sharedKeys = makeKeys();

const seconds = () => Math.floor(Date.now() / 1000);

async function token(keys: Keys, claims: JWTPayload, o: TokenOptions = {}): Promise<string> {
  const alg = o.alg ?? "ES256";
  const key = o.key ?? (alg.startsWith("ES") ? keys.ec[alg as keyof Keys["ec"]] : keys.rsa);
  const kid = alg.startsWith("ES") ? alg : "rsa";
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid })
    .setIssuer(o.issuer ?? ISSUER)
    .setAudience(o.audience ?? AUDIENCE)
    .setIssuedAt();
  if (o.expiresIn !== null) jwt = jwt.setExpirationTime(seconds() + (o.expiresIn ?? 600));
  if (o.notBefore !== undefined) jwt = jwt.setNotBefore(seconds() + o.notBefore);
  return jwt.sign(key);
}

const bearer = async (keys: Keys, claims: JWTPayload, o?: TokenOptions) =>
  headers({ authorization: `Bearer ${await token(keys, claims, o)}` });

function principal(answer: Authentication): Principal {
  assert.ok(answer.ok, `expected a principal, got ${JSON.stringify(answer)}`);
  return answer.principal;
}

function refusal(answer: Authentication) {
  assert.ok(!answer.ok, `expected a refusal, got ${JSON.stringify(answer)}`);
  return answer;
}

describe("bearer tokens", () => {
  let keys: Keys;
  before(async () => {
    keys = await sharedKeys;
  });

  const algorithms: Alg[] = [
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
  ];
  for (const alg of algorithms)
    it(`accepts a valid token signed with ${alg}, an asymmetric algorithm`, async () => {
      const who = principal(
        await authenticate(
          keys.settings,
          await bearer(keys, { sub: "s", roles: [READER] }, { alg }),
        ),
      );
      assert.deepEqual(who, { name: "s", roles: ["reader"], via: "bearer" });
    });

  const refused: {
    name: string;
    claims?: JWTPayload;
    options?: (keys: Keys) => TokenOptions;
    reason: RegExp;
  }[] = [
    {
      name: "a token from another issuer",
      options: () => ({ issuer: "https://login.example.test/other-tenant/v2.0" }),
      reason: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"iss"/,
    },
    {
      name: "a token for another audience",
      options: () => ({ audience: "api://other" }),
      reason: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"aud"/,
    },
    {
      name: "a token that expired two minutes ago (beyond the minute of clock tolerance)",
      options: () => ({ expiresIn: -120 }),
      reason: /ERR_JWT_EXPIRED/,
    },
    {
      name: "a token not valid for another five minutes",
      options: () => ({ notBefore: 300 }),
      reason: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"nbf"/,
    },
    {
      name: "a token that never expires (no exp claim)",
      options: () => ({ expiresIn: null }),
      reason: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"exp"/,
    },
    {
      name: "a token signed by a key the configuration does not list",
      options: (k) => ({ key: k.stranger }),
      reason: /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}, saying why`, async () => {
      const claims = c.claims ?? { sub: "mallory", roles: [OPERATOR] };
      const answer = refusal(
        await authenticate(keys.settings, await bearer(keys, claims, c.options?.(keys))),
      );
      assert.equal(answer.status, 401);
      assert.equal(answer.code, "InvalidToken");
      assert.match(answer.message, /^the bearer token was not accepted \(/);
      assert.match(answer.message, c.reason);
    });

  it("refuses every token when the configured key is not a valid public key, naming the token invalid", async () => {
    const broken = keys.settings.bearer!.keys.map((k) =>
      k["kid"] === "ES256" ? { ...k, x: Buffer.alloc(32, 1).toString("base64url") } : k,
    );
    const answer = refusal(
      await authenticate(
        { ...keys.settings, bearer: { ...keys.settings.bearer!, keys: broken } },
        await bearer(keys, { sub: "s", roles: [READER] }),
      ),
    );
    assert.equal(answer.code, "InvalidToken");
    assert.match(answer.message, /^the bearer token was not accepted \(ERR_JWT_INVALID: /);
  });

  it("accepts a token that expired within the minute of clock tolerance", async () => {
    const who = principal(
      await authenticate(
        keys.settings,
        await bearer(keys, { sub: "s", roles: [READER] }, { expiresIn: -30 }),
      ),
    );
    assert.deepEqual(who.roles, ["reader"]);
  });

  it("refuses a token signed with a shared secret (HS256), even one carrying the right claims", async () => {
    const hmac = await new SignJWT({ sub: "mallory", roles: [OPERATOR] })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a shared secret anyone with the config has"));
    const answer = refusal(
      await authenticate(keys.settings, headers({ authorization: `Bearer ${hmac}` })),
    );
    assert.equal(answer.code, "InvalidToken");
  });

  const names: { name: string; claims: JWTPayload; expected: string }[] = [
    {
      name: "preferred_username first",
      claims: { preferred_username: "ada@example.test", upn: "u", appid: "a", azp: "z", sub: "s" },
      expected: "ada@example.test",
    },
    { name: "then upn", claims: { upn: "u", appid: "a", azp: "z", sub: "s" }, expected: "u" },
    { name: "then appid", claims: { appid: "a", azp: "z", sub: "s" }, expected: "a" },
    { name: "then azp", claims: { azp: "z", sub: "s" }, expected: "z" },
    { name: "then sub", claims: { sub: "s" }, expected: "s" },
    {
      name: "skipping empty and non-string claims",
      claims: { preferred_username: "", upn: 7, sub: "s" },
      expected: "s",
    },
    { name: "or says it has none", claims: {}, expected: "unnamed token" },
  ];
  for (const c of names)
    it(`names the caller by its token: ${c.name}`, async () => {
      const who = principal(await authenticate(keys.settings, await bearer(keys, c.claims)));
      assert.equal(who.name, c.expected);
      assert.equal(who.via, "bearer");
    });

  const grants: { name: string; claims: JWTPayload; roles: Role[] }[] = [
    {
      name: "the operator role grants reading and operating",
      claims: { roles: [OPERATOR] },
      roles: ["reader", "operator"],
    },
    { name: "the reader role grants reading only", claims: { roles: [READER] }, roles: ["reader"] },
    {
      name: "both roles grant both",
      claims: { roles: [READER, OPERATOR] },
      roles: ["reader", "operator"],
    },
    {
      name: "any other role grants nothing",
      claims: { roles: ["Tandem.Auditor", "Admin"] },
      roles: [],
    },
    { name: "no roles grant nothing", claims: {}, roles: [] },
    {
      name: "a roles claim that is not a list grants nothing",
      claims: { roles: OPERATOR },
      roles: [],
    },
    {
      name: "the role's name in another claim grants nothing",
      claims: { groups: [OPERATOR], scp: READER },
      roles: [],
    },
  ];
  for (const c of grants)
    it(`bearer roles: ${c.name}`, async () => {
      const who = principal(
        await authenticate(keys.settings, await bearer(keys, { sub: "s", ...c.claims })),
      );
      assert.deepEqual(who.roles, c.roles);
    });
});

describe("the Authorization header", () => {
  let keys: Keys;
  let valid: string;
  before(async () => {
    keys = await sharedKeys;
    valid = await token(keys, { sub: "s", roles: [READER] });
  });

  const cases: { name: string; header: (t: string) => string; code?: string; message?: RegExp }[] =
    [
      { name: "accepts `Bearer <token>`", header: (t) => `Bearer ${t}` },
      { name: "accepts the scheme in any case", header: (t) => `bearer ${t}` },
      { name: "accepts several spaces after the scheme", header: (t) => `Bearer   ${t}` },
      {
        name: "refuses another scheme",
        header: (t) => `Basic ${t}`,
        code: "Unauthenticated",
        message: /must be `Bearer <token>`/,
      },
      {
        name: "refuses a scheme with no token",
        header: () => "Bearer ",
        code: "Unauthenticated",
        message: /must be `Bearer <token>`/,
      },
      {
        name: "refuses a token with no space after the scheme",
        header: (t) => `Bearer${t}`,
        code: "Unauthenticated",
        message: /must be `Bearer <token>`/,
      },
      {
        name: "refuses a scheme with a prefix",
        header: (t) => `XBearer ${t}`,
        code: "Unauthenticated",
        message: /must be `Bearer <token>`/,
      },
      {
        name: "refuses two tokens",
        header: (t) => `Bearer ${t} ${t}`,
        code: "Unauthenticated",
        message: /must be `Bearer <token>`/,
      },
      {
        name: "refuses a token that is not a JWT",
        header: () => "Bearer not-a-jwt",
        code: "InvalidToken",
        message: /ERR_JWS_INVALID/,
      },
    ];
  for (const c of cases)
    it(`${c.name}`, async () => {
      const answer = await authenticate(keys.settings, headers({ authorization: c.header(valid) }));
      if (c.code === undefined) {
        assert.equal(principal(answer).name, "s");
        return;
      }
      const r = refusal(answer);
      assert.equal(r.status, 401);
      assert.equal(r.code, c.code);
      assert.match(r.message, c.message!);
    });

  it("refuses a bearer token when no issuer is configured, and says what to configure", async () => {
    const { bearer: _, ...noBearer } = keys.settings;
    const r = refusal(await authenticate(noBearer, headers({ authorization: `Bearer ${valid}` })));
    assert.equal(r.status, 401);
    assert.equal(r.code, "Unauthenticated");
    assert.match(r.message, /configure api\.bearer \(issuer, audience, keys\)/);
  });

  it("a bad token is refused even where callers without credentials are let in (the sandbox)", async () => {
    const r = refusal(
      await authenticate(
        { ...keys.settings, local: LOCAL },
        headers({ authorization: "Bearer not-a-jwt" }),
      ),
    );
    assert.equal(r.code, "InvalidToken");
  });
});

describe("the App Service Authentication principal", () => {
  let keys: Keys;
  let platform: AuthSettings;
  before(async () => {
    keys = await sharedKeys;
    platform = { ...keys.settings, platform: true };
  });

  const roleCases: { name: string; body: Record<string, unknown>; roles: Role[] }[] = [
    {
      name: "the operator role, under the principal's own role claim type",
      body: { role_typ: "app-roles", claims: [{ typ: "app-roles", val: OPERATOR }] },
      roles: ["reader", "operator"],
    },
    {
      name: "the reader role under `roles`, with no role claim type given",
      body: { claims: [{ typ: "roles", val: READER }] },
      roles: ["reader"],
    },
    {
      name: "the operator role under the Microsoft role claim URI",
      body: { claims: [{ typ: MS_ROLE_CLAIM, val: OPERATOR }] },
      roles: ["reader", "operator"],
    },
    {
      name: "another role grants nothing",
      body: { claims: [{ typ: "roles", val: "Tandem.Auditor" }] },
      roles: [],
    },
    {
      name: "the role's name under a claim that is not a role grants nothing",
      body: { claims: [{ typ: "groups", val: OPERATOR }, { val: OPERATOR }] },
      roles: [],
    },
    {
      name: "an empty role claim type does not make untyped-role claims count",
      body: { role_typ: "", claims: [{ typ: "", val: OPERATOR }] },
      roles: [],
    },
    {
      name: "a role claim type that is not a string counts for nothing",
      body: { role_typ: 7, claims: [{ typ: 7, val: OPERATOR }] },
      roles: [],
    },
    {
      name: "claims that are not a list grant nothing",
      body: { claims: { typ: "roles", val: OPERATOR } },
      roles: [],
    },
  ];
  for (const c of roleCases)
    it(`platform roles: ${c.name}`, async () => {
      const who = principal(
        await authenticate(platform, headers({ "x-ms-client-principal": clientPrincipal(c.body) })),
      );
      assert.deepEqual(who.roles, c.roles);
      assert.equal(who.via, "platform");
    });

  const nameCases: {
    name: string;
    body: Record<string, unknown>;
    nameHeader?: string;
    expected: string;
  }[] = [
    {
      name: "the principal-name header first",
      body: { claims: [{ typ: "name", val: "claim" }] },
      nameHeader: "header@example.test",
      expected: "header@example.test",
    },
    {
      name: "then the claim of the principal's name type",
      body: {
        name_typ: "upn",
        claims: [
          { typ: "name", val: "n" },
          { typ: "upn", val: "u@example.test" },
        ],
      },
      expected: "u@example.test",
    },
    {
      name: "then the `name` claim when no name type is given",
      body: { claims: [{ typ: "name", val: "n@example.test" }] },
      expected: "n@example.test",
    },
    { name: "or says it has none", body: { claims: [] }, expected: "unknown platform principal" },
  ];
  for (const c of nameCases)
    it(`names the platform principal: ${c.name}`, async () => {
      const who = principal(
        await authenticate(
          platform,
          headers({
            "x-ms-client-principal": clientPrincipal(c.body),
            ...(c.nameHeader ? { "x-ms-client-principal-name": c.nameHeader } : {}),
          }),
        ),
      );
      assert.equal(who.name, c.expected);
    });

  it("refuses a principal header that is not base64 JSON", async () => {
    const r = refusal(
      await authenticate(platform, headers({ "x-ms-client-principal": "this is {not json" })),
    );
    assert.equal(r.status, 401);
    assert.equal(r.code, "Unauthenticated");
    assert.match(r.message, /not valid base64 JSON/);
  });

  it("without the platform principal header, a bearer token is still checked", async () => {
    const who = principal(
      await authenticate(platform, await bearer(keys, { sub: "s", roles: [READER] })),
    );
    assert.equal(who.via, "bearer");
    const r = refusal(
      await authenticate(
        platform,
        await bearer(keys, { sub: "s" }, { issuer: "https://evil.test" }),
      ),
    );
    assert.equal(r.code, "InvalidToken");
  });

  const forged: { name: string; extra: Record<string, string>; claimed: string }[] = [
    {
      name: "naming who it claims to be",
      extra: { "x-ms-client-principal-name": "mallory" },
      claimed: "mallory",
    },
    { name: "with no name", extra: {}, claimed: "unknown" },
  ];
  for (const c of forged)
    it(`with the platform off, a principal header is refused, ${c.name}, even where callers without credentials are let in`, async () => {
      const r = refusal(
        await authenticate(
          { ...keys.settings, local: LOCAL },
          headers({
            "x-ms-client-principal": clientPrincipal({ claims: [{ typ: "roles", val: OPERATOR }] }),
            ...c.extra,
          }),
        ),
      );
      assert.equal(r.status, 401);
      assert.equal(r.code, "Unauthenticated");
      assert.match(r.message, /App Service Authentication is not on/);
      assert.equal(r.claimed, c.claimed);
    });
});

describe("callers without credentials", () => {
  const base: AuthSettings = {
    platform: false,
    readerRole: READER,
    operatorRole: OPERATOR,
    observerRole: "Tandem.Observer",
  };

  it("are the configured local principal where one is set (the sandbox)", async () => {
    assert.deepEqual(principal(await authenticate({ ...base, local: LOCAL }, headers({}))), LOCAL);
  });

  it("are refused everywhere else, and told how to sign in", async () => {
    for (const settings of [base, { ...base, platform: true }]) {
      const r = refusal(await authenticate(settings, headers({})));
      assert.equal(r.status, 401);
      assert.equal(r.code, "Unauthenticated");
      assert.match(r.message, /^sign in: App Service Authentication/);
      assert.equal(r.claimed, undefined);
    }
  });
});

describe("authorisation by role", () => {
  const base: AuthSettings = {
    platform: true,
    readerRole: READER,
    operatorRole: OPERATOR,
    observerRole: "Tandem.Observer",
  };
  const as = (...roles: string[]) =>
    headers({
      "x-ms-client-principal": clientPrincipal({
        claims: roles.map((val) => ({ typ: "roles", val })),
      }),
      "x-ms-client-principal-name": "pat@example.test",
    });

  const cases: {
    name: string;
    roles: string[];
    needed: Role;
    allowed: boolean;
    missing?: string;
  }[] = [
    { name: "an operator may operate", roles: [OPERATOR], needed: "operator", allowed: true },
    { name: "an operator may read", roles: [OPERATOR], needed: "reader", allowed: true },
    { name: "a reader may read", roles: [READER], needed: "reader", allowed: true },
    {
      name: "a reader may not operate",
      roles: [READER],
      needed: "operator",
      allowed: false,
      missing: OPERATOR,
    },
    {
      name: "a principal with another role may not read",
      roles: ["Tandem.Auditor"],
      needed: "reader",
      allowed: false,
      missing: READER,
    },
    {
      name: "a principal with no role may not read",
      roles: [],
      needed: "reader",
      allowed: false,
      missing: READER,
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const answer = await authorize(base, as(...c.roles), c.needed);
      if (c.allowed) {
        assert.equal(principal(answer).name, "pat@example.test");
        return;
      }
      const r = refusal(answer);
      assert.equal(r.status, 403);
      assert.equal(r.code, "Forbidden");
      assert.equal(r.message, `pat@example.test does not have the ${c.missing} role this needs`);
      assert.equal(r.claimed, "pat@example.test");
    });

  it("an unauthenticated caller is refused with 401, not 403", async () => {
    const r = refusal(await authorize({ ...base, platform: false }, headers({}), "reader"));
    assert.equal(r.status, 401);
  });
});
