// What an alert channel provider is: one folder per kind of receiver (teams, slack, pagerduty,
// webhook), exporting one of these. The configuration's `alerts.channels` union is built from
// their schemas, the composition root builds channels with their factories. Adding a kind is one
// folder and one line in registry.ts.
import type { z } from "zod";
import type { AlertChannel } from "../ports/alerts.js";

/** A channel's own settings as the configuration holds them (the common filter fields aside). */
export type ChannelSettings = { readonly kind: string; readonly name: string } & Readonly<
  Record<string, unknown>
>;

/** The schema of a provider's own settings: a strict object whose `kind` is the provider's. */
export type ChannelSchema = z.ZodObject<{ kind: z.ZodType<string, string | undefined> }>;

/** A setting a provider cannot work with, named so that the message says what to fix. */
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
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "ChannelSettingsError" &&
    typeof (error as { field?: unknown }).field === "string"
  );
}

export interface ChannelProvider<S extends ChannelSettings = ChannelSettings> {
  /** The `kind` that names it in `alerts.channels[]`. */
  readonly kind: string;
  /** Its name for people, e.g. "Microsoft Teams (Workflows)". */
  readonly title: string;
  /** Its own settings (secret references included), with `kind` and each field's help text. */
  readonly schema: ChannelSchema;
  /**
   * Builds the channel; `secret` resolves a secret reference (`env:NAME`) to its value. Throws a
   * ChannelSettingsError, naming the field, for a value it cannot work with (never quoting it).
   */
  create(settings: S, secret: (ref: string) => string): AlertChannel;
}

/** Declares a provider, typed by its own settings. */
export function channelProvider<S extends ChannelSettings>(p: ChannelProvider<S>): ChannelProvider {
  return p as unknown as ChannelProvider;
}
