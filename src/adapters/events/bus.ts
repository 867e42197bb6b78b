// The event bus behind the Events port: hands each event to every subscriber, and keeps them
// from the emitter. A subscriber that throws is reported; one that returns a promise is not
// awaited (a hanging one costs the emitter nothing); one that falls behind by more than
// MAX_PENDING unsettled events is skipped until it catches up, with a report, so a channel that
// never answers cannot grow memory without bound.
import { errorText } from "../../core/errors.js";
import type { Events, Subscriber, TandemEvent } from "../../ports/events.js";

const MAX_PENDING = 1000;

interface Entry {
  readonly name: string;
  readonly fn: Subscriber;
  pending: number;
  skipped: number;
}

export class EventBus implements Events {
  readonly #entries: Entry[] = [];
  readonly #pending = new Set<Promise<void>>();
  readonly #report: (subscriber: string, problem: string) => void;

  /** `report` hears about subscribers that fail or fall behind; it must not throw. */
  constructor(report: (subscriber: string, problem: string) => void = () => {}) {
    this.#report = report;
  }

  /** Adds a subscriber; the returned function removes it. */
  subscribe(name: string, fn: Subscriber): () => void {
    const entry: Entry = { name, fn, pending: 0, skipped: 0 };
    this.#entries.push(entry);
    return () => {
      const i = this.#entries.indexOf(entry);
      if (i >= 0) this.#entries.splice(i, 1);
    };
  }

  emit(event: TandemEvent): void {
    for (const entry of this.#entries) this.#deliver(entry, event);
  }

  #deliver(entry: Entry, event: TandemEvent): void {
    if (entry.pending >= MAX_PENDING) {
      if (entry.skipped++ === 0)
        this.#safeReport(
          entry.name,
          `${MAX_PENDING} events still unsettled: skipping events until it catches up`,
        );
      return;
    }
    if (entry.skipped > 0) {
      this.#safeReport(entry.name, `caught up; ${entry.skipped} event(s) were skipped`);
      entry.skipped = 0;
    }
    let result: void | Promise<void>;
    try {
      result = entry.fn(event);
    } catch (error) {
      this.#safeReport(entry.name, `failed on ${event.type}: ${errorText(error)}`);
      return;
    }
    if (!result || typeof (result as Promise<void>).then !== "function") return;
    entry.pending++;
    const settled: Promise<void> = (result as Promise<void>)
      .then(
        () => undefined,
        (error: unknown) =>
          this.#safeReport(entry.name, `failed on ${event.type}: ${errorText(error)}`),
      )
      .finally(() => {
        entry.pending--;
        this.#pending.delete(settled);
      });
    this.#pending.add(settled);
  }

  #safeReport(subscriber: string, problem: string): void {
    try {
      this.#report(subscriber, problem);
    } catch {
      // A report that fails has nowhere left to go.
    }
  }

  /**
   * Waits until the subscribers' work in progress settles, or `ms` passes: for a host that ends
   * the process after an invocation (telemetry flushes within it). True when all settled.
   */
  async drain(ms: number): Promise<boolean> {
    if (this.#pending.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const all = Promise.all([...this.#pending]).then(() => true as const);
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
