// Builds runtimes for tests through the composition root, with fakes passed in.
import { after, before } from "node:test";
import type { Runtime } from "../../src/app/runtime.js";
import { RegionalApp } from "../../src/sandbox/regional-app.js";
import { compose } from "../../src/compose.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import type { Clock } from "../../src/ports/clock.js";
import type { StateStore } from "../../src/ports/state-store.js";
import type { Prober } from "../../src/ports/prober.js";
import type { Witness } from "../../src/ports/witness.js";
import type { ClusterControl } from "../../src/ports/cluster-control.js";
import type { TrafficRouter } from "../../src/ports/traffic-router.js";
import type { Principal } from "../../src/app/auth.js";
import type { ComposeOptions } from "../../src/compose.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { sleepOneTurn } from "../../src/app/bounded.js";

export class ManualClock implements Clock {
  constructor(public time = 1_800_000_000_000) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  /**
   * Time passes at once, after one turn, unless the sleep is called off first: whatever settles
   * without time passing (a memory lever's answer) wins a race against a sleep, as it does
   * against a real timer, and the sleep that lost does not move the clock (sleepOneTurn).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOneTurn(ms, signal, (passed) => (this.time += passed));
  }
}

/**
 * Time set by the test, waits in real time: the ARM emulator answers over HTTPS in real time, and
 * a tick waits for the levers until its deadline (settleBy sleeps on the runtime's clock) as long
 * as the product would, or `scale` times as long (a test that runs Azure's timings faster). Real
 * calls take the real time they take, and no sleep moves the clock: a fenced call is cut only
 * when the test has moved the clock past its acting time (ADR 30).
 */
export class ManualTimeRealWaits extends ManualClock {
  constructor(
    /** Real ms waited per ms of sleep. */
    private readonly scale = 1,
    /** The clock's time at the start (ManualClock's default when not given). */
    time?: number,
  ) {
    super(time);
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms * this.scale, signal);
  }
}

/**
 * A manual clock whose sleeps end only when `advance` moves it to their end (or their signal
 * aborts): a deadline on it comes when the test says, and not before.
 */
export class SteppedClock extends ManualClock {
  readonly #sleepers = new Set<{ readonly at: number; readonly wake: () => void }>();
  override advance(ms: number): void {
    super.advance(ms);
    for (const s of [...this.#sleepers].sort((a, b) => a.at - b.at))
      if (s.at <= this.time) s.wake();
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        at: this.time + ms,
        wake: () => {
          this.#sleepers.delete(sleeper);
          signal?.removeEventListener("abort", sleeper.wake);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", sleeper.wake, { once: true });
    });
  }
  /** How many sleeps are waiting. */
  get sleeping(): number {
    return this.#sleepers.size;
  }
}

/**
 * A two-region active-passive group probing the given URLs, observed from both regions (or the
 * `observers` given) with short ticks (or the `policy` given, in place of them).
 */
export function twoRegionConfig(
  urls: { westeurope: string; northeurope: string; entry?: string },
  options: { observers?: readonly string[]; policy?: TandemConfigInput["policy"] } = {},
): TandemConfigInput {
  return {
    observers: (options.observers ?? ["westeurope", "northeurope"]).map((region) => ({ region })),
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    policy: options.policy ?? { intervalSeconds: 2, probeTimeoutSeconds: 1, failureThreshold: 3 },
    groups: [
      {
        name: "shop",
        model: "active-passive",
        ...(urls.entry ? { entryPoint: { url: urls.entry } } : {}),
        regions: [
          { name: "westeurope", role: "primary", probe: { url: urls.westeurope } },
          { name: "northeurope", role: "secondary", probe: { url: urls.northeurope } },
        ],
      },
    ],
  };
}

export function runtimeFor(
  raw: TandemConfigInput,
  observer: string,
  parts: {
    store: StateStore;
    clock?: Clock;
    prober?: Prober;
    witness?: Witness;
    instance?: string;
    router?: TrafficRouter;
    clusters?: ClusterControl;
    data?: ComposeOptions["data"];
    armBudget?: ComposeOptions["armBudget"];
    /**
     * Who calls the API without credentials. Nobody by default: the API authorises as it does in
     * Azure. A test that wants anonymous callers to act passes TEST_OPERATOR by name.
     */
    localPrincipal?: Principal;
    env?: Record<string, string>;
    subscribers?: ComposeOptions["subscribers"];
    /** The Azure levers' connection (the ARM emulator's), for configs with Azure resources. */
    arm?: ComposeOptions["arm"];
    credential?: ComposeOptions["credential"];
    log?: ComposeOptions["log"];
    alertTiming?: ComposeOptions["alertTiming"];
    alertChannels?: ComposeOptions["alertChannels"];
    alertSleep?: ComposeOptions["alertSleep"];
    ingestionCa?: ComposeOptions["ingestionCa"];
    telemetry?: ComposeOptions["telemetry"];
    /** Alert channel kinds besides (or instead of) the built-in ones: a test's. */
    channelKinds?: ComposeOptions["channelKinds"];
  },
): Promise<Runtime> {
  const config = parts.channelKinds
    ? parseConfig(raw, "configuration", undefined, undefined, parts.channelKinds)
    : parseConfig(raw);
  return compose({ config, observer, ...parts });
}

/** A runtime per observer over the same parts (one store, one clock): a deployment of several. */
export async function runtimesFor(
  raw: TandemConfigInput,
  observers: readonly string[],
  parts: Parameters<typeof runtimeFor>[2],
): Promise<Runtime[]> {
  const runtimes: Runtime[] = [];
  for (const observer of observers) runtimes.push(await runtimeFor(raw, observer, parts));
  return runtimes;
}

/** An anonymous caller who may read: for tests of the read API that are not about authorisation. */
export const TEST_READER: Principal = { name: "test-reader", roles: ["reader"], via: "local" };

export const TEST_OPERATOR: Principal = {
  name: "test-operator",
  roles: ["reader", "operator"],
  via: "local",
};

/**
 * Two emulated regional apps, started before the suite's tests and stopped after them. Call it at
 * the top of a `describe`.
 */
export function regionalApps(): { weu: RegionalApp; neu: RegionalApp } {
  const apps = { weu: new RegionalApp("westeurope"), neu: new RegionalApp("northeurope") };
  before(async () => {
    await apps.weu.start();
    await apps.neu.start();
  });
  after(async () => {
    await apps.weu.stop();
    await apps.neu.stop();
  });
  return apps;
}
