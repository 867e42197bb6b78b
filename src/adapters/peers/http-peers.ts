// Peers over HTTP: each observer's Function App at its base URL answers
// `POST /api/observers/{observer}/probe` (src/app/api/peer-route.ts). In Azure the request carries
// a token for the API's own audience, got with this app's managed identity, and the peer checks
// its signature and the observer role like any other caller's; the sandbox's local host knows
// its callers and needs none.
import * as z from "zod";
import { urlForSecrets } from "../../core/secret-url.js";
import type { PeerProbeAnswer, PeerProbeRequest, Peers } from "../../ports/peers.js";

const answerSchema = z.object({
  observer: z.string(),
  region: z.string(),
  probed: z.number().int().nonnegative(),
  failing: z.number().int().nonnegative(),
  written: z.boolean(),
  note: z.string().optional(),
});

/** The longest part of a peer's error body quoted in a problem. */
const QUOTED = 200;

/**
 * Checks a peer's base URL: https, or http on a loopback address only (a token is never sent in
 * the clear). Returns the URL without a trailing slash, or throws saying what is wrong.
 */
export function peerUrl(observer: string, url: string): string {
  const checked = urlForSecrets(url);
  if (!checked)
    throw new Error(`the URL of observer ${observer} is not a URL: ${JSON.stringify(url)}`);
  if (!checked.secure)
    throw new Error(
      `the URL of observer ${observer} must be https (plain http only on a loopback address): ${checked.url.origin}`,
    );
  return checked.url.href.replace(/\/+$/, "");
}

export interface HttpPeersOptions {
  /** Each peer observer's Function App base URL, by observer region. */
  readonly urls: Readonly<Record<string, string>>;
  /** A bearer token for the API's audience; none: the request carries no credentials. */
  readonly token?: (signal: AbortSignal) => Promise<string>;
}

export class HttpPeers implements Peers {
  readonly #urls: Readonly<Record<string, string>>;
  readonly #token: HttpPeersOptions["token"];

  constructor(options: HttpPeersOptions) {
    this.#urls = Object.fromEntries(
      Object.entries(options.urls).map(([observer, url]) => [observer, peerUrl(observer, url)]),
    );
    this.#token = options.token;
  }

  async ask(
    peer: string,
    request: PeerProbeRequest,
    options: { readonly abortSignal: AbortSignal },
  ): Promise<PeerProbeAnswer> {
    const base = this.#urls[peer];
    if (base === undefined) throw new Error(`no URL is known for observer ${peer}`);
    const signal = options.abortSignal;
    const headers: Record<string, string> = { "content-type": "application/json" };
    try {
      if (this.#token) headers["authorization"] = `Bearer ${await this.#token(signal)}`;
      const response = await fetch(`${base}/api/observers/${encodeURIComponent(peer)}/probe`, {
        method: "POST",
        headers,
        body: JSON.stringify(request),
        signal,
      });
      const text = await response.text();
      if (!response.ok)
        throw new Error(
          `it answered ${response.status}${text ? `: ${text.slice(0, QUOTED).replace(/\s+/g, " ")}` : ""}`,
        );
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`its answer is not JSON: ${text.slice(0, QUOTED)}`);
      }
      const parsed = answerSchema.safeParse(body);
      if (!parsed.success)
        throw new Error(
          `its answer is not a peer probe answer: ${parsed.error.issues[0]?.message}`,
        );
      const { note, ...rest } = parsed.data;
      return { ...rest, ...(note === undefined ? {} : { note }) };
    } catch (error) {
      if (signal.aborted) throw new Error("it did not answer in time", { cause: error });
      throw error;
    }
  }
}
