// Where Tandem may send a secret (a bearer token, a webhook URL that is its own credential):
// https, or plain http to a loopback address only (a local stand-in in the sandbox or a test),
// so that nothing secret crosses a network in the clear.

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** `value` parsed, and whether a secret may go to it; undefined when it is not an absolute URL. */
export function urlForSecrets(
  value: string,
): { readonly url: URL; readonly secure: boolean } | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const local = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  return { url, secure: url.protocol === "https:" || local };
}
