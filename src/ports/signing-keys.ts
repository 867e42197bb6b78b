// The public keys that sign the API's bearer tokens: the token issuer is an outside system (Entra
// ID publishes and rolls its keys), so the keys are reached through this port. The shape is the
// key resolver `jose` verifies with: given a token's protected header, the key it names, or a
// throw (`ERR_JWKS_NO_MATCHING_KEY` when no key matches).
import type { JWTVerifyGetKey } from "jose";

export type SigningKeys = JWTVerifyGetKey;

/** The issuer's keys could not be read (and none are known): Tandem's fault, not the caller's. */
export class KeysUnavailable extends Error {
  override readonly name = "KeysUnavailable";
}

/** Recognises KeysUnavailable by name, across copies of this module. */
export function isKeysUnavailable(error: unknown): error is KeysUnavailable {
  return error instanceof Error && error.name === "KeysUnavailable";
}
