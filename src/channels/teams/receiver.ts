// A loopback stand-in for a Teams Workflows webhook ("When a Teams webhook request is
// received"): it answers 202 with an empty body, as Workflows does, and its path carries a
// signature, as the real URL's query does. Loaded by the sandbox and tests, never by the app.
import { textAt, webhookUrlReceiver, withoutIcon } from "../receiver-kit.js";

const SIGNATURE = "sandbox-teams-signature";

export const receiver = webhookUrlReceiver(
  `/teams/workflows/8c1d7e1a/triggers/manual/paths/invoke?sig=${SIGNATURE}`,
  SIGNATURE,
  ({ body }) => ({
    status: 202,
    title: withoutIcon(textAt(body, "attachments", 0, "content", "body", 0, "items", 0, "text")),
  }),
);
