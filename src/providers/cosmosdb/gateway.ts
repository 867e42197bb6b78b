// Whether a Cosmos DB region's gateway answers: how the lever tells a lost region from a live one.
// ARM's view of an account does not change when a region's data plane is down (one account
// resource, served by ARM whatever the state of its regions), so the lever asks each online
// region's own endpoint (`locations[].documentEndpoint`, e.g. https://acct-westeurope.documents.azure.com/)
// as Cosmos DB's SDKs do when they mark a region unavailable. Any HTTP answer counts, 401 and 403
// included (no key is sent; a firewall or private-only account answers 403): only no answer at
// all (refused, reset, timed out) is a region that cannot be reached.
import https from "node:https";

/** How long a region's gateway has to answer. */
const GATEWAY_TIMEOUT_MS = 5000;

interface GatewayOptions {
  /** A CA to trust besides the system's (the sandbox's emulator). */
  readonly ca?: string;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Whether the endpoint answers an unauthenticated GET with any HTTP status. */
export function gatewayAnswers(endpoint: string, options: GatewayOptions = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      endpoint,
      {
        timeout: options.timeoutMs ?? GATEWAY_TIMEOUT_MS,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (response) => {
        response.resume();
        resolve(true);
      },
    );
    request.on("timeout", () => request.destroy(new Error("timed out")));
    request.on("error", () => resolve(false));
  });
}
