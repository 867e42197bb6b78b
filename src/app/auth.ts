// Who is calling the operator API, and may they. Fails closed: no principal, no access.
//
// In Azure the caller is the App Service Authentication principal: the platform validates the
// sign-in and passes it in x-ms-client-principal (base64 JSON with the claims), stripping any such
// header a caller sent. That header is trusted only when platform authentication is on; otherwise
// it is anyone's to forge. A bearer token is accepted when the configuration names its issuer,
// audience and public keys; its signature, issuer, audience and lifetime are checked by `jose`.
// Roles come from the Entra app roles (`roles` claim). Function keys alone never authorise.
import { createLocalJWKSet, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import type { AuthSettings } from "./runtime.js";

/** `observer`: another observer's Function App (peer requests only; it reads and changes nothing). */
export type Role = "reader" | "operator" | "observer";

export interface Principal {
  readonly name: string;
  readonly roles: readonly Role[];
  readonly via: "platform" | "bearer" | "local";
}

export interface HeaderSource {
  get(name: string): string | null;
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: string;
      readonly message: string;
      /** Who the caller said they were, if anyone: for the audit log. */
      readonly claimed?: string;
    };

const ROLE_CLAIMS = ["roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

function rolesOf(values: readonly unknown[], auth: AuthSettings): Role[] {
  const names = new Set(values.filter((v): v is string => typeof v === "string"));
  const roles: Role[] = [];
  if (names.has(auth.operatorRole)) roles.push("reader", "operator");
  else if (names.has(auth.readerRole)) roles.push("reader");
  if (names.has(auth.observerRole)) roles.push("observer");
  return roles;
}

interface ClientPrincipal {
  readonly auth_typ?: string;
  readonly name_typ?: string;
  readonly role_typ?: string;
  readonly claims?: readonly { readonly typ?: unknown; readonly val?: unknown }[];
}

function platformPrincipal(header: string, nameHeader: string | null, auth: AuthSettings) {
  let decoded: ClientPrincipal;
  try {
    decoded = JSON.parse(Buffer.from(header, "base64").toString("utf8")) as ClientPrincipal;
  } catch {
    return undefined;
  }
  const claims = Array.isArray(decoded.claims) ? decoded.claims : [];
  const roleTypes = new Set([decoded.role_typ, ...ROLE_CLAIMS].filter(Boolean));
  const nameType = decoded.name_typ ?? "name";
  const name =
    nameHeader ??
    (claims.find((c) => c.typ === nameType)?.val as string | undefined) ??
    "unknown platform principal";
  const roles = rolesOf(
    claims.filter((c) => typeof c.typ === "string" && roleTypes.has(c.typ)).map((c) => c.val),
    auth,
  );
  return { name: String(name), roles, via: "platform" as const };
}

async function bearerPrincipal(token: string, auth: AuthSettings) {
  const bearer = auth.bearer!;
  const keys = createLocalJWKSet({ keys: bearer.keys } as unknown as JSONWebKeySet);
  const { payload } = await jwtVerify(token, keys, {
    issuer: bearer.issuer,
    audience: bearer.audience,
    // Asymmetric signatures only, and a token must say when it expires.
    algorithms: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"],
    requiredClaims: ["exp"],
    clockTolerance: 60,
  });
  const name = [
    payload["preferred_username"],
    payload["upn"],
    payload["appid"],
    payload["azp"],
    payload.sub,
  ].find((v): v is string => typeof v === "string" && v.length > 0);
  const roles = rolesOf(Array.isArray(payload["roles"]) ? payload["roles"] : [], auth);
  return { name: name ?? "unnamed token", roles, via: "bearer" as const };
}

/** Who the caller is, from the request's headers. */
export async function authenticate(
  auth: AuthSettings,
  headers: HeaderSource,
): Promise<Authentication> {
  // With App Service Authentication on, the platform has already validated whatever the caller
  // presented (a sign-in, or a bearer token) and says who it is: that comes first.
  const client = headers.get("x-ms-client-principal");
  if (auth.platform && client !== null) {
    const principal = platformPrincipal(client, headers.get("x-ms-client-principal-name"), auth);
    if (!principal)
      return {
        ok: false,
        status: 401,
        code: "Unauthenticated",
        message: "x-ms-client-principal is not valid base64 JSON",
      };
    return { ok: true, principal };
  }
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    if (!token)
      return {
        ok: false,
        status: 401,
        code: "Unauthenticated",
        message: "the Authorization header must be `Bearer <token>`",
      };
    if (!auth.bearer)
      return {
        ok: false,
        status: 401,
        code: "Unauthenticated",
        message:
          "bearer tokens are not accepted here: configure api.bearer (issuer, audience, keys)",
      };
    try {
      return { ok: true, principal: await bearerPrincipal(token, auth) };
    } catch (error) {
      // jose's errors carry a string code; WebCrypto's (a configured key that is no valid
      // public key) carry the legacy numeric DOMException code, which says nothing.
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === "string" ? code : "ERR_JWT_INVALID";
      return {
        ok: false,
        status: 401,
        code: "InvalidToken",
        message: `the bearer token was not accepted (${reason}: ${(error as Error).message})`,
      };
    }
  }
  if (client !== null)
    return {
      ok: false,
      status: 401,
      code: "Unauthenticated",
      message:
        "x-ms-client-principal is ignored: App Service Authentication is not on for this app, so anyone could have sent it",
      claimed: headers.get("x-ms-client-principal-name") ?? "unknown",
    };
  if (auth.local) return { ok: true, principal: auth.local };
  return {
    ok: false,
    status: 401,
    code: "Unauthenticated",
    message:
      "sign in: App Service Authentication (Entra ID), or a bearer token from the configured issuer",
  };
}

/** Authentication plus the role the call needs. */
export async function authorize(
  auth: AuthSettings,
  headers: HeaderSource,
  needed: Role,
): Promise<Authentication> {
  const who = await authenticate(auth, headers);
  if (!who.ok) return who;
  if (who.principal.roles.includes(needed)) return who;
  const role =
    needed === "operator"
      ? auth.operatorRole
      : needed === "observer"
        ? auth.observerRole
        : auth.readerRole;
  return {
    ok: false,
    status: 403,
    code: "Forbidden",
    message: `${who.principal.name} does not have the ${role} role this needs`,
    claimed: who.principal.name,
  };
}
