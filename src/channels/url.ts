// A receiver's URL from a secret, checked before the first alert needs it: https, or http to
// loopback only (a local receiver). The message names the field, never the value.
import { urlForSecrets } from "../core/secret-url.js";
import { ChannelSettingsError } from "./types.js";

export function checkedUrl(value: string, field: string): string {
  const checked = urlForSecrets(value);
  if (!checked) throw new ChannelSettingsError(field, "does not hold an absolute URL");
  if (!checked.secure)
    throw new ChannelSettingsError(field, "must hold an https URL (http only to loopback)");
  if (checked.url.username || checked.url.password)
    throw new ChannelSettingsError(field, "must not hold a URL with a user name or password");
  return value;
}
