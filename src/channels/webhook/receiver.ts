// A loopback stand-in for a Standard Webhooks endpoint: it verifies the signature with the
// `standardwebhooks` library and answers 204, or 401 when it does not verify. Loaded by the
// sandbox and tests, never by the app.
import { Webhook } from "standardwebhooks";
import { textAt } from "../receiver-kit.js";
import type { ChannelReceiver } from "../types.js";

// 32 bytes, base64: a Standard Webhooks secret (a sandbox is nothing real; this is its own).
const SECRET = "whsec_c2FuZGJveC13ZWJob29rLXNpZ25pbmctc2VjcmV0ISE=";
const verifier = new Webhook(SECRET);

function verifies(raw: string, headers: Readonly<Record<string, string>>): boolean {
  try {
    verifier.verify(raw, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

export const receiver = {
  path: "/webhook",
  settings: (url, ref) => ({ url, secret: ref("secret") }),
  secrets: () => ({ secret: SECRET }),
  secretValues: () => [SECRET, SECRET.slice("whsec_".length)],
  answer: ({ raw, body, headers }) => {
    const verified = verifies(raw, headers);
    return { status: verified ? 204 : 401, verified, title: textAt(body, "data", "title") };
  },
} satisfies ChannelReceiver;
