// Where Tandem's records for Azure Monitor go: availability per probe, custom events, metrics and
// dependencies. Every call only buffers (it never waits, never throws); `flush` sends what is
// buffered and is bounded by the caller's time. The scope ties records to the tick or request
// that caused them (its operation id) and to the incident they belong to.

/** What a record belongs to: the tick or request (operation), and the incident if any. */
export interface TelemetryScope {
  /** The tick's `instance:seq` (or `instance:decide:n` for a decision on a peer's request), or an API request's id. */
  readonly operation?: string;
  readonly incident?: string;
}

export type Properties = Readonly<Record<string, string>>;
export type Measurements = Readonly<Record<string, number>>;

export interface AvailabilityRecord {
  /** `group/region` or `group/entry-point`. */
  readonly name: string;
  /** The observer region that probed. */
  readonly runLocation: string;
  readonly success: boolean;
  readonly durationMs: number;
  /** The failure kind and text; empty on success. */
  readonly message: string;
  readonly properties: Properties;
  readonly measurements?: Measurements;
}

export interface DependencyRecord {
  /** `arm` or `state-store`. */
  readonly kind: "arm" | "state-store";
  /** What was called: `PATCH /subscriptions/…/endpoints/x`, or a store operation's name. */
  readonly name: string;
  /** The host or table. */
  readonly target: string;
  /** The full URL for ARM; the group or key for the store. */
  readonly data?: string;
  /** HTTP status, or a store error kind; empty when the call threw before any answer. */
  readonly resultCode: string;
  readonly success: boolean;
  readonly durationMs: number;
  /** When the call started (wall clock). */
  readonly startedAt: number;
}

export interface Telemetry {
  /** Runs `fn` with `scope` merged over the current one: records made inside carry it. */
  within<T>(scope: TelemetryScope, fn: () => T): T;
  /** The scope records made now would carry. */
  current(): TelemetryScope;
  availability(record: AvailabilityRecord, scope?: TelemetryScope): void;
  event(
    name: string,
    properties: Properties,
    measurements?: Measurements,
    scope?: TelemetryScope,
  ): void;
  /** A measurement, aggregated before sending (customMetrics). */
  metric(name: string, value: number, properties?: Properties): void;
  dependency(record: DependencyRecord): void;
  /** Sends what is buffered; resolves within `ms` (false if not everything was sent by then). */
  flush(ms: number): Promise<boolean>;
  /** Sends what is left (bounded) and stops. */
  close(ms: number): Promise<void>;
}

/** Telemetry that goes nowhere: no connection string, or a test that does not look. */
export const noTelemetry: Telemetry = {
  within: (_scope, fn) => fn(),
  current: () => ({}),
  availability: () => {},
  event: () => {},
  metric: () => {},
  dependency: () => {},
  flush: () => Promise.resolve(true),
  close: () => Promise.resolve(),
};
