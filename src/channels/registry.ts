// Every kind of alert channel, listed once. The configuration's `alerts.channels` union is built
// from their schemas, the composition root builds channels with them and the sandbox starts their
// receivers. A new kind is a folder beside these and one line here.
import { pagerDuty } from "./pagerduty/index.js";
import { slack } from "./slack/index.js";
import { teams } from "./teams/index.js";
import type { ChannelKind, ChannelKindRegistry } from "./types.js";
import { webhook } from "./webhook/index.js";

export const CHANNEL_KINDS = [
  teams,
  slack,
  pagerDuty,
  webhook,
] as const satisfies ChannelKindRegistry;

/** The registry with more kinds (a test's, or an extension's). Kinds must not repeat. */
export function withChannels(
  base: ChannelKindRegistry,
  extra: readonly ChannelKind[],
): ChannelKindRegistry {
  const kinds = [...base, ...extra];
  const names = kinds.map((k) => k.kind);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`two alert channel kinds have the kind "${twice}"`);
  return kinds;
}
