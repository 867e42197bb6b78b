// The relay's sender: the alert's severity, title and summary, with the token as a bearer.
import type { AlertChannel } from "../../../src/ports/alerts.js";
import { postingChannel } from "../../../src/channels/posting.js";
import { ChannelSettingsError } from "../../../src/channels/types.js";
import { checkedUrl } from "../../../src/channels/url.js";
import type { RelaySettings } from "./index.js";

export function relayChannel(
  settings: RelaySettings,
  secret: (ref: string) => string,
): AlertChannel {
  const token = secret(settings.token).trim();
  if (!/^[A-Za-z0-9._-]{16,}$/.test(token))
    throw new ChannelSettingsError("token", "does not hold a relay token (16 or more letters)");
  const url = checkedUrl(settings.url, "url");
  return postingChannel({
    settings,
    url,
    label: "The relay",
    identity: [url, token],
    secrets: [token],
    body: (alert) => ({ severity: alert.severity, title: alert.title, summary: alert.summary }),
    headers: () => ({ authorization: `Bearer ${token}` }),
  });
}
