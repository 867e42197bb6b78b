// A receiver's URL from a secret, checked before the first alert needs it: https, or http to
// loopback only (a local receiver). The message names the field, never the value.
import { ChannelSettingsError } from "./types.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function checkedUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ChannelSettingsError(field, "does not hold an absolute URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    throw new ChannelSettingsError(field, "must hold an https URL (http only to loopback)");
  if (url.username || url.password)
    throw new ChannelSettingsError(field, "must not hold a URL with a user name or password");
  return value;
}
