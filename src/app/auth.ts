// Who is calling the API, and may they. Fails closed: no valid token, no access.
//
// Nothing a caller sends is believed unless a signature proves it (docs/adr/0016). The caller
// presents an access token: `Authorization: Bearer <token>`, or the one App Service Authentication
// forwards in x-ms-token-aad-access-token, checked the same way. `jose` checks the signature
// against the issuer's public keys (asymmetric algorithms only), the issuer, the audience, the
// lifetime and the age; then it must be an access token (not an ID token) from an allowed client
// application. Roles come from the Entra app roles (`roles` claim). App Service Authentication's
// x-ms-client-principal is never proof: anyone can send it, and on Flex Consumption the platform
// has let unauthenticated callers through. Function keys never authorise.
import { jwtVerify } from "jose";
import type { JWTPayload } from "jose";
import { shortName } from "../config/strict-json.js";
import { isKeysUnavailable } from "../ports/signing-keys.js";
import type { AuthSettings, TokenRules } from "./runtime.js";

export type Role = "reader" | "operator" | "observer";

export interface Principal {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly via: "bearer" | "local";
}

export interface HeaderSource {
  get(name: string): string | null;
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      readonly code: string;
      /** For the caller: says what to do, never how Tandem is configured. */
      readonly message: string;
      /** Who the caller said they were, if anyone: for the audit log. */
      readonly claimed?: string;
      /** What exactly failed: for the audit and the function log, never for the caller. */
      readonly detail?: string;
    };

/** Signatures with a public key only: a shared secret (HS256) would be in every verifier's hands. */
const ASYMMETRIC = [
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
/** The `typ` header of an access token, where it has one: Entra's `JWT`, RFC 9068's `at+jwt`. */
const ACCESS_TOKEN_TYPE = /^(application\/)?(jwt|at\+jwt)$/i;
/** Claims only an ID token carries (OpenID Connect Core 1.0, sections 2 and 3). */
const ID_TOKEN_CLAIMS = ["nonce", "at_hash", "c_hash", "s_hash"];
/** Seconds of clock difference tolerated on exp, nbf and iat. */
const CLOCK_TOLERANCE = 60;

const HOW_TO_SIGN_IN =
  "send an access token for Tandem's API (Authorization: Bearer <token>; the CLI takes --token or TANDEM_TOKEN)";

/** A token that verified but is not one this API takes. */
class NotAccepted extends Error {}

const refused = (
  status: 401 | 403 | 503,
  code: string,
  message: string,
  extra: { claimed?: string; detail?: string } = {},
): Authentication => ({ ok: false, status, code, message, ...extra });

function rolesOf(payload: JWTPayload, auth: AuthSettings): Role[] {
  const claim = payload["roles"];
  const names = new Set<unknown>(Array.isArray(claim) ? claim : []);
  const roles: Role[] = [];
  if (names.has(auth.operatorRole)) roles.push("reader", "operator");
  else if (names.has(auth.readerRole)) roles.push("reader");
  if (names.has(auth.observerRole)) roles.push("observer");
  return roles;
}

const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/**
 * The checks `jose` does not make: an access token, from an allowed client application (which it
 * returns).
 */
function accessTokenClient(payload: JWTPayload, typ: string | undefined, rules: TokenRules) {
  if (typ !== undefined && !ACCESS_TOKEN_TYPE.test(typ))
    throw new NotAccepted(`it is not an access token (typ "${shortName(typ)}")`);
  const idClaim = ID_TOKEN_CLAIMS.find((claim) => claim in payload);
  if (idClaim !== undefined)
    throw new NotAccepted(`it is an ID token, not an access token (it has "${idClaim}")`);
  // Entra puts the client application in `azp` (version 2) or `appid` (version 1); ID tokens
  // carry neither.
  const client = text(payload["azp"]) ?? text(payload["appid"]);
  if (client === undefined)
    throw new NotAccepted("it names no client application (azp or appid): not an access token");
  if (!rules.clientApps.includes(client))
    throw new NotAccepted("its client application is not one this API accepts");
  return client;
}

async function verify(token: string, auth: AuthSettings, rules: TokenRules): Promise<Principal> {
  const { payload, protectedHeader } = await jwtVerify(token, rules.keys, {
    issuer: rules.issuer,
    audience: rules.audience,
    algorithms: ASYMMETRIC,
    // A token must say when it expires and when it was issued (for its age).
    requiredClaims: ["exp", "iat"],
    maxTokenAge: rules.maxAgeSeconds,
    clockTolerance: CLOCK_TOLERANCE,
  });
  const client = accessTokenClient(payload, protectedHeader.typ, rules);
  // A person by their sign-in name; an application (no user) by its client id.
  const name = text(payload["preferred_username"]) ?? text(payload["upn"]) ?? client;
  return { name, roles: rolesOf(payload, auth), via: "bearer" };
}

/** Why `jose` refused a token, in words that say nothing of the configuration. */
function whyNot(error: unknown): string {
  if (error instanceof NotAccepted) return error.message;
  const { code, claim, reason } = error as { code?: unknown; claim?: unknown; reason?: unknown };
  if (code === "ERR_JWT_EXPIRED")
    return claim === "iat" ? "it was issued too long ago" : "it has expired";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") {
    if (reason === "missing") return `it has no "${String(claim)}" claim`;
    if (claim === "iss") return "it is from another issuer";
    if (claim === "aud") return "it is for another audience";
    if (claim === "nbf") return "it is not valid yet";
    return `its "${String(claim)}" claim is not valid`;
  }
  if (code === "ERR_JOSE_ALG_NOT_ALLOWED") return "its algorithm is not allowed";
  if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "its signature does not verify";
  if (code === "ERR_JWKS_NO_MATCHING_KEY") return "no key of its issuer signed it";
  if (code === "ERR_JWS_INVALID" || code === "ERR_JWT_INVALID")
    return "it is not a well-formed JWT";
  return "it could not be verified";
}

/** The token the caller presents, if any; "malformed" for an Authorization that is not Bearer. */
function presented(headers: HeaderSource): string | "malformed" | undefined {
  const authorization = headers.get("authorization");
  if (authorization !== null) return /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] ?? "malformed";
  return text(headers.get("x-ms-token-aad-access-token")?.trim());
}

/** Who the caller is, from the request's headers. */
export async function authenticate(
  auth: AuthSettings,
  headers: HeaderSource,
): Promise<Authentication> {
  const token = presented(headers);
  if (token === "malformed")
    return refused(401, "Unauthenticated", "the Authorization header must be `Bearer <token>`");
  if (token === undefined) {
    // Sent by App Service Authentication, or by anyone: never taken for proof, even with
    // platform authentication on, and not passed over for the local principal either.
    if (headers.get("x-ms-client-principal") !== null)
      return refused(
        401,
        "Unauthenticated",
        `x-ms-client-principal is not proof of who is calling: ${HOW_TO_SIGN_IN}`,
        { claimed: headers.get("x-ms-client-principal-name") ?? "unknown" },
      );
    if (auth.local) return { ok: true, principal: auth.local };
    return refused(401, "Unauthenticated", `sign in: ${HOW_TO_SIGN_IN}`);
  }
  const rules = auth.bearer;
  if (!rules)
    return refused(401, "InvalidToken", "the bearer token was not accepted", {
      detail:
        "no token issuer is configured (api.bearer, or TANDEM_API_ISSUER and TANDEM_API_CLIENT_ID)",
    });
  try {
    return { ok: true, principal: await verify(token, auth, rules) };
  } catch (error) {
    if (isKeysUnavailable(error))
      return refused(
        503,
        "KeysUnavailable",
        "the token cannot be checked now: the issuer's signing keys could not be read; try again shortly",
        { detail: error.message },
      );
    const code = (error as { code?: unknown }).code;
    return refused(401, "InvalidToken", `the bearer token was not accepted: ${whyNot(error)}`, {
      detail: `${typeof code === "string" ? code : "NOT_ACCEPTED"}: ${(error as Error).message}`,
    });
  }
}

/** Authentication plus the role the call needs. */
export async function authorize(
  auth: AuthSettings,
  headers: HeaderSource,
  needed: Role,
): Promise<Authentication> {
  const who = await authenticate(auth, headers);
  if (!who.ok || who.principal.roles.includes(needed)) return who;
  const role = {
    reader: auth.readerRole,
    operator: auth.operatorRole,
    observer: auth.observerRole,
  };
  return refused(
    403,
    "Forbidden",
    `${shortName(who.principal.name)} does not have the ${role[needed]} role this needs`,
    { claimed: who.principal.name },
  );
}

/**
 * For routes between Tandem's own observers (a peer asking this one to probe now): the observer
 * app role, held by the observers' identities, and nothing else lets a caller in. The operator
 * API's roles do not include it, and it grants nothing there.
 */
export function authorizeObserver(
  auth: AuthSettings,
  headers: HeaderSource,
): Promise<Authentication> {
  return authorize(auth, headers, "observer");
}
