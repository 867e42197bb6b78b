// Slack through an incoming webhook (the URL is the secret). 200 means accepted; 404 and 410
// mean the webhook is gone; Slack answers other refusals with 400 or 403 and a reason. The
// renderer (blocks.ts) loads when a Slack channel is built.
import { secretRef } from "../../config/fields.js";
import { webhookUrlChannel } from "../posting.js";
import { channelSchema } from "../schema.js";
import type { ChannelKind } from "../types.js";

type SlackSettings = { kind: "slack"; name: string; webhookUrl: string };

export const slack = {
  kind: "slack",
  title: "Slack (incoming webhook)",
  schema: channelSchema(
    "slack",
    {
      kind: "Slack incoming webhook.",
      settings: "Slack incoming webhook, with Block Kit.",
    },
    {
      webhookUrl: secretRef.describe("Secret reference to the Slack incoming webhook URL."),
    },
  ),
  create: async (settings, secret) =>
    webhookUrlChannel(settings, secret, "Slack", (await import("./blocks.js")).slackMessage),
  receiver: new URL("./receiver.js", import.meta.url).href,
} satisfies ChannelKind<SlackSettings>;
