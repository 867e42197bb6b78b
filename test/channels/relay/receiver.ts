// The relay's receiver on loopback: 200 with {"ok":true} for the right token, 401 otherwise.
import { textAt } from "../../../src/channels/receiver-kit.js";
import type { ChannelReceiver } from "../../../src/channels/types.js";

const TOKEN = "relay-test-token-0123456789";

export const receiver = {
  path: "/relay/messages",
  settings: (url, ref) => ({ url, token: ref("token") }),
  secrets: () => ({ token: TOKEN }),
  secretValues: () => [TOKEN],
  answer: ({ body, headers }) => ({
    status: headers["authorization"] === `Bearer ${TOKEN}` ? 200 : 401,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ok: true }),
    title: textAt(body, "title"),
  }),
} satisfies ChannelReceiver;
