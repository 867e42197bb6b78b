// The alert outbox in the state store: one row per alert, written with the state change that
// causes it where the store allows (docs/alerts.md, "sent once"), delivered by the lease holder,
// which claims a row by its version before sending and marks it by the claimed version after.
import type { Alert, Severity } from "../core/alerts.js";
import type { StoreCallOptions } from "./state-store.js";

/** Where one alert stands with one channel. */
export interface Delivery {
  readonly state: "pending" | "sent" | "failed" | "skipped";
  readonly attempts: number;
  /** The last attempt, on the sender's clock. */
  readonly at?: number;
  readonly status?: number;
  /** Why it failed or was skipped, with the channel's secrets taken out. */
  readonly note?: string;
  /** Not before (the sender's clock): the backoff, or the receiver's Retry-After. */
  readonly retryAt?: number;
  /** Set when it failed because its delivery window ran out. */
  readonly givenUp?: true;
}

export interface OutboxRow {
  readonly alert: Alert;
  /** Per channel the alert is for; channels are added when the row is first claimed. */
  readonly deliveries: Readonly<Record<string, Delivery>>;
  /** The holder sending it: only it may mark the row; a later epoch may take it over. */
  readonly claim?: { readonly holder: string; readonly epoch: number };
  /** Every channel's delivery has ended (sent, failed or skipped). */
  readonly done: boolean;
  readonly doneAt?: number;
}

export interface StoredOutboxRow {
  /** Where the row is, for updateOutbox; opaque. */
  readonly ref: string;
  readonly row: OutboxRow;
  readonly etag: string;
}

/** What the status shows of a channel; written by whoever delivers or tests through it. */
export interface ChannelRecord {
  /** Set when the receiver answered 404 or 410: nothing is sent until its URL changes or a test passes. */
  readonly disabled?: {
    readonly at: number;
    readonly reason: string;
    readonly fingerprint: string;
  };
  readonly lastDelivery?: { readonly at: number; readonly type: string; readonly status?: number };
  readonly lastFailure?: { readonly at: number; readonly type: string; readonly reason: string };
  readonly delivered: number;
  readonly failed: number;
  /** Failed attempts since the last delivery. */
  readonly failing: number;
  /** Alerts given up on this channel: not taken within their delivery window. */
  readonly givenUp?: number;
  readonly lastGiveUp?: {
    readonly at: number;
    readonly type: string;
    readonly title: string;
    readonly reason: string;
  };
  /**
   * Set while give-ups on this channel have been told (channel.undelivered) and it has not
   * delivered since: when the first was, and the severity told so far.
   */
  readonly undelivered?: { readonly since: number; readonly severity: Severity };
}

/** A write of the runbook's state that may carry the alerts it causes, in the same write. */
export interface WriteWithAlerts extends StoreCallOptions {
  readonly alerts?: readonly Alert[];
}

export interface OutboxStore {
  /**
   * Adds each alert whose key is not in the outbox yet; one already there (sent or not) is left
   * as it is. For alerts that no single conditional write causes (see writeIncident and
   * writeRegionStates for those that are).
   */
  enqueueAlerts(alerts: readonly Alert[], options?: StoreCallOptions): Promise<void>;
  /** The rows not yet done, of these groups and of no group, oldest alert first. */
  readOutbox(groups: readonly string[], options?: StoreCallOptions): Promise<StoredOutboxRow[]>;
  /** Replaces a row if it is still at `etag`; a StoreError of kind "conflict" otherwise. */
  updateOutbox(
    ref: string,
    row: OutboxRow,
    etag: string,
    options?: StoreCallOptions,
  ): Promise<string>;
  /** Removes done rows marked done before `before` (the marker's clock); returns how many. */
  pruneOutbox(
    groups: readonly string[],
    before: number,
    options?: StoreCallOptions,
  ): Promise<number>;
  readAlertChannels(options?: StoreCallOptions): Promise<Record<string, ChannelRecord>>;
  writeAlertChannel(name: string, record: ChannelRecord, options?: StoreCallOptions): Promise<void>;
}
