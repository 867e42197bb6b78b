// Microsoft Teams through a Workflows webhook. The URL is a secret (it carries its own
// signature); 202 means accepted (Workflows does not confirm delivery to the channel). The
// renderer (card.ts) loads when a Teams channel is built.
import { secretRef } from "../../config/fields.js";
import { webhookUrlChannel } from "../posting.js";
import { channelSchema } from "../schema.js";
import type { ChannelKind } from "../types.js";

type TeamsSettings = { kind: "teams"; name: string; webhookUrl: string };

export const teams = {
  kind: "teams",
  title: "Microsoft Teams (Workflows webhook)",
  schema: channelSchema(
    "teams",
    {
      kind: "Microsoft Teams through a Workflows webhook.",
      settings: 'Microsoft Teams (Workflows "When a Teams webhook request is received").',
    },
    {
      webhookUrl: secretRef.describe(
        'Secret reference to the URL of a Teams Workflows flow "When a Teams webhook request is received" (Office 365 connector URLs are retired).',
      ),
    },
  ),
  create: async (settings, secret) =>
    webhookUrlChannel(settings, secret, "Teams", (await import("./card.js")).teamsMessage),
  receiver: new URL("./receiver.js", import.meta.url).href,
} satisfies ChannelKind<TeamsSettings>;
