// A bearer token is as good as a password until it expires: over plain http anyone on the way
// can read it and act as its owner. The CLI sends one over http only to its own machine (the
// sandbox on loopback), never to another host.

/** Whether a URL's host is this machine: 127.0.0.0/8, [::1] or localhost. */
function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Why the token must not go to `base`, or undefined when it may. */
export function tokenTransportProblem(base: string, hasToken: boolean): string | undefined {
  if (!hasToken) return undefined;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `--api ${base} is not a URL`;
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && isLoopbackUrl(url)))
    return undefined;
  return `refusing to send the token over ${url.protocol.replace(/:$/, "")} to ${url.host}: anyone on the way could read it and act as you. Use an https:// URL for --api (or TANDEM_API); plain http is only for the sandbox on this machine (127.0.0.1, [::1], localhost)`;
}
