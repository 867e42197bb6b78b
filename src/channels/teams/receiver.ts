// A loopback stand-in for a Teams Workflows webhook ("When a Teams webhook request is
// received"): it answers 202 with an empty body, as Workflows does, and its path carries a
// signature, as the real URL's query does. Loaded by the sandbox and tests, never by the app.
import { textAt, withoutIcon } from "../receiver-kit.js";
import type { ChannelReceiver } from "../types.js";

const SIGNATURE = "sandbox-teams-signature";
const PATH = `/teams/workflows/8c1d7e1a/triggers/manual/paths/invoke?sig=${SIGNATURE}`;

export const receiver = {
  path: PATH,
  settings: (_url, ref) => ({ webhookUrl: ref("webhookUrl") }),
  secrets: (url) => ({ webhookUrl: url }),
  secretValues: (url) => [url, PATH, SIGNATURE],
  answer: ({ body }) => ({
    status: 202,
    title: withoutIcon(textAt(body, "attachments", 0, "content", "body", 0, "items", 0, "text")),
  }),
} satisfies ChannelReceiver;
