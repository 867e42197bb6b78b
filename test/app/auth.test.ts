// Who may call the API: the access token checks (signature, algorithm, issuer, audience,
// lifetime, age, token type, client application), the headers nothing is believed from, and the
// roles each token grants. Each scenario is a request's headers and what the caller must (or must
// not) become. The keys here are listed (api.bearer.keys); auth-keys.test.ts discovers them.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { before, describe, it } from "node:test";
import { CompactSign, SignJWT, exportJWK } from "jose";
import type { JWTPayload } from "jose";
import { listedKeys } from "../../src/adapters/keys/listed-keys.js";
import type { Authentication, HeaderSource, Principal, Role } from "../../src/app/auth.js";
import { authenticate, authorize, authorizeObserver } from "../../src/app/auth.js";
import type { AuthSettings } from "../../src/app/runtime.js";
import { AZURE_CLI_APP_ID } from "../../src/config/defaults.js";
import { AUDIENCE, accessTokenClaims } from "../helpers/token-issuer.js";

const ISSUER = "https://login.example.test/tenant/v2.0";
const READER = "Tandem.Reader";
const OPERATOR = "Tandem.Operator";
const OBSERVER = "Tandem.Observer";
/** A daemon's (or a peer observer's) identity, allowed beside the Azure CLI. */
const DAEMON = "dddddddd-0000-0000-0000-00000000000d";
const STRANGER_APP = "eeeeeeee-0000-0000-0000-00000000000e";
const MAX_AGE_SECONDS = 7200;

function headers(values: Record<string, string>): HeaderSource {
  const lower = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}

/** The x-ms-client-principal header App Service Authentication sets (and anyone can send). */
function clientPrincipal(roles: string[]): string {
  return Buffer.from(
    JSON.stringify({ auth_typ: "aad", claims: roles.map((val) => ({ typ: "roles", val })) }),
  ).toString("base64");
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
      bearer: {
        issuer: ISSUER,
        audience: AUDIENCE,
        clientApps: [AZURE_CLI_APP_ID, DAEMON],
        maxAgeSeconds: MAX_AGE_SECONDS,
        keys: listedKeys(jwks),
      },
      readerRole: READER,
      operatorRole: OPERATOR,
      observerRole: OBSERVER,
    },
  };
}

interface TokenOptions {
  readonly alg?: Alg | "HS256";
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds from now; `null`: no exp claim. */
  readonly expiresIn?: number | null;
  /** Seconds ago; `null`: no iat claim. */
  readonly issuedAgo?: number | null;
  readonly notBefore?: number;
  readonly key?: KeyObject;
  readonly kid?: string;
  /** The typ header (`JWT` by default, as Entra's); `null`: none. */
  readonly typ?: string | null;
}

/** One set of keys for the whole file: RSA key generation takes most of a second. */
const sharedKeys = makeKeys();

const seconds = () => Math.floor(Date.now() / 1000);

/** A token with exactly these claims (plus iss, aud, iat, exp). */
async function token(keys: Keys, claims: JWTPayload, o: TokenOptions = {}): Promise<string> {
  const alg = o.alg ?? "ES256";
  const kid = o.kid ?? (alg.startsWith("ES") ? alg : "rsa");
  const typ = o.typ === undefined ? "JWT" : o.typ;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg, kid, ...(typ === null ? {} : { typ }) })
    .setIssuer(o.issuer ?? ISSUER)
    .setAudience(o.audience ?? AUDIENCE);
  if (o.issuedAgo !== null) jwt = jwt.setIssuedAt(seconds() - (o.issuedAgo ?? 0));
  if (o.expiresIn !== null) jwt = jwt.setExpirationTime(seconds() + (o.expiresIn ?? 600));
  if (o.notBefore !== undefined) jwt = jwt.setNotBefore(seconds() + o.notBefore);
  if (alg === "HS256")
    return jwt.sign(new TextEncoder().encode("a shared secret anyone with the config has"));
  return jwt.sign(o.key ?? (alg.startsWith("ES") ? keys.ec[alg as keyof Keys["ec"]] : keys.rsa));
}

/** An access token as Entra issues it to the Azure CLI, with these claims on top. */
const access = (keys: Keys, claims: JWTPayload = {}, o?: TokenOptions) =>
  token(keys, accessTokenClaims(claims), o);

const bearer = async (keys: Keys, claims: JWTPayload = {}, o?: TokenOptions) =>
  headers({ authorization: `Bearer ${await access(keys, claims, o)}` });

function principal(answer: Authentication): Principal {
  assert.ok(answer.ok, `expected a principal, got ${JSON.stringify(answer)}`);
  return answer.principal;
}

function refusal(answer: Authentication) {
  assert.ok(!answer.ok, `expected a refusal, got ${JSON.stringify(answer)}`);
  return answer;
}

/** What a refusal must never tell a caller not yet known: how Tandem is configured. */
function describesNoConfiguration(message: string) {
  for (const secret of [
    ISSUER,
    "login.example.test",
    AUDIENCE,
    READER,
    OPERATOR,
    OBSERVER,
    AZURE_CLI_APP_ID,
    DAEMON,
    "ES256",
    "rsa",
  ])
    assert.ok(!message.includes(secret), `"${message}" gives away ${secret}`);
}

describe("access tokens", () => {
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
        await authenticate(keys.settings, await bearer(keys, { roles: [READER] }, { alg })),
      );
      assert.deepEqual(who, { name: "ada@example.test", roles: ["reader"], via: "bearer" });
    });

  const accepted: { name: string; claims?: JWTPayload; options?: TokenOptions }[] = [
    { name: "an Entra access token (typ JWT)" },
    { name: "an RFC 9068 access token (typ at+jwt)", options: { typ: "at+jwt" } },
    { name: "typ application/at+jwt", options: { typ: "application/at+jwt" } },
    { name: "typ in lower case", options: { typ: "jwt" } },
    { name: "a token without a typ header", options: { typ: null } },
    {
      name: "a version 1 token, its client in appid",
      claims: { ver: "1.0", azp: undefined, appid: AZURE_CLI_APP_ID },
    },
    {
      name: "an application's token (client credentials), its client allowed",
      claims: { azp: DAEMON, scp: undefined, preferred_username: undefined },
    },
    {
      name: "a token that expired within the minute of clock tolerance",
      options: { expiresIn: -30 },
    },
    {
      name: "a token issued just under the maximum age ago (still unexpired)",
      options: { issuedAgo: MAX_AGE_SECONDS - 60, expiresIn: 600 },
    },
    {
      name: "a token issued within the minute of clock tolerance in the future",
      options: { issuedAgo: -30 },
    },
  ];
  for (const c of accepted)
    it(`accepts ${c.name}`, async () => {
      const who = principal(
        await authenticate(
          keys.settings,
          await bearer(keys, { roles: [READER], ...c.claims }, c.options),
        ),
      );
      assert.deepEqual(who.roles, ["reader"]);
      assert.equal(who.via, "bearer");
    });

  const refused: {
    name: string;
    claims?: JWTPayload;
    /** The whole payload, instead of an access token's claims. */
    payload?: JWTPayload;
    options?: (keys: Keys) => TokenOptions;
    why: string;
    detail: RegExp;
  }[] = [
    {
      name: "a token from another issuer",
      options: () => ({ issuer: "https://login.example.test/other-tenant/v2.0" }),
      why: "it is from another issuer",
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"iss"/,
    },
    {
      name: "a token for another audience",
      options: () => ({ audience: "api://other" }),
      why: "it is for another audience",
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"aud"/,
    },
    {
      name: "a token that expired two minutes ago (beyond the minute of clock tolerance)",
      options: () => ({ expiresIn: -120 }),
      why: "it has expired",
      detail: /ERR_JWT_EXPIRED.*"exp"/,
    },
    {
      name: "a token not valid for another five minutes",
      options: () => ({ notBefore: 300 }),
      why: "it is not valid yet",
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"nbf"/,
    },
    {
      name: "a token that never expires (no exp claim)",
      options: () => ({ expiresIn: null }),
      why: 'it has no "exp" claim',
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
    },
    {
      name: "a token that does not say when it was issued (no iat claim)",
      options: () => ({ issuedAgo: null }),
      why: 'it has no "iat" claim',
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED/,
    },
    {
      name: "a token older than the maximum age, though not expired (a day-long token)",
      options: () => ({ issuedAgo: MAX_AGE_SECONDS + 120, expiresIn: 20 * 3600 }),
      why: "it was issued too long ago",
      detail: /ERR_JWT_EXPIRED.*"iat"/,
    },
    {
      name: "a token issued five minutes in the future",
      options: () => ({ issuedAgo: -300 }),
      why: 'its "iat" claim is not valid',
      detail: /ERR_JWT_CLAIM_VALIDATION_FAILED.*"iat"/,
    },
    {
      name: "a token signed by a key the configuration does not list, under a listed key id",
      options: (k) => ({ key: k.stranger }),
      why: "its signature does not verify",
      detail: /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/,
    },
    {
      name: "a token naming a key id the configuration does not list",
      options: (k) => ({ key: k.stranger, kid: "made-up" }),
      why: "no key of its issuer signed it",
      detail: /ERR_JWKS_NO_MATCHING_KEY/,
    },
    {
      name: "a token signed with a shared secret (HS256), even one carrying the right claims",
      options: () => ({ alg: "HS256" }),
      why: "its algorithm is not allowed",
      detail: /ERR_JOSE_ALG_NOT_ALLOWED/,
    },
    {
      name: "a token whose typ is not an access token's",
      options: () => ({ typ: "id_token+jwt" }),
      why: 'it is not an access token (typ "id_token+jwt")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a token whose typ only starts like an access token's",
      options: () => ({ typ: "at+jwt.id" }),
      why: 'it is not an access token (typ "at+jwt.id")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "an Entra version 2 ID token: its audience is the client, and it has a nonce",
      payload: {
        ver: "2.0",
        tid: "t",
        sub: "s",
        oid: "o",
        nonce: "n-0S6_WzA2Mj",
        preferred_username: "ada@example.test",
        roles: [OPERATOR],
      },
      why: 'it is an ID token, not an access token (it has "nonce")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "an ID token from the hybrid flow, with a client id in azp (it has at_hash)",
      claims: { at_hash: "77QmUPtjPfzWtF2AnpK9RQ", scp: undefined },
      why: 'it is an ID token, not an access token (it has "at_hash")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "an ID token with c_hash",
      claims: { c_hash: "LDktKdoQak3Pk0cnXxCltA" },
      why: 'it is an ID token, not an access token (it has "c_hash")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "an ID token with s_hash",
      claims: { s_hash: "x" },
      why: 'it is an ID token, not an access token (it has "s_hash")',
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a token that names no client application (an ID token without nonce or hashes)",
      payload: { ver: "2.0", sub: "s", preferred_username: "ada@example.test", roles: [OPERATOR] },
      why: "it names no client application (azp or appid): not an access token",
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a token whose client application names are empty",
      claims: { azp: "", appid: "" },
      why: "it names no client application (azp or appid): not an access token",
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a token from a client application that is not allowed (azp)",
      claims: { azp: STRANGER_APP },
      why: "its client application is not one this API accepts",
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a version 1 token from a client application that is not allowed (appid)",
      claims: { azp: undefined, appid: STRANGER_APP },
      why: "its client application is not one this API accepts",
      detail: /NOT_ACCEPTED/,
    },
    {
      name: "a token whose azp is not allowed, even with an allowed appid beside it",
      claims: { azp: STRANGER_APP, appid: AZURE_CLI_APP_ID },
      why: "its client application is not one this API accepts",
      detail: /NOT_ACCEPTED/,
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}, saying why and nothing of the configuration`, async () => {
      const payload = c.payload ?? accessTokenClaims({ roles: [OPERATOR], ...c.claims });
      const jwt = await token(keys, payload, c.options?.(keys));
      const answer = refusal(
        await authenticate(keys.settings, headers({ authorization: `Bearer ${jwt}` })),
      );
      assert.equal(answer.status, 401);
      assert.equal(answer.code, "InvalidToken");
      assert.equal(answer.message, `the bearer token was not accepted: ${c.why}`);
      assert.match(answer.detail!, c.detail);
      describesNoConfiguration(answer.message);
    });

  it("refuses a signed JWS that is no JWT (its payload is no claims set)", async () => {
    const jws = await new CompactSign(new TextEncoder().encode('"not a claims set"'))
      .setProtectedHeader({ alg: "ES256", kid: "ES256", typ: "JWT" })
      .sign(keys.ec.ES256);
    const answer = refusal(
      await authenticate(keys.settings, headers({ authorization: `Bearer ${jws}` })),
    );
    assert.equal(answer.message, "the bearer token was not accepted: it is not a well-formed JWT");
    assert.match(answer.detail!, /^ERR_JWT_INVALID: /);
  });

  it("refuses every token when the configured key is not a valid public key", async () => {
    const broken = listedKeys([
      {
        ...(await exportJWK(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey)),
        x: Buffer.alloc(32, 1).toString("base64url"),
        kid: "ES256",
      },
    ]);
    const answer = refusal(
      await authenticate(
        { ...keys.settings, bearer: { ...keys.settings.bearer!, keys: broken } },
        await bearer(keys, { roles: [READER] }),
      ),
    );
    assert.equal(answer.code, "InvalidToken");
    assert.equal(answer.message, "the bearer token was not accepted: it could not be verified");
  });

  const names: { name: string; claims: JWTPayload; expected: string }[] = [
    {
      name: "preferred_username first",
      claims: { preferred_username: "ada@example.test", upn: "u", sub: "s" },
      expected: "ada@example.test",
    },
    { name: "then upn", claims: { preferred_username: undefined, upn: "u" }, expected: "u" },
    {
      name: "then its client application (appid): an application's own token",
      claims: { preferred_username: undefined, azp: undefined, appid: DAEMON },
      expected: DAEMON,
    },
    {
      name: "then its client application (azp)",
      claims: { preferred_username: undefined, sub: "s" },
      expected: AZURE_CLI_APP_ID,
    },
    {
      name: "skipping empty and non-string claims",
      claims: { preferred_username: "", upn: 7 },
      expected: AZURE_CLI_APP_ID,
    },
  ];
  for (const c of names)
    it(`names the caller by its token: ${c.name}`, async () => {
      const who = principal(await authenticate(keys.settings, await bearer(keys, c.claims)));
      assert.equal(who.name, c.expected);
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
      name: "the observer role grants observing only, not reading",
      claims: { roles: [OBSERVER] },
      roles: ["observer"],
    },
    {
      name: "the observer and operator roles grant all three",
      claims: { roles: [OBSERVER, OPERATOR] },
      roles: ["reader", "operator", "observer"],
    },
    {
      name: "the observer and reader roles grant reading and observing",
      claims: { roles: [READER, OBSERVER] },
      roles: ["reader", "observer"],
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
      claims: { groups: [OPERATOR], scp: READER, wids: [OBSERVER] },
      roles: [],
    },
  ];
  for (const c of grants)
    it(`roles: ${c.name}`, async () => {
      const who = principal(await authenticate(keys.settings, await bearer(keys, c.claims)));
      assert.deepEqual(who.roles, c.roles);
    });
});

describe("where the token comes from", () => {
  let keys: Keys;
  let valid: string;
  before(async () => {
    keys = await sharedKeys;
    valid = await access(keys, { roles: [READER] });
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
        message: /^the bearer token was not accepted: it is not a well-formed JWT$/,
      },
    ];
  for (const c of cases)
    it(`the Authorization header: ${c.name}`, async () => {
      const answer = await authenticate(keys.settings, headers({ authorization: c.header(valid) }));
      if (c.code === undefined) {
        assert.equal(principal(answer).name, "ada@example.test");
        return;
      }
      const r = refusal(answer);
      assert.equal(r.status, 401);
      assert.equal(r.code, c.code);
      assert.match(r.message, c.message!);
    });

  it("takes the access token App Service Authentication forwards, checked the same way", async () => {
    const who = principal(
      await authenticate(keys.settings, headers({ "x-ms-token-aad-access-token": ` ${valid} ` })),
    );
    assert.deepEqual(who, { name: "ada@example.test", roles: ["reader"], via: "bearer" });
    const idToken = await token(keys, { sub: "s", nonce: "n", roles: [OPERATOR] });
    const r = refusal(
      await authenticate(keys.settings, headers({ "x-ms-token-aad-access-token": idToken })),
    );
    assert.equal(r.code, "InvalidToken");
    const empty = refusal(
      await authenticate(keys.settings, headers({ "x-ms-token-aad-access-token": " " })),
    );
    assert.equal(empty.code, "Unauthenticated");
  });

  it("the Authorization header comes before a forwarded token", async () => {
    const operator = await access(keys, { roles: [OPERATOR] });
    const who = principal(
      await authenticate(
        keys.settings,
        headers({ authorization: `Bearer ${valid}`, "x-ms-token-aad-access-token": operator }),
      ),
    );
    assert.deepEqual(who.roles, ["reader"]);
  });

  it("refuses every token when no issuer is configured, without saying what to configure", async () => {
    const { bearer: _, ...noBearer } = keys.settings;
    const r = refusal(await authenticate(noBearer, headers({ authorization: `Bearer ${valid}` })));
    assert.equal(r.status, 401);
    assert.equal(r.code, "InvalidToken");
    assert.equal(r.message, "the bearer token was not accepted");
    assert.match(r.detail!, /api\.bearer/);
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

describe("x-ms-client-principal is never proof", () => {
  let keys: Keys;
  before(async () => {
    keys = await sharedKeys;
  });

  const forged: { name: string; extra: Record<string, string>; claimed: string }[] = [
    {
      name: "naming who it claims to be",
      extra: { "x-ms-client-principal-name": "mallory" },
      claimed: "mallory",
    },
    { name: "with no name", extra: {}, claimed: "unknown" },
  ];
  for (const local of [false, true])
    for (const c of forged)
      it(`alone, it is refused, ${c.name}${local ? ", even where callers without credentials are let in" : ""}`, async () => {
        const r = refusal(
          await authenticate(
            { ...keys.settings, ...(local ? { local: LOCAL } : {}) },
            headers({ "x-ms-client-principal": clientPrincipal([OPERATOR]), ...c.extra }),
          ),
        );
        assert.equal(r.status, 401);
        assert.equal(r.code, "Unauthenticated");
        assert.match(r.message, /^x-ms-client-principal is not proof of who is calling: send/);
        assert.equal(r.claimed, c.claimed);
        describesNoConfiguration(r.message);
      });

  it("beside a valid token, the token alone decides", async () => {
    const both = headers({
      authorization: `Bearer ${await access(keys, { roles: [READER] })}`,
      "x-ms-client-principal": clientPrincipal([OPERATOR]),
      "x-ms-client-principal-name": "mallory",
    });
    const reader = principal(await authenticate(keys.settings, both));
    assert.deepEqual(reader, { name: "ada@example.test", roles: ["reader"], via: "bearer" });
  });

  it("beside a token the platform would have checked, the token is still checked", async () => {
    const r = refusal(
      await authenticate(
        keys.settings,
        headers({
          authorization: "Bearer already-validated-by-the-platform",
          "x-ms-client-principal": clientPrincipal([READER]),
        }),
      ),
    );
    assert.equal(r.code, "InvalidToken");
  });
});

describe("callers without credentials", () => {
  const base: AuthSettings = {
    readerRole: READER,
    operatorRole: OPERATOR,
    observerRole: OBSERVER,
  };

  it("are the configured local principal where one is set (the sandbox)", async () => {
    assert.deepEqual(principal(await authenticate({ ...base, local: LOCAL }, headers({}))), LOCAL);
  });

  it("are refused everywhere else, told how to sign in and nothing of the configuration", async () => {
    const { settings } = await sharedKeys;
    for (const s of [base, settings]) {
      const r = refusal(await authenticate(s, headers({})));
      assert.equal(r.status, 401);
      assert.equal(r.code, "Unauthenticated");
      assert.match(r.message, /^sign in: send an access token for Tandem's API/);
      assert.equal(r.claimed, undefined);
      describesNoConfiguration(r.message);
    }
  });
});

describe("authorisation by role", () => {
  let keys: Keys;
  before(async () => {
    keys = await sharedKeys;
  });
  const as = async (name: string, ...roles: string[]) =>
    bearer(keys, { preferred_username: name, roles });

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
    { name: "an observer may observe", roles: [OBSERVER], needed: "observer", allowed: true },
    {
      name: "a reader may not operate",
      roles: [READER],
      needed: "operator",
      allowed: false,
      missing: OPERATOR,
    },
    {
      name: "an observer may not read",
      roles: [OBSERVER],
      needed: "reader",
      allowed: false,
      missing: READER,
    },
    {
      name: "an observer may not operate",
      roles: [OBSERVER],
      needed: "operator",
      allowed: false,
      missing: OPERATOR,
    },
    {
      name: "an operator may not observe",
      roles: [OPERATOR],
      needed: "observer",
      allowed: false,
      missing: OBSERVER,
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
      const answer = await authorize(
        keys.settings,
        await as("pat@example.test", ...c.roles),
        c.needed,
      );
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

  it("authorizeObserver lets in the observer role and nothing else", async () => {
    assert.ok((await authorizeObserver(keys.settings, await as("peer", OBSERVER))).ok);
    for (const roles of [[OPERATOR], [READER, OPERATOR], []]) {
      const r = refusal(await authorizeObserver(keys.settings, await as("op", ...roles)));
      assert.equal(r.status, 403);
      assert.equal(r.message, `op does not have the ${OBSERVER} role this needs`);
    }
    const local = refusal(await authorizeObserver({ ...keys.settings, local: LOCAL }, headers({})));
    assert.equal(local.status, 403, "the sandbox's local operator is no observer");
  });

  it("a long name in a refusal is cut to 40 characters and escaped", async () => {
    const name = `\u202e${"m".repeat(100)}`;
    const r = refusal(await authorize(keys.settings, await as(name, READER), "operator"));
    assert.equal(
      r.message,
      `\\u{202e}${"m".repeat(39)}... (101 characters) does not have the ${OPERATOR} role this needs`,
    );
    assert.equal(r.claimed, name);
  });

  it("an unauthenticated caller is refused with 401, not 403", async () => {
    const r = refusal(await authorize(keys.settings, headers({}), "reader"));
    assert.equal(r.status, 401);
  });
});
