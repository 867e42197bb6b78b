// One GET of a JSON document over HTTPS, for the token issuer's discovery document and key set:
// https only (a key set read over plain HTTP could be anyone's), no redirects, a timeout, a size
// bound, status 200 or nothing.
import https from "node:https";

/** A discovery document or a key set is a few kilobytes; Entra's is about 10 KB. */
const MAX_BYTES = 256 * 1024;

export interface HttpsJsonOptions {
  readonly timeoutMs: number;
  /** The one CA (PEM) to trust instead of the system's: a test's loopback issuer. */
  readonly ca?: string;
  readonly abortSignal?: AbortSignal;
}

export type GetJson = (url: string) => Promise<unknown>;

export function httpsJson(url: string, options: HttpsJsonOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== "https:") {
      reject(new Error(`${target.origin} is not https`));
      return;
    }
    const signals = [AbortSignal.timeout(options.timeoutMs), options.abortSignal].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const request = https.get(
      target,
      {
        headers: { accept: "application/json", "user-agent": "Tandem" },
        signal: AbortSignal.any(signals),
        ...(options.ca ? { ca: options.ca } : {}),
      },
      (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`${target.origin}${target.pathname} answered ${response.statusCode}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            request.destroy(new Error(`${target.pathname} is larger than ${MAX_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch {
            reject(new Error(`${target.origin}${target.pathname} did not answer JSON`));
          }
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
  });
}
