// Alert delivery on a virtual clock with fake channels, for the delivery tests that must run
// fast (and under mutation testing): one or more processes of Tandem sharing one memory store,
// each deciding when told to; two channels, `a` and `b`, that record every attempt and answer as
// told; and what the processes log, send as telemetry and write to the outbox, captured.
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import type { AlertTiming } from "../../src/app/alerts/setup.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { Alert, Severity } from "../../src/core/alerts.js";
import type { AlertChannel, SendContext, SendResult } from "../../src/ports/alerts.js";
import type { OutboxRow, StateStore } from "../../src/ports/state-store.js";
import type { Telemetry } from "../../src/ports/telemetry.js";
import { noTelemetry } from "../../src/ports/telemetry.js";
import { failingProber } from "./alert-rig.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "./runtime.js";

export const MINUTE = 60_000;
/** The harness's interval. */
export const TICK = 10_000;

/** A channel that records every attempt and answers as told (accepted by default). */
export class FakeChannel implements AlertChannel {
  readonly kind = "webhook";
  readonly target = "https://fake.test";
  fingerprint = "url-1";
  readonly attempts: { key: string; title: string; type: string; at: number }[] = [];
  /** What each attempt was given. */
  readonly contexts: SendContext[] = [];
  /** The alerts it took, whole. */
  readonly got: Alert[] = [];
  answer: (alert: Alert) => SendResult | Promise<SendResult> = () => ({
    outcome: "accepted",
    status: 202,
  });
  constructor(
    readonly name: string,
    private readonly clock: ManualClock,
  ) {}
  render() {
    return {};
  }
  redact(text: string) {
    return text;
  }
  async send(alert: Alert, context: SendContext): Promise<SendResult> {
    this.contexts.push(context);
    this.attempts.push({
      key: alert.key,
      title: alert.title,
      type: alert.type,
      at: this.clock.now(),
    });
    const result = await this.answer(alert);
    if (result.outcome === "accepted") this.got.push(alert);
    return result;
  }
  keys = () => this.got.map((g) => g.key);
  titles = () => this.got.map((g) => g.title);
  ofType = (type: string) => this.got.filter((g) => g.type === type);
  reset(): void {
    this.attempts.length = 0;
    this.got.length = 0;
  }
}

export const FAILING: SendResult = {
  outcome: "retry",
  status: 503,
  reason: "503 Service Unavailable",
};

export interface HarnessOptions {
  readonly timing?: Partial<AlertTiming>;
  /** How a wait passes on the virtual clock (exactly as asked by default). */
  readonly sleep?: (clock: ManualClock, ms: number) => void;
  readonly observers?: readonly string[];
  readonly reminderMinutes?: number;
  /** The channels configured (both by default). */
  readonly channels?: readonly ("a" | "b")[];
}

export class AlertHarness {
  readonly clock = new ManualClock();
  readonly store = new MemoryStateStore();
  readonly a = new FakeChannel("a", this.clock);
  readonly b = new FakeChannel("b", this.clock);
  readonly lines: string[] = [];
  readonly events: {
    name: string;
    properties: Record<string, string>;
    measurements?: unknown;
    scope?: unknown;
  }[] = [];
  /** Outbox rows as written (claims and marks), in order. */
  readonly writes: { ref: string; row: OutboxRow }[] = [];
  /** The `before` of each prune. */
  readonly prunes: number[] = [];
  /** Makes a store call fail: return the error to throw. */
  fault?: (method: string, args: readonly unknown[]) => Error | undefined;
  /** Holds a store call until the promise it returns settles. */
  hold?: (method: string, args: readonly unknown[]) => Promise<void> | undefined;
  /** Store calls made, by method. */
  readonly calls = new Map<string, number>();
  /** `observer>region` pairs whose probes fail. */
  readonly failing = new Set<string>();
  readonly processes = new Map<string, Runtime>();
  #instances = 0;

  constructor(readonly options: HarnessOptions = {}) {}

  #storeFor(): StateStore {
    return new Proxy(this.store, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          const method = String(property);
          this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
          await this.hold?.(method, args);
          const error = this.fault?.(method, args);
          if (error) throw error;
          const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
          if (property === "updateOutbox")
            this.writes.push({ ref: args[0] as string, row: args[1] as OutboxRow });
          if (property === "pruneOutbox") this.prunes.push(args[1] as number);
          return result;
        };
      },
    });
  }

  #telemetry(): Telemetry {
    return {
      ...noTelemetry,
      event: (name, properties, measurements, scope) =>
        void this.events.push({ name, properties: { ...properties }, measurements, scope }),
    };
  }

  /** Starts (or restarts, as a new process) an observer. */
  async start(observer = "westeurope"): Promise<Runtime> {
    const observers = this.options.observers ?? ["westeurope"];
    const rt = await runtimeFor(
      {
        ...twoRegionConfig(
          { westeurope: "http://westeurope.test/", northeurope: "http://northeurope.test/" },
          { observers, policy: { intervalSeconds: TICK / 1000, failureThreshold: 2 } },
        ),
        alerts: {
          reminderMinutes: this.options.reminderMinutes ?? 0,
          channels: (this.options.channels ?? ["a", "b"]).map((name) => ({
            kind: "webhook",
            name,
            url: "https://fake.test/hook",
            secret: "env:HOOK",
          })),
        },
      } as never,
      observer,
      {
        store: this.#storeFor(),
        clock: this.clock,
        instance: `${observer.slice(0, 1)}${++this.#instances}`,
        env: { HOOK: "unused: the channel is replaced" },
        prober: failingProber(this.failing, observer),
        log: {
          info: (m) => void this.lines.push(`${observer} info ${m}`),
          warn: (m) => void this.lines.push(`${observer} warn ${m}`),
          error: (m) => void this.lines.push(`${observer} error ${m}`),
        },
        telemetry: this.#telemetry(),
        alertChannels: Object.fromEntries(
          (this.options.channels ?? ["a", "b"]).map((name) => [name, this[name]]),
        ),
        alertTiming: { attemptTimeoutMs: 1000, ...this.options.timing },
        // Waits pass on the virtual clock.
        alertSleep: async (ms) =>
          (this.options.sleep ?? ((c: ManualClock, t: number) => c.advance(t)))(this.clock, ms),
      },
    );
    this.processes.set(observer, rt);
    return rt;
  }

  get rt(): Runtime {
    return this.processes.values().next().value!;
  }

  /** Writes alerts to the outbox, as the runbook or an event would. */
  async raise(...alerts: Alert[]): Promise<void> {
    await this.store.enqueueAlerts(alerts);
    for (const rt of this.processes.values()) rt.memory.alerts.dirty = true;
  }

  /** After `ms` of virtual time, each process decides (and probes first, with `probe`). */
  async tick(
    options: { ms?: number; settle?: boolean; probe?: boolean; only?: readonly string[] } = {},
  ): Promise<void> {
    this.clock.advance(options.ms ?? TICK);
    const running = [...this.processes].filter(([o]) => !options.only || options.only.includes(o));
    if (options.probe) for (const [, rt] of running) await runProbeTick(rt);
    for (const [, rt] of running) await runOrchestrateTick(rt);
    if (options.settle !== false) for (const [, rt] of running) await alertsSettled(rt);
  }

  /** Ticks until `done` holds, at most `max` times. */
  async until(
    done: () => boolean | Promise<boolean>,
    max = 100,
    options: Parameters<AlertHarness["tick"]>[0] = {},
  ): Promise<number> {
    for (let i = 0; i < max; i++) {
      if (await done()) return i;
      await this.tick(options);
    }
    throw new Error(`not within ${max} ticks`);
  }

  /** Ticks until a process holds the lease, then forgets what the channels got so far. */
  async lease(): Promise<Runtime> {
    await this.until(() => [...this.processes.values()].some((rt) => rt.memory.lease.held), 20);
    await this.tick();
    this.a.reset();
    this.b.reset();
    this.lines.length = 0;
    this.events.length = 0;
    this.writes.length = 0;
    this.calls.clear();
    return [...this.processes.values()].find((rt) => rt.memory.lease.held)!;
  }

  /** The last write of the alert's outbox row. */
  lastWrite(key: string): OutboxRow | undefined {
    return this.writes.filter((w) => w.row.alert.key === key).at(-1)?.row;
  }
}

let n = 0;
/** An alert of no group (every channel wants it), at the harness's time. */
export function testAlert(
  h: AlertHarness,
  severity: Severity = "warning",
  over: Partial<Alert> = {},
): Alert {
  const i = ++n;
  return {
    // Zero-padded: the outbox orders alerts of one time by key.
    key: `test:${String(i).padStart(6, "0")}|paused`,
    type: "automation.paused",
    severity,
    at: h.clock.now(),
    observer: "westeurope",
    subject: `test:${i}`,
    title: `alert ${i}`,
    summary: `the ${i}th alert`,
    ...over,
  };
}
