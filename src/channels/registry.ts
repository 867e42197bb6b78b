// Every kind of alert channel, listed once. The configuration's `alerts.channels` union is built
// from their schemas and the composition root builds channels with their factories. A new kind
// is a folder beside these and one line here.
import { pagerDuty } from "./pagerduty/index.js";
import { slack } from "./slack/index.js";
import { teams } from "./teams/index.js";
import type { ChannelProvider } from "./types.js";
import { webhook } from "./webhook/index.js";

export const CHANNEL_PROVIDERS: readonly ChannelProvider[] = [teams, slack, pagerDuty, webhook];
