// A Tandem with alert channels of every kind, talking to real receivers on loopback (the
// sandbox's), for the delivery tests: observers with fake probes on a manual clock, one memory
// store, and everything each process logs captured.
import { after, before } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import type { AlertTiming } from "../../src/app/alerts/setup.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { ProbeOutcome } from "../../src/core/index.js";
import type { Log } from "../../src/ports/log.js";
import type { Prober } from "../../src/ports/prober.js";
import type { StateStore } from "../../src/ports/state-store.js";
import type { ChannelKindRegistry } from "../../src/channels/types.js";
import { AlertReceivers } from "../../src/sandbox/alert-receivers.js";
import type { Principal } from "../../src/app/auth.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "./runtime.js";
import { shopRouter } from "./shop-runbook.js";

/** Every secret value the rig's channels hold: none may appear in a log, error, audit or status. */
export const secretValues = (receivers: AlertReceivers): string[] => receivers.secretValues();

export const FAST_TIMING: Partial<AlertTiming> = {
  attemptTimeoutMs: 400,
  attemptsPerRun: 1,
  backoffMs: 40,
  maxBackoffMs: 200,
  maxRetryAfterMs: 1500,
};

/** Starts the receivers before the suite and stops them after; call at the top of a describe. */
export function receiversForSuite(receivers = new AlertReceivers()): { receivers: AlertReceivers } {
  const rig = { receivers };
  before(async () => rig.receivers.start());
  after(async () => rig.receivers.stop());
  return rig;
}

export interface RigOptions {
  readonly receivers?: AlertReceivers;
  readonly observers?: readonly string[];
  readonly policy?: Record<string, unknown>;
  /** Channels: every kind by default; [] for none. */
  readonly kinds?: readonly string[];
  /** The channel kinds the configuration may name: a test's besides the built-in ones. */
  readonly channelKinds?: ChannelKindRegistry;
  readonly channelExtra?: Record<string, unknown>;
  readonly reminderMinutes?: number;
  /** Who calls the API without credentials (nobody by default). */
  readonly localPrincipal?: Principal;
  /** Delivery timing over FAST_TIMING. */
  readonly timing?: Partial<AlertTiming>;
}

export class Rig {
  readonly store = new MemoryStateStore();
  readonly clock = new ManualClock();
  readonly router = shopRouter();
  /** `observer>region` pairs whose probes fail; `*>region` for every observer. */
  readonly failing = new Set<string>();
  readonly lines: string[] = [];
  readonly runtimes = new Map<string, Runtime>();
  readonly config: TandemConfigInput;
  readonly env: Record<string, string>;
  #instances = 0;

  constructor(readonly options: RigOptions = {}) {
    const receivers = options.receivers;
    const kinds = options.kinds ?? receivers?.kinds ?? [];
    const extra = options.channelExtra ?? {};
    const built = receivers?.channels("RIG", kinds) ?? { channels: [], env: {} };
    const channels = built.channels.map((channel) => ({ ...channel, ...extra }));
    this.env = built.env;
    const observers = options.observers ?? ["westeurope", "northeurope"];
    this.config = {
      ...twoRegionConfig(
        {
          westeurope: "http://westeurope.test/healthz",
          northeurope: "http://northeurope.test/healthz",
        },
        {
          observers,
          policy: {
            intervalSeconds: 2,
            probeTimeoutSeconds: 1,
            failureThreshold: 3,
            ...options.policy,
          },
        },
      ),
      alerts: {
        channels: channels as any,
        links: { baseUrl: "https://tandem.contoso.com" },
        reminderMinutes: options.reminderMinutes ?? 0,
      },
    };
  }

  log(observer: string): Log {
    return {
      info: (m) => this.lines.push(`${observer} info ${m}`),
      warn: (m) => this.lines.push(`${observer} warn ${m}`),
      error: (m) => this.lines.push(`${observer} error ${m}`),
    };
  }

  prober(observer: string): Prober {
    return failingProber(this.failing, observer);
  }

  /** Starts (or restarts, as a new process) an observer. */
  async start(observer: string, store: StateStore = this.store): Promise<Runtime> {
    const rt = await runtimeFor(this.config, observer, {
      store,
      clock: this.clock,
      router: this.router,
      prober: this.prober(observer),
      instance: `${observer.slice(0, 1)}${++this.#instances}`,
      env: this.env,
      log: this.log(observer),
      alertTiming: { ...FAST_TIMING, ...this.options.timing },
      ...(this.options.channelKinds ? { channelKinds: this.options.channelKinds } : {}),
      ...(this.options.localPrincipal ? { localPrincipal: this.options.localPrincipal } : {}),
    });
    this.runtimes.set(observer, rt);
    return rt;
  }

  /** One interval: every running observer probes, then orchestrates; optionally waits for alerts. */
  async tick(options: { settle?: boolean; only?: readonly string[] } = {}): Promise<void> {
    const running = [...this.runtimes].filter(([o]) => !options.only || options.only.includes(o));
    for (const [, rt] of running) await runProbeTick(rt);
    for (const [, rt] of running) await runOrchestrateTick(rt);
    if (options.settle !== false) for (const [, rt] of running) await alertsSettled(rt);
    this.clock.advance(2000);
  }

  async ticks(n: number, options: { settle?: boolean; only?: readonly string[] } = {}) {
    for (let i = 0; i < n; i++) await this.tick(options);
  }

  /** Ticks until `done` holds (at most `max` intervals). */
  async until(
    done: () => boolean | Promise<boolean>,
    max = 40,
    options: { settle?: boolean; only?: readonly string[] } = {},
  ) {
    for (let i = 0; i < max; i++) {
      if (await done()) return i;
      await this.tick(options);
      // What is sent beside the ticks (straight to the channels) gets a moment in real time.
      for (let wait = 0; wait < 10 && !(await done()); wait++)
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`not within ${max} intervals`);
  }

  async incidentSteps(): Promise<string[]> {
    return (await this.store.readIncidents("shop")).map((s) => s.incident.step);
  }
}

/**
 * Probes that answer 503 for the `observer>region` pairs in `failing` (`*>region`: every
 * observer), 200 otherwise; the region is the first label of the probed URL's host.
 */
export function failingProber(failing: ReadonlySet<string>, observer: string): Prober {
  return {
    probe: async (request): Promise<ProbeOutcome> => {
      const region = request.kind === "http" ? new URL(request.url).hostname.split(".")[0]! : "";
      const fails = failing.has(`${observer}>${region}`) || failing.has(`*>${region}`);
      return fails
        ? {
            ok: false,
            latencyMs: 3,
            statusCode: 503,
            error: { kind: "http-status", message: "answered 503" },
          }
        : { ok: true, latencyMs: 3, statusCode: 200 };
    },
  };
}

/** Webhook bodies received, by alert key. */
export function webhookKeys(receivers: AlertReceivers): string[] {
  return receivers.received
    .filter((r) => r.kind === "webhook")
    .map((r) => (r.body as { data: { key: string } }).data.key);
}

export const webhookTypes = (receivers: AlertReceivers) =>
  receivers.received
    .filter((r) => r.kind === "webhook")
    .map((r) => (r.body as { type: string }).type);
