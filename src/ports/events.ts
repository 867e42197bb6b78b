// Where use cases say what happened: typed domain events (src/core/events.ts). Emitting never
// waits and never throws; what subscribers do with an event (print it, alert, send telemetry)
// cannot slow or fail the tick or request that emitted it.
import type { TandemEvent } from "../core/events.js";

export type { EventBody, EventOrigin, EventType, TandemEvent } from "../core/events.js";

export interface Events {
  emit(event: TandemEvent): void;
  /** Waits up to `ms` for subscribers' work in progress (a host ending an invocation). */
  drain?(ms: number): Promise<boolean>;
}

export interface NamedSubscriber {
  readonly name: string;
  readonly fn: Subscriber;
}

/** A subscriber: may be slow, may fail; the bus isolates it. */
export type Subscriber = (event: TandemEvent) => void | Promise<void>;
