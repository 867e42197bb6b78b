// The token issuer's keys found as Entra ID publishes them: discovered from the issuer
// (`/.well-known/openid-configuration`, then `jwks_uri`) on a loopback HTTPS issuer, cached, read
// again for a key rolled in, at most once per cooldown however many unknown key ids arrive, kept
// when a read fails, and refused (503, not 401) when none could ever be read. The rules come from
// the composition root, from `api.bearer` or from the deployment's app settings.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Authentication, HeaderSource } from "../../src/app/auth.js";
import { authenticate } from "../../src/app/auth.js";
import type { AuthSettings } from "../../src/app/runtime.js";
import { discoveryUrl } from "../../src/adapters/keys/discovered-keys.js";
import { tokenRules } from "../../src/compose.js";
import { API_ROLE_DEFAULTS } from "../../src/config/defaults.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import { SETTINGS } from "../../src/settings.js";
import { ManualClock, twoRegionConfig } from "../helpers/runtime.js";
import type { LoopbackIssuer } from "../helpers/token-issuer.js";
import { AUDIENCE, startIssuerWith } from "../helpers/token-issuer.js";

const COOLDOWN_MS = 10_000;
const MAX_AGE_MS = 3_600_000;
const DAEMON = "dddddddd-0000-0000-0000-00000000000d";
/** Never probed here: the configuration needs regions to be valid. */
const URLS = { westeurope: "http://127.0.0.1:9/", northeurope: "http://127.0.0.1:9/" };

const bearerHeader = (token: string): HeaderSource => ({
  get: (name) => (name === "authorization" ? `Bearer ${token}` : null),
});

function outcome(answer: Authentication): string {
  return answer.ok
    ? `ok ${answer.principal.roles.join("+")}`
    : `${answer.status} ${answer.message}`;
}

describe("signing keys discovered from the issuer", () => {
  let issuer: LoopbackIssuer;
  before(async () => (issuer = await startIssuerWith(["k1"], ["k2", "made-up"])));
  after(() => issuer.close());

  /** Fresh rules (an empty key cache) from a configuration's `api`, and the app settings. */
  const fresh = (api: TandemConfigInput["api"] | undefined, env: Record<string, string> = {}) => {
    const clock = new ManualClock();
    const config = parseConfig({ ...twoRegionConfig(URLS), ...(api ? { api } : {}) });
    const bearer = tokenRules(
      {
        config,
        env,
        signingKeys: { ca: issuer.ca, cooldownMs: COOLDOWN_MS, maxAgeMs: MAX_AGE_MS },
      },
      clock,
    );
    const settings: AuthSettings = { ...API_ROLE_DEFAULTS, ...(bearer ? { bearer } : {}) };
    return {
      clock,
      bearer,
      settings,
      check: async (token: string) => outcome(await authenticate(settings, bearerHeader(token))),
    };
  };
  const configured = () =>
    fresh({ bearer: { issuer: issuer.issuer, audience: AUDIENCE, clientApps: undefined } });
  /** What the issuer was asked since `before`. */
  const asked = (before: { discovery: number; jwks: number }) => ({
    discovery: issuer.served.discovery - before.discovery,
    jwks: issuer.served.jwks - before.jwks,
  });

  it("accepts a token signed by a key found through discovery, and reads the keys once", async () => {
    const { check } = configured();
    const start = { ...issuer.served };
    assert.equal(await check(await issuer.sign({ roles: ["Tandem.Reader"] })), "ok reader");
    assert.equal(
      await check(await issuer.sign({ roles: ["Tandem.Operator"] })),
      "ok reader+operator",
    );
    assert.deepEqual(asked(start), { discovery: 1, jwks: 1 });
  });

  it("finds a key rolled in after the keys were read, without a restart", async () => {
    const { check, clock } = configured();
    assert.equal(await check(await issuer.sign({ roles: ["Tandem.Reader"] })), "ok reader");
    issuer.publish("k1", "k2");
    try {
      clock.advance(COOLDOWN_MS);
      const start = { ...issuer.served };
      const rolled = await issuer.sign({ roles: ["Tandem.Reader"] }, { kid: "k2" });
      assert.equal(await check(rolled), "ok reader");
      assert.deepEqual(asked(start), { discovery: 1, jwks: 1 }, "read again once, for the new kid");
      assert.equal(await check(rolled), "ok reader");
      assert.deepEqual(asked(start), { discovery: 1, jwks: 1 }, "and then known");
    } finally {
      issuer.publish("k1");
    }
  });

  it("a flood of unknown key ids reads the issuer at most once per cooldown", async () => {
    const { check, clock } = configured();
    assert.equal(await check(await issuer.sign()), "ok ");
    const start = { ...issuer.served };
    const flood = async () =>
      Promise.all(
        Array.from({ length: 25 }, async (_, i) =>
          check(await issuer.sign({}, { kid: `unknown-${i}`, signedBy: "made-up" })),
        ),
      );
    for (const answer of await flood())
      assert.equal(answer, "401 the bearer token was not accepted: no key of its issuer signed it");
    assert.deepEqual(
      asked(start),
      { discovery: 0, jwks: 0 },
      "within the cooldown of the first read",
    );
    clock.advance(COOLDOWN_MS);
    await flood();
    await flood();
    assert.deepEqual(asked(start), { discovery: 1, jwks: 1 }, "one read for two floods");
  });

  it("drops a key rolled out once the keys are older than their cache age", async () => {
    const { check, clock } = configured();
    const old = await issuer.sign({}, { kid: "k1" });
    assert.equal(await check(old), "ok ");
    issuer.publish("k2");
    try {
      clock.advance(MAX_AGE_MS - 1);
      assert.equal(await check(old), "ok ", "still cached");
      clock.advance(1);
      assert.equal(
        await check(old),
        "401 the bearer token was not accepted: no key of its issuer signed it",
      );
    } finally {
      issuer.publish("k1");
    }
  });

  it("keeps the keys it has when a later read fails", async () => {
    const { check, clock } = configured();
    const token = await issuer.sign();
    assert.equal(await check(token), "ok ");
    issuer.fail(true);
    try {
      clock.advance(MAX_AGE_MS);
      const start = { ...issuer.served };
      assert.equal(await check(token), "ok ");
      assert.equal(await check(token), "ok ");
      assert.deepEqual(asked(start), { discovery: 1, jwks: 0 }, "one attempt per cooldown");
    } finally {
      issuer.fail(false);
    }
  });

  it("without any keys, answers 503 (Tandem's fault, not the caller's), and asks again only after the cooldown", async () => {
    const { check, clock, settings } = configured();
    const token = await issuer.sign();
    issuer.fail(true);
    try {
      const start = { ...issuer.served };
      const unavailable =
        "503 the token cannot be checked now: the issuer's signing keys could not be read; try again shortly";
      assert.equal(await check(token), unavailable);
      const answer = await authenticate(settings, bearerHeader(token));
      assert.ok(!answer.ok && answer.code === "KeysUnavailable", JSON.stringify(answer));
      assert.equal(
        answer.detail,
        `the signing keys of ${issuer.issuer} could not be read: https://127.0.0.1:${new URL(issuer.issuer).port}/tenant/v2.0/.well-known/openid-configuration answered 503`,
      );
      assert.deepEqual(asked(start), { discovery: 1, jwks: 0 });
      issuer.fail(false);
      assert.equal(await check(token), unavailable, "still within the cooldown");
      clock.advance(COOLDOWN_MS);
      assert.equal(await check(token), "ok ");
      assert.deepEqual(asked(start), { discovery: 2, jwks: 1 });
    } finally {
      issuer.fail(false);
    }
  });

  const untrusted: { name: string; fields: Record<string, unknown> | null; why: string }[] = [
    {
      name: "names another issuer",
      fields: { issuer: "https://login.example.test/other/v2.0" },
      why: "the discovery document names another issuer",
    },
    {
      name: "is no object",
      fields: null,
      why: "the discovery document names another issuer",
    },
    {
      name: "names its keys over plain http",
      fields: { jwks_uri: "http://127.0.0.1:1/keys" },
      why: "the discovery document has no https jwks_uri",
    },
    {
      name: "names no keys",
      fields: { jwks_uri: undefined },
      why: "the discovery document has no https jwks_uri",
    },
  ];
  for (const c of untrusted)
    it(`does not take keys from a discovery document that ${c.name}`, async () => {
      const { settings } = configured();
      issuer.discovery(c.fields);
      try {
        const answer = await authenticate(settings, bearerHeader(await issuer.sign()));
        assert.ok(!answer.ok && answer.status === 503, JSON.stringify(answer));
        assert.equal(
          answer.detail,
          `the signing keys of ${issuer.issuer} could not be read: ${c.why}`,
        );
      } finally {
        issuer.discovery({});
      }
    });

  it("requests that arrive together while the keys are first read all wait for that one read", async () => {
    const { check } = configured();
    const start = { ...issuer.served };
    const tokens = await Promise.all([issuer.sign(), issuer.sign(), issuer.sign()]);
    assert.deepEqual(await Promise.all(tokens.map(check)), ["ok ", "ok ", "ok "]);
    assert.deepEqual(asked(start), { discovery: 1, jwks: 1 });
  });

  it("a token with a known key id and a forged signature never makes it read the keys again", async () => {
    const { check, clock } = configured();
    const good = await issuer.sign();
    assert.equal(await check(good), "ok ");
    clock.advance(COOLDOWN_MS);
    const start = { ...issuer.served };
    const forged = await issuer.sign({ roles: ["Tandem.Operator"] }, { signedBy: "made-up" });
    assert.equal(
      await check(forged),
      "401 the bearer token was not accepted: its signature does not verify",
    );
    assert.deepEqual(asked(start), { discovery: 0, jwks: 0 });
  });

  it("two keys under one key id: refused, without reading the keys again (only an unknown kid does)", async () => {
    issuer.publish("k1", "k1@twin", "k2@twin");
    try {
      const { check, clock } = configured();
      assert.equal(await check(await issuer.sign()), "ok ");
      clock.advance(COOLDOWN_MS);
      const start = { ...issuer.served };
      assert.equal(
        await check(await issuer.sign({}, { kid: "twin", signedBy: "k2" })),
        "401 the bearer token was not accepted: it could not be verified",
      );
      assert.deepEqual(asked(start), { discovery: 0, jwks: 0 });
    } finally {
      issuer.publish("k1");
    }
  });

  it("finds the discovery document under the issuer, whatever slashes end it", () => {
    for (const end of ["", "/", "//"])
      assert.equal(
        discoveryUrl(`https://login.example.test/tenant/v2.0${end}`),
        "https://login.example.test/tenant/v2.0/.well-known/openid-configuration",
      );
  });

  it("the deployment's app settings name the issuer and audience when the configuration does not", async () => {
    const { check, bearer } = fresh(undefined, {
      [SETTINGS.apiIssuer]: issuer.issuer,
      [SETTINGS.apiClientId]: AUDIENCE,
    });
    assert.equal(bearer?.maxAgeSeconds, 7200);
    assert.equal(await check(await issuer.sign({ roles: ["Tandem.Reader"] })), "ok reader");
    assert.equal(
      await check(await issuer.sign({ azp: DAEMON })),
      "401 the bearer token was not accepted: its client application is not one this API accepts",
      "only the Azure CLI by default",
    );
    assert.equal(
      await check(await issuer.sign({}, { issuedAgo: 7200 + 120, expiresIn: 3600 })),
      "401 the bearer token was not accepted: it was issued too long ago",
    );
  });

  it("Tandem's own identity (AZURE_CLIENT_ID) is an allowed client: a peer observer's token passes", async () => {
    const identity = "1d1d1d1d-0000-0000-0000-000000000001";
    const peerToken = (azp: string) =>
      issuer.sign({
        azp,
        roles: ["Tandem.Observer"],
        preferred_username: undefined,
        scp: undefined,
      });
    for (const api of [undefined, { bearer: { issuer: issuer.issuer, audience: AUDIENCE } }]) {
      const { check } = fresh(api, {
        [SETTINGS.apiIssuer]: issuer.issuer,
        [SETTINGS.apiClientId]: AUDIENCE,
        [SETTINGS.identityClientId]: identity,
      });
      assert.equal(await check(await peerToken(identity)), "ok observer");
      assert.match(await check(await peerToken(DAEMON)), /client application is not one/);
      assert.equal(await check(await issuer.sign({ roles: ["Tandem.Reader"] })), "ok reader");
    }
  });

  it("the configuration's clients and maximum age replace the defaults", async () => {
    const { check } = fresh({
      bearer: { issuer: issuer.issuer, audience: AUDIENCE, clientApps: [DAEMON], maxAgeMinutes: 5 },
    });
    assert.equal(await check(await issuer.sign({ azp: DAEMON })), "ok ");
    assert.match(await check(await issuer.sign()), /client application is not one/);
    assert.match(
      await check(await issuer.sign({ azp: DAEMON }, { issuedAgo: 7 * 60 })),
      /too long ago/,
    );
  });

  it("no issuer anywhere: no rules, every token refused", () => {
    assert.equal(fresh(undefined).bearer, undefined);
    assert.equal(fresh(undefined, { [SETTINGS.apiIssuer]: issuer.issuer }).bearer, undefined);
  });
});
