// A loopback stand-in for a Slack incoming webhook: it answers 200 "ok", as Slack does, and its
// path carries the token, as the real URL does. Loaded by the sandbox and tests, never by the app.
import { textAt, withoutIcon } from "../receiver-kit.js";
import type { ChannelReceiver } from "../types.js";

const TOKEN = "sandboxslacktoken0000";
const PATH = `/slack/services/T0SANDBOX/B0SANDBOX/${TOKEN}`;

export const receiver = {
  path: PATH,
  settings: (_url, ref) => ({ webhookUrl: ref("webhookUrl") }),
  secrets: (url) => ({ webhookUrl: url }),
  secretValues: (url) => [url, PATH, TOKEN],
  answer: ({ body }) => ({
    status: 200,
    headers: { "content-type": "text/plain" },
    body: "ok",
    title: withoutIcon(textAt(body, "text")),
  }),
} satisfies ChannelReceiver;
