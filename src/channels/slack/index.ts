// Slack through an incoming webhook (the URL is the secret). 200 means accepted; 404 and 410
// mean the webhook is gone; Slack answers other refusals with 400 or 403 and a reason. The
// renderer (blocks.ts) loads when a Slack channel is built.
import { webhookUrlKind } from "../posting.js";

export const slack = webhookUrlKind({
  kind: "slack",
  title: "Slack (incoming webhook)",
  label: "Slack",
  help: {
    kind: "Slack incoming webhook.",
    settings: "Slack incoming webhook, with Block Kit.",
    webhookUrl: "Secret reference to the Slack incoming webhook URL.",
  },
  render: async () => (await import("./blocks.js")).slackMessage,
  receiver: new URL("./receiver.js", import.meta.url).href,
});
