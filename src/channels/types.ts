// What an alert channel kind is: one folder per kind of receiver (teams, slack, pagerduty,
// webhook...), exporting one of these. The configuration's `alerts.channels` union is built from
// their schemas, the composition root builds channels with them (each loading its implementation
// only then), the sandbox starts each one's receiver, and every kind passes one contract suite.
// Adding a kind is one folder and one line in registry.ts (docs/alerts.md, "Adding an alert
// channel"; ADR 24).
import { namedError } from "../core/errors.js";
import type { z } from "zod";
import type { AlertChannel } from "../ports/alerts.js";

/** A channel's own settings as the configuration holds them (the common filter fields aside). */
export type ChannelSettings = { readonly kind: string; readonly name: string } & Readonly<
  Record<string, unknown>
>;

/** The schema of a kind's own settings: a strict object whose `kind` is the kind's. */
export type ChannelSchema = z.ZodObject<{ kind: z.ZodType<string, string | undefined> }>;

/** A setting a channel cannot work with, named so that the message says what to fix. */
export class ChannelSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ChannelSettingsError";
  }
}

export function isChannelSettingsError(error: unknown): error is ChannelSettingsError {
  return typeof namedError(error, "ChannelSettingsError")?.field === "string";
}

export interface ChannelKind<S extends ChannelSettings = ChannelSettings> {
  /** The `kind` that names it in `alerts.channels[]`. */
  readonly kind: S["kind"];
  /** Its name for people, e.g. "Microsoft Teams (Workflows)". */
  readonly title: string;
  /** Its own settings (secret references included), with `kind` and each field's help text. */
  readonly schema: ChannelSchema;
  /**
   * Builds a channel; `secret` resolves a secret reference (`env:NAME`) to its value. Loads the
   * kind's implementation (its renderer, any library) now, not before: a Function App loads only
   * the kinds it is configured with. Rejects with a ChannelSettingsError, naming the field, for a
   * value it cannot work with (never quoting it).
   */
  create(settings: S, secret: (ref: string) => string): Promise<AlertChannel>;
  /**
   * The module (URL) with its receiver for tests and the sandbox, exporting
   * `receiver: ChannelReceiver`. Named, not imported, so the Function App never loads it.
   */
  readonly receiver: string;
}

/** Every alert channel kind Tandem knows; a channel's `kind` names one. */
export type ChannelKindRegistry = readonly ChannelKind[];

/** A request as a receiver got it. */
interface ReceivedRequest {
  /** The body as sent. */
  readonly raw: string;
  /** The body parsed as JSON. */
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** How a receiver answers a request it takes, and what it makes of it. */
interface ReceiverAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** One line: the alert's title as the real receiver would show it, without its icon. */
  readonly title: string;
  /** Whether a signature verified, for a kind that signs. */
  readonly verified?: boolean;
}

/**
 * A loopback stand-in for a kind's real receiver, answering as the real one does on success.
 * The sandbox serves every kind's receiver on one server, each under its own path, and makes it
 * misbehave (hang, 429, 500, 410) for tests and for trying it.
 */
export interface ChannelReceiver {
  /** The path it listens on; like the real one's, it may carry the channel's secret. */
  readonly path: string;
  /**
   * The channel's settings (besides `kind` and `name`) that send to it, given the receiver's
   * full URL and a secret reference for each secret it needs (`ref("webhookUrl")`).
   */
  settings(url: string, ref: (field: string) => string): Record<string, unknown>;
  /** The value of each secret setting, by field: what the app settings hold. */
  secrets(url: string): Readonly<Record<string, string>>;
  /** Everything secret a channel of this kind holds: none may appear in a log or an error. */
  secretValues(url: string): readonly string[];
  /** Takes a request (JSON already parsed) and says how to answer it. */
  answer(request: ReceivedRequest): ReceiverAnswer;
}
