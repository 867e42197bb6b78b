// Secrets out of every text a channel lets go of: its webhook URL, routing key or signing secret
// become "[redacted]", and a URL is shown as scheme://host.
import { createHash } from "node:crypto";

/** scheme://host[:port] of a URL, or "(invalid URL)". */
export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

/** A function that takes every given secret (and its URL-encoded form) out of a text. */
export function redactor(secrets: readonly string[]): (text: string) => string {
  const forms = [
    ...new Set(secrets.flatMap((s) => (s.length < 4 ? [] : [s, encodeURIComponent(s)]))),
  ].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const form of forms) out = out.split(form).join("[redacted]");
    return out;
  };
}

/** 16 hex digits of a hash of the secrets: tells a changed URL from the same one, reveals neither. */
export function fingerprint(secrets: readonly string[]): string {
  return createHash("sha256").update(secrets.join("\n")).digest("hex").slice(0, 16);
}

/** The secret parts of a webhook URL: all of it, its path and query, and each long query value. */
export function urlSecrets(value: string): string[] {
  const url = new URL(value);
  const tail = `${url.pathname}${url.search}`;
  return [
    value,
    ...(tail.length >= 8 ? [tail] : []),
    ...[...url.searchParams.values()].filter((v) => v.length >= 8),
  ];
}
