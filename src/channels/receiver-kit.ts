// What the kinds' loopback receivers share: reading a field deep in a parsed body, a title
// without the icon a renderer puts first, and the receiver of a kind whose URL is its secret.
import type { ChannelReceiver } from "./types.js";

/** A path into parsed JSON, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path)
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** A string at a path into parsed JSON, or "". */
export const textAt = (value: unknown, ...path: (string | number)[]): string => {
  const v = at(value, ...path);
  return typeof v === "string" ? v : "";
};

export const withoutIcon = (text: string) => text.replace(/^[^\x20-\x7e]+\s*/u, "");

/**
 * The receiver of a kind whose webhook URL is its secret (Teams, Slack): like the real one's, its
 * path carries a token.
 */
export function webhookUrlReceiver(
  path: string,
  token: string,
  answer: ChannelReceiver["answer"],
): ChannelReceiver {
  return {
    path,
    settings: (_url, ref) => ({ webhookUrl: ref("webhookUrl") }),
    secrets: (url) => ({ webhookUrl: url }),
    secretValues: (url) => [url, path, token],
    answer,
  };
}
