// Where alerts leave Tandem: one channel per configured receiver (Teams, Slack, PagerDuty, a
// signed webhook...). A channel renders an alert into its receiver's format and makes one attempt
// to deliver it; retries, backoff and the outbox are the app's. Nothing a channel returns or
// throws contains its secrets: URLs appear as scheme://host only.
import type { Alert } from "../core/alerts.js";

export type { Alert, AlertType, Severity } from "../core/alerts.js";

/** Links that alerts carry: to the status page and to the incident. */
export interface AlertLinks {
  /** Tandem's API base URL as people reach it (`alerts.links.baseUrl`). */
  readonly baseUrl?: string;
}

export interface SendContext {
  readonly links: AlertLinks;
  readonly abortSignal: AbortSignal;
  /** Longest one attempt may take. */
  readonly timeoutMs: number;
}

/** The outcome of one attempt, as data: the app's retry policy decides what follows. */
export type SendResult =
  /** The receiver took it (2xx). */
  | { readonly outcome: "accepted"; readonly status: number; readonly answer?: string }
  /** Worth another try: 408, 429, 5xx, a timeout or a connection failure. */
  | {
      readonly outcome: "retry";
      readonly status?: number;
      readonly reason: string;
      /** The receiver's Retry-After, in ms. */
      readonly retryAfterMs?: number;
    }
  /** 404 or 410: the receiver is gone; stop sending to this channel. */
  | { readonly outcome: "gone"; readonly status: number; readonly reason: string }
  /** Any other 4xx: this alert will never be taken; others may. */
  | { readonly outcome: "rejected"; readonly status: number; readonly reason: string }
  /** The channel does not send this kind of alert (a PagerDuty channel and a reminder). */
  | { readonly outcome: "skipped"; readonly reason: string };

export interface AlertChannel {
  /** The channel's name in the configuration. */
  readonly name: string;
  readonly kind: string;
  /** Where it sends, for people: scheme://host, never a path or a key. */
  readonly target: string;
  /**
   * A short, stable fingerprint of where it sends (a hash of its secrets), so that a channel
   * disabled for a 410 is enabled again when its URL is changed.
   */
  readonly fingerprint: string;
  /** The request body it would send, for tests and documentation (undefined: not sent). */
  render(alert: Alert, links: AlertLinks): unknown;
  /** One attempt. Never throws: every failure is a SendResult. */
  send(alert: Alert, context: SendContext): Promise<SendResult>;
  /** Text with this channel's secrets taken out, for anything that reaches a log or a person. */
  redact(text: string): string;
}
