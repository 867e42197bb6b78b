// Microsoft Teams through a Workflows webhook. The URL is a secret (it carries its own
// signature); 202 means accepted (Workflows does not confirm delivery to the channel). The
// renderer (card.ts) loads when a Teams channel is built.
import { webhookUrlKind } from "../posting.js";

export const teams = webhookUrlKind({
  kind: "teams",
  title: "Microsoft Teams (Workflows webhook)",
  label: "Teams",
  help: {
    kind: "Microsoft Teams through a Workflows webhook.",
    settings: 'Microsoft Teams (Workflows "When a Teams webhook request is received").',
    webhookUrl:
      'Secret reference to the URL of a Teams Workflows flow "When a Teams webhook request is received" (Office 365 connector URLs are retired).',
  },
  render: async () => (await import("./card.js")).teamsMessage,
  receiver: new URL("./receiver.js", import.meta.url).href,
});
