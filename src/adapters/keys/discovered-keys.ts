// The token issuer's signing keys, discovered as OpenID Connect says: the issuer's
// `/.well-known/openid-configuration` names its key set (`jwks_uri`), read over HTTPS. Entra ID
// rolls its keys, publishing a new one before it signs with it; so the set is cached, read again
// when it is older than `maxAgeMs`, and at once when a token names a key id it lacks. Reads are
// rate-limited: at most one every `cooldownMs`, whatever fails and however many tokens name
// unknown keys, so a flood of made-up key ids cannot hammer the issuer. A read that fails keeps
// the keys already known.
import { createLocalJWKSet } from "jose";
import type { JSONWebKeySet, JWTVerifyGetKey } from "jose";
import { errorText } from "../../core/errors.js";
import type { SigningKeys } from "../../ports/signing-keys.js";
import { KeysUnavailable } from "../../ports/signing-keys.js";
import type { GetJson } from "./https-json.js";

export interface DiscoveryOptions {
  /** Reads a JSON document over HTTPS (https-json.ts). */
  readonly get: GetJson;
  /** Epoch milliseconds: the runtime's clock. */
  readonly now: () => number;
  /** At most one read of the issuer's documents per this many milliseconds. */
  readonly cooldownMs: number;
  /** Keys older than this are read again (and kept if that read fails). */
  readonly maxAgeMs: number;
}

/** The defaults for Entra ID: keys roll over weeks; a new key is announced before it is used. */
export const DISCOVERY_DEFAULTS = { cooldownMs: 10_000, maxAgeMs: 3_600_000 } as const;

const isNoMatchingKey = (error: unknown) =>
  (error as { code?: unknown }).code === "ERR_JWKS_NO_MATCHING_KEY";

/** Where an issuer publishes its configuration (OpenID Connect Discovery 1.0, section 4). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

export function discoveredKeys(issuer: string, options: DiscoveryOptions): SigningKeys {
  let keys: JWTVerifyGetKey | undefined;
  let readAt = Number.NEGATIVE_INFINITY;
  let triedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | undefined;
  /** Why the last read failed (set before any KeysUnavailable is thrown). */
  let failure: unknown;

  const read = async () => {
    const document = (await options.get(discoveryUrl(issuer))) as Record<string, unknown> | null;
    // The document must be the issuer's own (section 4.3): another issuer's keys are not these.
    if (document?.["issuer"] !== issuer)
      throw new Error("the discovery document names another issuer");
    const jwksUri = document["jwks_uri"];
    if (typeof jwksUri !== "string" || !jwksUri.startsWith("https://"))
      throw new Error("the discovery document has no https jwks_uri");
    const set = createLocalJWKSet((await options.get(jwksUri)) as JSONWebKeySet);
    keys = set;
    readAt = options.now();
  };
  const refresh = (): Promise<void> => {
    if (pending) return pending;
    if (options.now() - triedAt < options.cooldownMs) return Promise.resolve();
    triedAt = options.now();
    pending = read()
      .catch((error: unknown) => {
        failure = error;
      })
      .finally(() => (pending = undefined));
    return pending;
  };

  return async (header, token) => {
    // Never read (readAt is -Infinity), or read too long ago. A read in flight is joined by
    // refresh(); with keys at hand, they serve meanwhile.
    if (options.now() - readAt >= options.maxAgeMs) await refresh();
    if (keys === undefined)
      throw new KeysUnavailable(
        `the signing keys of ${issuer} could not be read: ${errorText(failure)}`,
      );
    try {
      return await keys(header, token);
    } catch (error) {
      // A key rolled in since the last read: read again (unless one was read just now).
      if (!isNoMatchingKey(error)) throw error;
      await refresh();
      return await keys(header, token);
    }
  };
}
