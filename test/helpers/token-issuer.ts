// An OpenID Connect issuer on loopback, as Entra ID is one to Tandem: an HTTPS server (with a CA
// made for the test) answering `<issuer>/.well-known/openid-configuration` and the key set it
// names, signing keys made in the test, and tokens shaped as Entra's version 2 access tokens.
// Keys can be rolled in and out, and the server can fail, while it counts what it was asked.
import type { Server } from "node:http";
import https from "node:https";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { CryptoKey, JWK, JWTPayload } from "jose";
import { AZURE_CLI_APP_ID } from "../../src/config/defaults.js";
import { createCertificateAuthority } from "../../src/sandbox/certificates.js";
import { closeServer, listenLoopback } from "../../src/sandbox/listen.js";

export const AUDIENCE = "11111111-2222-3333-4444-555555555555";
export const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

interface KeyPair {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

export interface TokenOptions {
  readonly kid?: string;
  /** The key that signs (by its kid), when not the one `kid` names. */
  readonly signedBy?: string;
  /** The `typ` header; null: none. Entra's access tokens say `JWT`. */
  readonly typ?: string | null;
  readonly audience?: string;
  readonly issuer?: string;
  /** Seconds from now; null: no exp claim. */
  readonly expiresIn?: number | null;
  /** Seconds ago; null: no iat claim. */
  readonly issuedAgo?: number | null;
}

export interface LoopbackIssuer {
  readonly issuer: string;
  /** The CA that signed the server's certificate: the one to trust. */
  readonly ca: string;
  /** Requests the server answered, by path kind. */
  readonly served: { discovery: number; jwks: number };
  /** Makes a key (ES256) under `kid`; published only by `publish`. */
  makeKey(kid: string): Promise<void>;
  /** The key set the server answers with from now on; `k1@other` publishes k1 as kid `other`. */
  publish(...kids: string[]): void;
  /** Every request fails with 503 (true) or is answered again (false). */
  fail(failing: boolean): void;
  /** Replaces the discovery document's fields; null: the document is JSON `null`. */
  discovery(fields: Record<string, unknown> | null): void;
  /** A token signed by `kid` (the first key made, by default), with Entra's access token claims. */
  sign(claims?: JWTPayload, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** The claims of an Entra ID version 2 access token for a user signed in through the Azure CLI. */
export function accessTokenClaims(claims: JWTPayload = {}): JWTPayload {
  return {
    ver: "2.0",
    tid: TENANT,
    azp: AZURE_CLI_APP_ID,
    azpacr: "0",
    scp: "user_impersonation",
    oid: "0f0f0f0f-0000-0000-0000-000000000001",
    sub: "subject-1",
    preferred_username: "ada@example.test",
    ...claims,
  };
}

export async function signToken(
  key: CryptoKey,
  kid: string,
  issuer: string,
  claims: JWTPayload,
  o: TokenOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const typ = o.typ === undefined ? "JWT" : o.typ;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid, ...(typ === null ? {} : { typ }) })
    .setIssuer(o.issuer ?? issuer)
    .setAudience(o.audience ?? AUDIENCE);
  if (o.issuedAgo !== null) jwt = jwt.setIssuedAt(now - (o.issuedAgo ?? 0));
  if (o.expiresIn !== null) jwt = jwt.setExpirationTime(now + (o.expiresIn ?? 3600));
  return jwt.sign(key);
}

/** An issuer with the keys `published` in its key set, and `unpublished` ones it can sign with. */
export async function startIssuerWith(
  published: readonly string[],
  unpublished: readonly string[] = [],
): Promise<LoopbackIssuer> {
  const issuer = await startIssuer();
  for (const kid of [...published, ...unpublished]) await issuer.makeKey(kid);
  for (const kid of published) issuer.publish(kid);
  return issuer;
}

async function startIssuer(): Promise<LoopbackIssuer> {
  const ca = await createCertificateAuthority("Tandem test issuer CA");
  const leaf = await ca.issue({ names: ["127.0.0.1"] });
  const keys = new Map<string, KeyPair>();
  let published: string[] = [];
  let failing = false;
  let extra: Record<string, unknown> | null = {};
  const served = { discovery: 0, jwks: 0 };
  let issuer = "";

  const server = https.createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
    const path = new URL(req.url ?? "/", "https://127.0.0.1").pathname;
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/tenant/v2.0/.well-known/openid-configuration") {
      served.discovery++;
      if (failing) return answer(503, { error: "unavailable" });
      if (extra === null) return answer(200, null);
      return answer(200, {
        issuer,
        jwks_uri: `${new URL(issuer).origin}/tenant/discovery/v2.0/keys`,
        id_token_signing_alg_values_supported: ["RS256", "ES256"],
        ...extra,
      });
    }
    if (path === "/tenant/discovery/v2.0/keys") {
      served.jwks++;
      if (failing) return answer(503, { error: "unavailable" });
      return answer(200, {
        keys: published.map((entry) => {
          const [kid, as] = entry.split("@");
          const { jwk } = keys.get(kid!)!;
          return as === undefined ? jwk : { ...jwk, kid: as };
        }),
      });
    }
    answer(404, { error: "not found" });
  });
  const port = await listenLoopback(server as unknown as Server);
  issuer = `https://127.0.0.1:${port}/tenant/v2.0`;

  return {
    issuer,
    ca: ca.cert,
    served,
    makeKey: async (kid) => {
      const pair = await generateKeyPair("ES256", { extractable: true });
      const jwk = { ...(await exportJWK(pair.publicKey)), kid, use: "sig", alg: "ES256" };
      keys.set(kid, { privateKey: pair.privateKey, jwk });
    },
    publish: (...kids) => (published = kids),
    fail: (f) => (failing = f),
    discovery: (fields) => (extra = fields),
    sign: (claims = {}, o = {}) => {
      const kid = o.kid ?? [...keys.keys()][0]!;
      const key = keys.get(o.signedBy ?? kid)!.privateKey;
      return signToken(key, kid, issuer, accessTokenClaims(claims), o);
    },
    close: () => closeServer(server as unknown as Server),
  };
}
