// A failed sign-in says only "ChainedTokenCredential authentication failed." (DefaultAzureCredential
// tried every source it knows and none had a token). This wrapper adds what to do about it.
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";

/** @azure/identity's error names for "no credential could give a token". */
const SIGN_IN_ERRORS = new Set([
  "AggregateAuthenticationError",
  "CredentialUnavailableError",
  "AuthenticationRequiredError",
]);

export const SIGN_IN_HINT =
  "Tandem could not sign in to Azure: on a laptop run `az login` (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET for a service principal); in Azure give the Function App its managed identity, and set AZURE_CLIENT_ID to the client id of a user-assigned one";

/** The error with the hint appended, its name kept (callers recognise errors by name). */
export function withHint(error: unknown): unknown {
  const name = (error as { name?: unknown } | undefined)?.name;
  if (typeof name !== "string" || !SIGN_IN_ERRORS.has(name)) return error;
  const first = String((error as { message?: unknown }).message ?? "").split("\n")[0];
  const hinted = new Error(`${first} ${SIGN_IN_HINT}`, { cause: error });
  hinted.name = name;
  return hinted;
}

/** A credential whose sign-in failures say how to sign in. */
export function withSignInHint(credential: TokenCredential): TokenCredential {
  return {
    async getToken(
      scopes: string | string[],
      options?: GetTokenOptions,
    ): Promise<AccessToken | null> {
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        throw withHint(error);
      }
    },
  };
}
