// A browser signed in through App Service Authentication: the platform forwards the access token
// it redeemed for Tandem's API in x-ms-token-aad-access-token, and the API checks it exactly as a
// bearer token (keys discovered from the issuer over loopback HTTPS, issuer, audience, lifetime,
// type, client application). Its client is Tandem's own app registration, which the deployment
// names in TANDEM_API_SIGN_IN_CLIENT_ID; without that setting the same token is refused. The rules
// come from the composition root, from the app settings as the Bicep writes them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UnsecuredJWT } from "jose";
import type { Authentication, HeaderSource } from "../../src/app/auth.js";
import { authenticate } from "../../src/app/auth.js";
import type { AuthSettings } from "../../src/app/runtime.js";
import { tokenRules } from "../../src/compose.js";
import { API_ROLE_DEFAULTS } from "../../src/config/defaults.js";
import { parseConfig } from "../../src/config/index.js";
import { SETTINGS } from "../../src/settings.js";
import { ManualClock, twoRegionConfig } from "../helpers/runtime.js";
import type { LoopbackIssuer } from "../helpers/token-issuer.js";
import { AUDIENCE, startIssuerWith } from "../helpers/token-issuer.js";

/** Never probed here: the configuration needs regions to be valid. */
const URLS = { westeurope: "http://127.0.0.1:9/", northeurope: "http://127.0.0.1:9/" };
/** Easy Auth signs people in as the app registration: the token's client is the audience itself. */
const SIGN_IN_CLIENT = AUDIENCE;
const LOCAL = { name: "sandbox", roles: ["reader", "operator"] as const, via: "local" as const };

const forwarded = (token: string): HeaderSource => ({
  get: (name) => (name === "x-ms-token-aad-access-token" ? token : null),
});

function outcome(answer: Authentication): string {
  return answer.ok
    ? `ok ${answer.principal.name} ${answer.principal.roles.join("+")}`
    : `${answer.status} ${answer.message}`;
}

describe("a browser's access token, forwarded by App Service Authentication", () => {
  let issuer: LoopbackIssuer;
  before(async () => (issuer = await startIssuerWith(["k1"], ["unpublished"])));
  after(() => issuer.close());

  /** The rules as a deployed app has them: from the app settings the Bicep writes. */
  const settings = (
    env: Record<string, string> = {},
    local?: AuthSettings["local"],
  ): AuthSettings => {
    const bearer = tokenRules(
      {
        config: parseConfig(twoRegionConfig(URLS)),
        env: {
          [SETTINGS.apiIssuer]: issuer.issuer,
          [SETTINGS.apiClientId]: AUDIENCE,
          [SETTINGS.apiSignInClientId]: SIGN_IN_CLIENT,
          ...env,
        },
        signingKeys: { ca: issuer.ca },
      },
      new ManualClock(),
    );
    return { ...API_ROLE_DEFAULTS, ...(bearer ? { bearer } : {}), ...(local ? { local } : {}) };
  };
  const check = async (token: string, s = settings()) =>
    outcome(await authenticate(s, forwarded(token)));
  /** What Easy Auth's sign-in redeems: a version 2 access token whose client is the app itself. */
  const browserToken = (claims: Record<string, unknown> = {}, kid = "k1") =>
    issuer.sign({ azp: SIGN_IN_CLIENT, roles: ["Tandem.Reader"], ...claims }, { kid });

  it("is accepted when a key found through the issuer's JWKS signed it", async () => {
    assert.equal(await check(await browserToken()), "ok ada@example.test reader");
  });

  it("is refused when the deployment does not name the sign-in client", async () => {
    assert.equal(
      await check(await browserToken(), settings({ [SETTINGS.apiSignInClientId]: "" })),
      "401 the bearer token was not accepted: its client application is not one this API accepts",
    );
  });

  const refusals: { name: string; token: () => Promise<string>; why: string }[] = [
    {
      name: "forged: signed by a key the issuer does not publish",
      token: () => issuer.sign({ azp: SIGN_IN_CLIENT }, { kid: "k1", signedBy: "unpublished" }),
      why: "its signature does not verify",
    },
    {
      name: "forged: a key id the issuer does not know",
      token: () => browserToken({}, "unpublished"),
      why: "no key of its issuer signed it",
    },
    {
      name: "unsigned (alg none)",
      token: async () =>
        new UnsecuredJWT({ azp: SIGN_IN_CLIENT, roles: ["Tandem.Operator"] })
          .setIssuer(issuer.issuer)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime("1h")
          .encode(),
      why: "its algorithm is not allowed",
    },
    {
      name: "the ID token of the same sign-in",
      token: () => issuer.sign({ azp: undefined, nonce: "n-0S6_WzA2Mj", roles: ["Tandem.Reader"] }),
      why: 'it is an ID token, not an access token (it has "nonce")',
    },
    {
      name: "an access token for another audience",
      token: () =>
        issuer.sign(
          { azp: SIGN_IN_CLIENT, roles: ["Tandem.Reader"] },
          { audience: "https://graph.microsoft.com" },
        ),
      why: "it is for another audience",
    },
  ];
  for (const r of refusals)
    it(`is refused when it is ${r.name}`, async () => {
      assert.equal(await check(await r.token()), `401 the bearer token was not accepted: ${r.why}`);
    });

  it("locally, grants nothing unless it verifies: a forged one is refused, not taken for the sandbox's principal", async () => {
    const local = settings({}, LOCAL);
    assert.equal(
      outcome(await authenticate(local, { get: () => null })),
      "ok sandbox reader+operator",
    );
    const forged = await issuer.sign(
      { azp: SIGN_IN_CLIENT, roles: ["Tandem.Operator"], preferred_username: "mallory" },
      { kid: "k1", signedBy: "unpublished" },
    );
    assert.equal(
      await check(forged, local),
      "401 the bearer token was not accepted: its signature does not verify",
    );
    assert.equal(await check(await browserToken(), local), "ok ada@example.test reader");
  });
});
