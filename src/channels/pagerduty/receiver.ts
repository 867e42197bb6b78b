// A loopback stand-in for PagerDuty's Events API v2: it answers 202 with the dedup_key, as the
// real one does. The routing key is the secret. Loaded by the sandbox and tests, never by the app.
import { at, textAt } from "../receiver-kit.js";
import type { ChannelReceiver } from "../types.js";

const ROUTING_KEY = "sandboxroutingkey0000000000000000";

export const receiver = {
  path: "/pagerduty/v2/enqueue",
  settings: (url, ref) => ({ routingKey: ref("routingKey"), url }),
  secrets: () => ({ routingKey: ROUTING_KEY }),
  secretValues: () => [ROUTING_KEY],
  answer: ({ body }) => ({
    status: 202,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      status: "success",
      message: "Event processed",
      dedup_key: at(body, "dedup_key"),
    }),
    title:
      textAt(body, "event_action") === "resolve"
        ? `(resolve ${textAt(body, "dedup_key")})`
        : textAt(body, "payload", "summary"),
  }),
} satisfies ChannelReceiver;
