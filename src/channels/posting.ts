// A channel that POSTs one JSON body per alert to one URL, which is what every built-in kind
// does: a kind says what its body is (undefined: this alert is not sent), which values say where
// it sends, which are secret, and any headers; this makes the AlertChannel of it. Nothing it
// returns carries a secret, and it never throws: a failure of its own is a result, like the
// receiver's.
import type { Alert } from "../core/alerts.js";
import type { AlertChannel, AlertLinks, SendContext, SendResult } from "../ports/alerts.js";
import { postJson } from "./http.js";
import { fingerprint, origin, redactor, urlSecrets } from "./redact.js";
import { secretRef } from "../config/fields.js";
import { channelSchema } from "./schema.js";
import type { ChannelKind, ChannelSettings } from "./types.js";
import { checkedUrl } from "./url.js";

interface Posting {
  readonly settings: ChannelSettings;
  readonly url: string;
  /** Its name for people, in "PagerDuty is not told of ...". */
  readonly label: string;
  /** Values that name where it sends: a change of any of them makes a new fingerprint. */
  readonly identity: readonly string[];
  /** Values never shown: taken out of every text the channel lets go of. */
  readonly secrets: readonly string[];
  body(alert: Alert, links: AlertLinks): unknown;
  headers?(alert: Alert, body: string): Readonly<Record<string, string>>;
}

/** An AlertChannel, and `post` for a kind that sends a second body (PagerDuty's test resolve). */
interface PostingChannel extends AlertChannel {
  post(body: unknown, context: SendContext, headers?: Record<string, string>): Promise<SendResult>;
}

export function postingChannel(p: Posting): PostingChannel {
  const redact = redactor(p.secrets);
  const post = async (
    body: unknown,
    context: SendContext,
    headers?: Record<string, string>,
  ): Promise<SendResult> =>
    postJson(p.url, JSON.stringify(body), {
      ...(headers ? { headers } : {}),
      abortSignal: context.abortSignal,
      timeoutMs: context.timeoutMs,
      redact,
    });
  return {
    name: p.settings.name,
    kind: p.settings.kind,
    target: origin(p.url),
    fingerprint: fingerprint(p.identity),
    redact,
    render: (alert, links) => p.body(alert, links),
    post,
    send: async (alert, context) => {
      try {
        const body = p.body(alert, context.links);
        if (body === undefined)
          return { outcome: "skipped", reason: `${p.label} is not told of ${alert.type}` };
        return await post(body, context, p.headers?.(alert, JSON.stringify(body)));
      } catch (error) {
        // A fault of its own (a renderer's), not the receiver's: said, redacted, and tried again.
        const message = error instanceof Error ? error.message : String(error);
        return { outcome: "retry", reason: redact(`could not send: ${message}`.slice(0, 300)) };
      }
    },
  };
}

/**
 * A kind whose one setting is its webhook URL, held as a secret (Teams, Slack). When a channel
 * is built its renderer loads and the URL is checked; the URL names where it sends, and is never
 * shown (but for scheme://host).
 */
export function webhookUrlKind<K extends string>(spec: {
  readonly kind: K;
  readonly title: string;
  /** Its name for people, in "Slack is not told of ...". */
  readonly label: string;
  readonly help: { readonly kind: string; readonly settings: string; readonly webhookUrl: string };
  readonly render: () => Promise<(alert: Alert, links: AlertLinks) => unknown>;
  readonly receiver: string;
}): ChannelKind<{ kind: K; name: string; webhookUrl: string }> {
  return {
    kind: spec.kind,
    title: spec.title,
    schema: channelSchema(spec.kind, spec.help, {
      webhookUrl: secretRef.describe(spec.help.webhookUrl),
    }),
    create: async (settings, secret) => {
      const body = await spec.render();
      const url = checkedUrl(secret(settings.webhookUrl), "webhookUrl");
      const secrets = urlSecrets(url);
      return postingChannel({ settings, url, label: spec.label, identity: [url], secrets, body });
    },
    receiver: spec.receiver,
  };
}
