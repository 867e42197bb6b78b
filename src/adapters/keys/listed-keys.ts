// Signing keys listed in the configuration (`api.bearer.keys`): for an issuer that publishes no
// discovery document, or a test. They change only with the configuration.
import { createLocalJWKSet } from "jose";
import type { JSONWebKeySet } from "jose";
import type { SigningKeys } from "../../ports/signing-keys.js";

export function listedKeys(keys: readonly Record<string, unknown>[]): SigningKeys {
  return createLocalJWKSet({ keys } as unknown as JSONWebKeySet);
}
