// A loopback stand-in for a Slack incoming webhook: it answers 200 "ok", as Slack does, and its
// path carries the token, as the real URL does. Loaded by the sandbox and tests, never by the app.
import { textAt, webhookUrlReceiver, withoutIcon } from "../receiver-kit.js";

const TOKEN = "sandboxslacktoken0000";

export const receiver = webhookUrlReceiver(
  `/slack/services/T0SANDBOX/B0SANDBOX/${TOKEN}`,
  TOKEN,
  ({ body }) => ({
    status: 200,
    headers: { "content-type": "text/plain" },
    body: "ok",
    title: withoutIcon(textAt(body, "text")),
  }),
);
