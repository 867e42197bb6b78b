// Deterministic simulation of Tandem's whole decision path: the real ticks of three observers
// (one timer each: probe, then decide), side by side in virtual time as in Azure, with their
// requests to each other to probe now; the real store code (in memory), the real runbook,
// against a simulated world with seeded faults. After each run, the invariants are checked. A
// failing seed is replayed with `npm run sim -- --seed N`. Active-passive and passive-cold groups
// have data stores that follow traffic (data-model.ts; their invariants in data-check.ts; what is
// modelled in docs/data.md, "In the simulator").
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { answerPeer, runObserverTick } from "../../src/app/observer-tick.js";
import { ArmBudgetTracker } from "../../src/adapters/azure/budget.js";
import { effectivePolicy } from "../../src/config/policy.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import type { Incident, ProbeOutcome } from "../../src/core/index.js";
import { isOpen, primaryOf } from "../../src/core/index.js";
import { parseConfig } from "../../src/config/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Clock } from "../../src/ports/clock.js";
import type { PeerProbeRequest, Peers } from "../../src/ports/peers.js";
import type { TrafficRouter } from "../../src/ports/traffic-router.js";
import type { ProbeRequest, Prober } from "../../src/ports/prober.js";
import type { OutboxRow, StateStore } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import { random } from "../helpers/random.js";
import { alertsSettled } from "../../src/app/alerts/sender.js";
import type { AlertChannel } from "../../src/ports/alerts.js";
import type { RoutingState } from "../../src/core/levers.js";
import { topRegions } from "../../src/core/levers.js";
import { FRONT_DOOR_LEVER } from "../../src/providers/front-door/capabilities.js";
import type { ServiceTimings } from "../../src/sandbox/arm/timing.js";
import type { Detection } from "./detection.js";
import { concurrentFaults, holdOf, noHolder } from "./detection.js";
import type { ArmCall, ArmFaults, ArmTally } from "./arm-model.js";
import { ARM_LATENCY, SimArm, armFaultsFor, slowArmFaults, tally } from "./arm-model.js";
import type { RouteRecord } from "./route-check.js";
import { checkRoute } from "./route-check.js";
import { PROVIDERS, withProviders } from "../../src/providers/registry.js";
import { testStore } from "../providers/test-store/index.js";
import type { DataSetup } from "./data-model.js";
import { SimData, dataSetupFor } from "./data-model.js";
import type { AskRecord, DataTally, KeptRecord } from "./data-check.js";
import { checkData } from "./data-check.js";

export { random };

export type Model = "active-passive" | "passive-cold" | "active-active";
const REGIONS = ["westeurope", "northeurope"] as const;
const OBSERVERS = ["westeurope", "northeurope", "swedencentral"] as const;
const INTERVAL = 10_000;
/** The data step's timeout in the sweep (production's 600 s would outlast a run). */
const DATA_TIMEOUT_S = 90;
/** Timer slots of the quiet period, in which the group must settle. */
const QUIET_SLOTS = 30;
const SUB = "00000000-0000-0000-0000-000000000000";

interface Window {
  readonly from: number;
  readonly to: number;
}
const inside = (w: readonly Window[], t: number) => w.some((x) => t >= x.from && t < x.to);

export interface Faults {
  /** Hard outages per region: every probe of it fails. */
  outages: Record<string, Window[]>;
  /** Flapping: the region alternates between down and up every `period` ms. */
  flapping?: Record<string, (Window & { period: number })[]>;
  /** Gray failures: each probe of the region fails with this probability. */
  gray: Record<string, (Window & { p: number })[]>;
  /** An observer cannot reach a region (a partition between them). */
  partitions: (Window & { observer: string; region: string })[];
  /** An observer's control target fails (it is impaired). */
  impaired: (Window & { observer: string })[];
  /** An observer is down (crash: it restarts with no memory) or paused (keeps its memory). */
  down: (Window & { observer: string; crash: boolean })[];
  /** Every store call fails. */
  storeOutages: Window[];
  /** Random store and lever error rates. */
  storeErrorRate: number;
  leverErrorRate: number;
  /** Clock offsets per observer. */
  skew: Record<string, number>;
  /** Random probe loss. */
  probeLoss: number;
  /** One observer sees one region slow: every other probe fails as too slow. */
  spikes?: (Window & { observer: string; region: string })[];
  /** The alert receiver answers 503 with this probability. */
  alertErrorRate?: number;
  /** The lease holder's process dies right after its tick, before it sends alerts. */
  crashAfterTick?: number;
  /** The process dies while sending: after the receiver took an alert, before it is marked. */
  crashInSend?: number;
  /**
   * Azure Resource Manager (see arm-model.ts): heavy-tailed latency, 429 and 500 bursts, changes
   * made after the client gave up. Absent: every lever call answers at once.
   */
  arm?: ArmFaults;
}

/** Alert faults, from their own random stream (the other faults stay as they were per seed). */
function alertFaults(seed: number): Partial<Faults> {
  const rand = random(seed * 104_729 + 3);
  return {
    alertErrorRate: rand() < 0.3 ? 0.1 : 0,
    crashAfterTick: rand() < 0.4 ? 0.05 : 0,
    crashInSend: rand() < 0.2 ? 0.01 : 0,
  };
}

export interface SimOptions {
  readonly model: Model;
  readonly minutes: number;
  /**
   * `chaos` (default): every fault kind at random. `outage`: one hard outage of the primary, with
   * 2 % probe loss. `noise`: no outage; 2 % probe loss, latency spikes and a partition between
   * one observer and one region, now and then (for counting false failovers). `failover`: one
   * hard outage of the primary with a healthy standby, ARM's latency and bursts around it, and
   * only the faults a failover must get through on its own (see failoverOnly).
   */
  readonly scenario?: Scenario;
  /**
   * Azure Resource Manager (arm-model.ts): `latency` (the default for `chaos`) draws every lever
   * call's latency from a log-normal of median 1 s and p99 30 s, with the client's 30 s timeout
   * (a write it gave up on may still be made), and now and then a 429 burst with Retry-After and
   * a 500 burst; `slow` is four times slower with 429 and 500 storms back to back for the whole
   * run, for checking that detection does not wait on ARM; `off` (the default for `outage` and
   * `noise`) answers every call at once.
   */
  readonly arm?: ArmMode;
  /** Skip the quiet period and its end-state checks (long noise runs). */
  readonly noQuietPeriod?: boolean;
  /** Alert faults instead of the seed's (chaos only): a case that needs them often. */
  readonly alertFaults?: Partial<Pick<Faults, "alertErrorRate" | "crashAfterTick" | "crashInSend">>;
  /**
   * How the primary's endpoints fail in a hard outage (`refused` when absent): at once (refused,
   * 5xx, reset) or only after the probe's timeout (hang: connected, no answer; TLS stall) or late
   * (too slow: answers after three quarters of the timeout).
   */
  readonly failure?: FailureKind;
  /**
   * Azure's timing for the levers (src/sandbox/arm/timing.ts). With it, a change of routing
   * reaches clients only after the lever's delay (Traffic Manager: the DNS TTL; Front Door: the
   * ARM operation and the edge's propagation), and the observers' probes of the global entry
   * point see what clients see; a cold start takes `clusterStartMs`, a stop `clusterStopMs`,
   * a node pool scale-up `nodePoolScaleMs`; the runbook keeps the production timeouts and
   * failover cap; and the result carries the recovery time. Absent: levers act at once and
   * reach everyone at once (the behaviour every seed was tuned on).
   */
  readonly timing?: ServiceTimings;
  /** The traffic lever `timing` applies to (Traffic Manager when absent). */
  readonly lever?: Lever;
  /**
   * `false`: the group has no data stores. Otherwise an active-passive or passive-cold group has
   * the seed's one or two (data-model.ts), unless `timing` is given (its recovery times are
   * traffic's alone).
   */
  readonly data?: false;
}

export type Lever = "traffic-manager" | "front-door";
export type ArmMode = "off" | "latency" | "slow";
export type Scenario = "chaos" | "failover" | "outage" | "noise";
export const SCENARIOS: readonly Scenario[] = ["chaos", "failover", "outage", "noise"];
export const ARM_MODES: readonly ArmMode[] = ["off", "latency", "slow"];

/** How long after a lever change clients follow it. */
export function clientLagMs(timing: ServiceTimings, lever: Lever): number {
  // Traffic Manager: resolvers keep the previous answer for up to the TTL (the last one to ask
  // just before the change moves a TTL later). Front Door: the update's ARM operation, then the
  // edge's propagation.
  return lever === "front-door" ? timing.operationMs + timing.propagationMs : timing.dnsTtlMs;
}

/** With lever timing: from an outage's start until clients' traffic reaches serving regions. */
export interface Recovery {
  /** When the outage of the primary started (virtual ms). */
  readonly outageFrom: number;
  /**
   * Outage start until every region clients are sent to serves, and stays so to the run's end;
   * undefined when that moment did not come within the run.
   */
  readonly ms?: number;
  /** Outage start until the region traffic moves to could serve (a cold one: started, scaled). */
  readonly standbyMs?: number;
  /** Outage start until the last change of routing at the lever. */
  readonly leverMs?: number;
  /** Each failover incident's last step, and its last note when it did not complete. */
  readonly incidents: readonly string[];
}

export const FAILURE_KINDS = ["refused", "reset", "hang", "tls-stall", "5xx", "too-slow"] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** A failed probe of a region in a hard outage: its kind, and how long the prober waits for it. */
function outageFailure(kind: FailureKind, timeoutMs: number): { kind: string; ms: number } {
  switch (kind) {
    case "refused":
      return { kind: "connect-refused", ms: 1 };
    case "reset":
      return { kind: "reset", ms: 3 };
    case "5xx":
      return { kind: "http-status", ms: 5 };
    case "hang":
      return { kind: "timeout", ms: timeoutMs };
    case "tls-stall":
      return { kind: "tls-handshake", ms: timeoutMs };
    case "too-slow":
      return { kind: "too-slow", ms: Math.round(timeoutMs * 0.75) };
  }
}

export interface SimResult {
  readonly seed: number;
  readonly model: Model;
  /** The scenario and ARM model it ran under, when not the defaults (for its replay command). */
  readonly scenario?: Scenario;
  readonly arm?: ArmMode;
  readonly violations: string[];
  readonly failovers: number;
  /** Alerts delivered, and those delivered again after their first mark was lost. */
  readonly alerts?: { readonly delivered: number; readonly resentAfterCrash: number };
  /** Failover incidents that reached the step that moves traffic (completed, or stopped there). */
  readonly shifts: number;
  readonly outages: number;
  /** Outage start to the first kept `down` verdict, per hard outage of the primary that was detected. */
  readonly detectionMs: number[];
  /** The same detections, each with the faults that overlapped it and what held it back. */
  readonly detections?: readonly Detection[];
  /**
   * From the kept `down` verdict that detected the primary's outage to the first call that
   * changes the traffic lever after it (the call, not ARM's answer); absent when none came.
   */
  readonly verdictToLeverMs?: number;
  /**
   * The observers' requests to each other to probe now: made, answered, failed (the peer down,
   * paused or gone, a partition, the asker's patience); and kept verdicts written by a holder
   * while it was answering one.
   */
  readonly peers?: {
    readonly asked: number;
    readonly answered: number;
    readonly failed: number;
    readonly keptWhileAnswering: number;
  };
  /** With `timing` and an outage scenario: how the outage was recovered from. */
  readonly recovery?: Recovery;
  /** Each outage of the primary: how long until traffic reached the standby, and why not sooner. */
  readonly routes?: readonly RouteRecord[];
  /** The lever calls ARM answered, by outcome. */
  readonly armCalls?: ArmTally;
  /** What the data step did (active-passive and passive-cold: the group has data stores). */
  readonly data?: DataTally;
}

function faultsFor(seed: number, minutes: number): Faults {
  const rand = random(seed);
  const end = minutes * 60_000;
  const at = () => Math.floor(rand() * end * 0.6) + 60_000;
  const span = (min: number, max: number) => min + Math.floor(rand() * (max - min));
  const windows = (n: number, min: number, max: number): Window[] =>
    Array.from({ length: n }, () => {
      const from = at();
      return { from, to: from + span(min, max) };
    });
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  return {
    outages: Object.fromEntries(
      REGIONS.map((r) => [r, rand() < 0.6 ? windows(1, 120_000, 400_000) : []]),
    ),
    flapping: Object.fromEntries(
      REGIONS.map((r) => [
        r,
        rand() < 0.25
          ? windows(1, 60_000, 240_000).map((w) => ({
              ...w,
              period: 10_000 + Math.floor(rand() * 30_000),
            }))
          : [],
      ]),
    ),
    gray: Object.fromEntries(
      REGIONS.map((r) => [
        r,
        rand() < 0.3
          ? windows(1, 60_000, 300_000).map((w) => ({ ...w, p: 0.2 + rand() * 0.5 }))
          : [],
      ]),
    ),
    partitions:
      rand() < 0.4
        ? windows(1, 60_000, 300_000).map((w) => ({
            ...w,
            observer: pick(OBSERVERS),
            region: pick(REGIONS),
          }))
        : [],
    impaired:
      rand() < 0.3
        ? windows(1, 60_000, 200_000).map((w) => ({ ...w, observer: pick(OBSERVERS) }))
        : [],
    down:
      rand() < 0.5
        ? windows(span(1, 3), 20_000, 180_000).map((w) => ({
            ...w,
            observer: pick(OBSERVERS),
            crash: rand() < 0.5,
          }))
        : [],
    storeOutages: rand() < 0.3 ? windows(1, 20_000, 120_000) : [],
    storeErrorRate: rand() < 0.3 ? 0.02 : 0,
    leverErrorRate: rand() < 0.3 ? 0.1 : 0,
    skew: Object.fromEntries(
      OBSERVERS.map((o) => [o, rand() < 0.3 ? Math.floor((rand() - 0.5) * 60_000) : 0]),
    ),
    probeLoss: 0.02,
  };
}

const NO_FAULTS = (): Faults => ({
  outages: {},
  gray: {},
  partitions: [],
  impaired: [],
  down: [],
  storeOutages: [],
  storeErrorRate: 0,
  leverErrorRate: 0,
  skew: {},
  probeLoss: 0.02,
});

/** One hard outage of the primary, starting at a random moment after the first two minutes. */
function outageOnly(seed: number, minutes: number): Faults {
  const rand = random(seed);
  const from = 120_000 + Math.floor(rand() * 60_000);
  return { ...NO_FAULTS(), outages: { [REGIONS[0]]: [{ from, to: minutes * 60_000 }] } };
}

/**
 * The failover through a slow control plane: one hard outage of the primary from the second or
 * third minute to the end, a healthy standby, and only faults a failover must get through on its
 * own: ARM's latency, with 429 and 500 bursts near the outage's start half the time, random lever
 * errors, store errors and clock skew now and then.
 */
function failoverOnly(seed: number, minutes: number): Faults {
  const rand = random(seed * 65_537 + 17);
  const from = 60_000 + Math.floor(rand() * 60_000);
  return {
    ...NO_FAULTS(),
    outages: { [REGIONS[0]]: [{ from, to: minutes * 60_000 }] },
    storeErrorRate: rand() < 0.3 ? 0.02 : 0,
    leverErrorRate: rand() < 0.3 ? 0.1 : 0,
    skew: Object.fromEntries(
      OBSERVERS.map((o) => [o, rand() < 0.3 ? Math.floor((rand() - 0.5) * 60_000) : 0]),
    ),
  };
}

/**
 * No outage at all: probe loss, latency spikes seen by one observer of one region (every other
 * probe too slow for 10 to 40 s), and a partition between one observer and one region, a few
 * times an hour each. None of it may ever cause a failover.
 */
function noiseOnly(seed: number, minutes: number): Faults {
  const rand = random(seed);
  const end = minutes * 60_000;
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  /** One observer and one region, from a time in the 500 s after `t`, for `minMs` to +`spreadMs`. */
  const disturbed = (t: number, minMs: number, spreadMs: number) => {
    const from = t + Math.floor(rand() * 500_000);
    const to = from + minMs + Math.floor(rand() * spreadMs);
    return { from, to, observer: pick(OBSERVERS), region: pick(REGIONS) };
  };
  const spikes: Faults["partitions"] = [];
  const partitions: Faults["partitions"] = [];
  for (let t = 60_000; t < end; t += 600_000) {
    spikes.push(disturbed(t, 10_000, 30_000));
    partitions.push(disturbed(t, 60_000, 120_000));
  }
  return { ...NO_FAULTS(), partitions, spikes } as Faults;
}

/** The group's data stores and policy, as a configuration names them (the sim's own kind). */
function dataConfig(
  setup: DataSetup,
): Pick<TandemConfigInput["groups"][number], "data" | "dataPolicy"> {
  return {
    data: setup.stores.map((store) => ({
      name: store.name,
      kind: "test-store",
      account: store.name,
      allowDataLoss: store.allowDataLoss,
    })),
    dataPolicy: { order: setup.order, failback: setup.failback },
  };
}

function config(
  model: Model,
  probeUrls: (region: string) => string,
  production = false,
  data?: DataSetup,
): TandemConfigInput {
  const roles = model === "active-active" ? ["active", "active"] : ["primary", "secondary"];
  return {
    observers: OBSERVERS.map((region) => ({ region, controlUrl: `http://control.sim/${region}` })),
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    policy: {
      intervalSeconds: INTERVAL / 1000,
      probeTimeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 3,
      dwellSeconds: 90,
      autoFailoverWindowMinutes: 60,
      // With Azure's timing the runbook keeps its production step timeouts, failover cap and
      // failback rule: short ones made for instant levers would fail a failover that Azure is
      // still carrying out.
      ...(production
        ? {}
        : {
            maxAutoFailovers: 100,
            autoFailback: true,
            stepTimeoutSeconds: 60,
            wakeTimeoutSeconds: 180,
            dataTimeoutSeconds: DATA_TIMEOUT_S,
          }),
    },
    // One channel; the simulator replaces it with a recorder (see simulate()).
    alerts: {
      channels: [
        { kind: "webhook", name: "sim", url: "https://alerts.sim/hook", secret: "env:SIM_HOOK" },
      ],
    },
    groups: [
      {
        name: "shop",
        model,
        entryPoint: { url: "http://entry.sim/healthz" },
        regions: REGIONS.map((name, i) => ({
          name,
          role: roles[i] as "active",
          probe: { url: probeUrls(name) },
          ...(model === "passive-cold" && i === 1
            ? {
                cluster: {
                  resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${name}`,
                  nodePools: [{ name: "user", count: 3 }],
                },
              }
            : {}),
        })),
        ...(data ? dataConfig(data) : {}),
      },
    ],
  };
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly wake: () => void;
}

/**
 * Virtual time. Sleeps side by side wake in order of their wake time, the earliest only once every
 * task that can run has run (setImmediate comes after the promise jobs): work done side by side
 * (a tick's probes and their confirmations) takes the longest of its parts, not their sum. The
 * simulation's own schedule waits its turn the same way (`until`), so lever calls that outlive
 * their tick go on in the background and end at their own time, between or during later ticks.
 */
export class World {
  now = 0;
  readonly #sleepers: Sleeper[] = [];
  #seq = 0;
  #scheduled = false;

  /** Waits until `at` (at once if it has passed), after everything due before it. */
  until(at: number): Promise<void> {
    return this.sleep(Math.max(0, at - this.now));
  }

  /** Whether anything still sleeps (work in the background). */
  get busy(): boolean {
    return this.#sleepers.length > 0;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const abort = () => {
        const at = this.#sleepers.indexOf(sleeper);
        if (at >= 0) this.#sleepers.splice(at, 1);
        resolve();
      };
      const wake = () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const sleeper: Sleeper = { at: this.now + Math.max(0, ms), seq: ++this.#seq, wake };
      this.#sleepers.push(sleeper);
      signal?.addEventListener("abort", abort, { once: true });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      let index = -1;
      for (let i = 0; i < this.#sleepers.length; i++) {
        const s = this.#sleepers[i]!;
        const best = this.#sleepers[index];
        if (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq)) index = i;
      }
      const [next] = index < 0 ? [] : this.#sleepers.splice(index, 1);
      if (!next) return;
      this.now = Math.max(this.now, next.at);
      next.wake();
      if (this.#sleepers.length > 0) this.#schedule();
    });
  }
}

/** The store calls an observer makes for its own rows (probes), not for deciding. */
const PROBE_ROWS = new Set(["readObserver", "recordTick", "recordHeartbeat"]);

/** Virtual ms 0 on every process's clock (before its skew). */
const EPOCH = 1_800_000_000_000;

/**
 * With SIM_TRACE set (`SIM_TRACE=1 npm run sim -- --seed ...`), a replayed run prints the holder's
 * ticks, the incidents' histories, the routings and every ARM call, in virtual ms.
 */
const TRACING = Boolean(process.env["SIM_TRACE"]);
function trace(line: string, ...details: string[]): void {
  if (TRACING) console.log([`TRACE ${line}`, ...details].join("\n    "));
}

function traceRun(
  incidents: readonly {
    id: string;
    history: readonly { step: string; at: number; note: string }[];
  }[],
  routings: readonly { at: number; state: RoutingState }[],
  calls: readonly ArmCall[],
  data?: SimData,
): void {
  for (const c of data?.calls ?? [])
    trace(
      `data ${c.by} failover ${c.store} to ${c.region} (${c.mode}) ${c.from}-${c.to} ${c.outcome}${c.error ? `: ${c.error}` : ""}; primary ${c.primary} ${c.primaryReachable ? "answering" : "lost"}`,
    );
  for (const i of incidents)
    for (const h of i.history)
      trace(`incident ${i.id} ${h.step} at ${h.at - EPOCH} (its holder's clock): ${h.note}`);
  for (const r of routings) trace(`routing at ${r.at}: ${JSON.stringify(r.state.regions)}`);
  for (const c of calls)
    trace(
      `arm ${c.by} ${c.method} ${c.from}-${c.to} ${c.outcome}${c.retryAfterMs ? ` retry after ${c.retryAfterMs}` : ""}${c.appliedAt ? ` made at ${c.appliedAt}` : ""}`,
    );
}

class SimClock implements Clock {
  constructor(
    private readonly world: World,
    private readonly offset: number,
  ) {}
  now(): number {
    return EPOCH + this.world.now + this.offset;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.world.sleep(ms, signal);
  }
}

/** Failovers that got as far as moving traffic, or as the re-check just before it. */
const reachedShift = (
  incidents: readonly { kind: string; history: readonly { step: string }[] }[],
) =>
  incidents.filter(
    (i) => i.kind === "failover" && i.history.some((h) => h.step === "shifting-traffic"),
  ).length;

/**
 * A store that fails during outages and at random: the real memory store behind it. `lostMarks`
 * hears of each alert whose mark (a delivery recorded as sent) the store refused.
 */
function faultyStore(
  base: StateStore,
  world: World,
  faults: Faults,
  rand: () => number,
  lostMarks: Set<string>,
): StateStore {
  return new Proxy(base, {
    get: (target, property) => {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function" || property === "initialise")
        return typeof value === "function" ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        // Every store call takes a little time; calls side by side (the observers' ticks run at
        // once) overlap, as they do in Azure.
        await world.sleep(Math.floor(rand() * 30));
        if (inside(faults.storeOutages, world.now) || rand() < faults.storeErrorRate) {
          const row = property === "updateOutbox" ? (args[1] as OutboxRow) : undefined;
          if (row && Object.values(row.deliveries).some((d) => d.state === "sent"))
            lostMarks.add(row.alert.key);
          throw new StoreError(
            "unavailable",
            `state store: ${String(property)} failed: simulated outage`,
          );
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

export async function simulate(seed: number, options: SimOptions): Promise<SimResult> {
  // Probes, the store and the levers draw from streams of their own: how many lever calls a run
  // makes, and when (ARM's latency), must not change what the probes see.
  const rand = random(seed * 7919 + 1);
  const srand = random(seed * 7919 + 2);
  const lrand = random(seed * 7919 + 3);
  const nrand = random(seed * 7919 + 4);
  const faults =
    options.scenario === "outage"
      ? outageOnly(seed, options.minutes)
      : options.scenario === "failover"
        ? failoverOnly(seed, options.minutes)
        : options.scenario === "noise"
          ? noiseOnly(seed, options.minutes)
          : { ...faultsFor(seed, options.minutes), ...alertFaults(seed), ...options.alertFaults };
  const arand = random(seed * 15_485_863 + 5);
  const scenario = options.scenario ?? "chaos";
  const armMode =
    options.arm ?? (scenario === "chaos" || scenario === "failover" ? "latency" : "off");
  faults.arm =
    armMode === "latency"
      ? armFaultsFor(seed, options.minutes, faults.outages[REGIONS[0]]?.[0]?.from)
      : armMode === "slow"
        ? slowArmFaults(seed, options.minutes)
        : undefined;
  const world = new World();
  const arm = new SimArm(world, faults.arm, seed);
  const violations: string[] = [];
  const end = options.minutes * 60_000;
  const violate = (what: string) => violations.push(`t=${Math.round(world.now / 1000)}s: ${what}`);

  const router = new MemoryTrafficRouter([
    {
      name: "shop",
      model: options.model,
      regions: REGIONS.map((name, i) => ({ name, role: i === 0 ? "primary" : "secondary" })),
    },
  ]);
  const timing = options.timing;
  const lever: Lever = options.lever ?? "traffic-manager";
  if (timing && lever === "front-door") router.can = FRONT_DOOR_LEVER;
  const clusterClock = new SimClock(world, 0);
  const clusters = new MemoryClusterControl(
    clusterClock,
    timing
      ? {
          startMs: timing.clusterStartMs,
          stopMs: timing.clusterStopMs,
          scaleMs: timing.nodePoolScaleMs,
        }
      : { startMs: 60_000 },
  );
  /** When the cold region's cluster runs with its node pools taking pods (virtual ms). */
  const coldReadyAt = (): number | undefined => {
    const at = clusters.readyAt("shop", "northeurope");
    return at === undefined ? undefined : at - clusterClock.now() + world.now;
  };
  if (options.model === "passive-cold")
    clusters.add("shop", "northeurope", "Stopped", [{ name: "user", count: 0 }]);
  router.fault = () =>
    lrand() < faults.leverErrorRate ? new Error("429 Too Many Requests (simulated)") : undefined;
  clusters.fault = (call) =>
    call !== "read" && lrand() < faults.leverErrorRate ? new Error("500 (simulated)") : undefined;

  /** Ground truth: does the region serve? A stopped cold cluster does not. */
  const serves = (region: string) => {
    if (inside(faults.outages[region] ?? [], world.now)) return false;
    const flap = (faults.flapping?.[region] ?? []).find(
      (f) => world.now >= f.from && world.now < f.to,
    );
    if (flap && Math.floor((world.now - flap.from) / flap.period) % 2 === 0) return false;
    // A cold cluster serves once its start has ended (and its new nodes take pods), whether or
    // not anyone has read it since: with ARM's latency, reads come late.
    if (options.model === "passive-cold" && region === "northeurope") {
      const ready = coldReadyAt();
      return ready !== undefined && world.now >= ready;
    }
    return true;
  };
  const hardDown = (region: string) => inside(faults.outages[region] ?? [], world.now);
  // The group's data stores, reached through ARM as the levers are (data-model.ts).
  const dataSetup =
    options.model === "active-active" || options.data === false || timing
      ? undefined
      : dataSetupFor(seed);
  const data = dataSetup
    ? new SimData(world, clusterClock, dataSetup, REGIONS, {
        down: hardDown,
        readErrorRate: () => faults.leverErrorRate,
        rand: random(seed * 7919 + 6),
      })
    : undefined;

  // Invariants checked at every change of the lever.
  const storeDownAtChange: string[] = [];
  const lastServing = new Map<string, number>();
  let lastPrimary: string | undefined = REGIONS[0];
  /** Every routing the lever took, and when: clients follow each one after the lever's delay. */
  const routings: { at: number; state: RoutingState }[] = [
    { at: -Infinity, state: router.peek("shop") },
  ];
  const lagMs = timing ? clientLagMs(timing, lever) : 0;
  // Traffic Manager reports its profile's TTL with the routing, as the real adapter reads it.
  if (timing && lever === "traffic-manager") router.clientLagMs = timing.dnsTtlMs;
  /** The routing clients see at `t`: the last one the lever took at least the delay before. */
  const clientRouting = (t: number): RoutingState =>
    routings.findLast((r) => r.at + lagMs <= t)!.state;
  router.onChange = (_group, state) => {
    routings.push({ at: world.now, state });
    if (!state.regions.some((r) => r.enabled)) violate("no region is enabled");
    const primary = primaryOf(state);
    if (primary && primary !== lastPrimary) {
      lastPrimary = primary;
      for (const region of REGIONS) if (serves(region)) lastServing.set(region, world.now);
      if (world.now - (lastServing.get(primary) ?? -Infinity) > 30_000)
        violate(`${primary} was promoted though it has not served for over 30 s`);
    }
    // No step starts while the store is down; a change asked for before it may still land then,
    // within its holder's acting time (the fence, in arm-model.ts).
    const askedAt = arm.current?.from ?? world.now;
    if (inside(faults.storeOutages, askedAt))
      storeDownAtChange.push(`lever change asked for while the store was down`);
  };

  const urls = new Map<string, URL>();
  const urlOf = (href: string) => urls.get(href) ?? urls.set(href, new URL(href)).get(href)!;
  const prober = (observer: string): Prober => ({
    probe: async (request: ProbeRequest, call): Promise<ProbeOutcome> => {
      const url = request.kind === "http" ? urlOf(request.url) : undefined;
      const fail = (kind: string): ProbeOutcome => ({
        ok: false,
        latencyMs: 5,
        error: { kind, message: kind },
      });
      const ok: ProbeOutcome = { ok: true, latencyMs: 5, statusCode: 200 };
      if (url?.hostname === "control.sim")
        return inside(
          faults.impaired.filter((w) => w.observer === observer),
          world.now,
        )
          ? fail("timeout")
          : ok;
      if (rand() < faults.probeLoss) return fail("timeout");
      const region =
        url?.hostname !== "entry.sim"
          ? url?.hostname.replace(".sim", "")
          : timing
            ? pickOne(topRegions(clientRouting(world.now)), rand)
            : primaryOf(router.peek("shop"));
      if (!region) return fail("http-status");
      if (
        faults.partitions.some(
          (p) =>
            p.observer === observer &&
            p.region === region &&
            world.now >= p.from &&
            world.now < p.to,
        )
      )
        return fail("connect-timeout");
      if (options.failure && hardDown(region)) {
        const failure = outageFailure(options.failure, request.timeoutMs);
        await world.sleep(failure.ms, call?.abortSignal);
        if (call?.abortSignal?.aborted)
          return { ok: false, latencyMs: 0, error: { kind: "aborted", message: "aborted" } };
        return { ...fail(failure.kind), latencyMs: failure.ms };
      }
      if (!serves(region)) return fail("http-status");
      if (
        (faults.spikes ?? []).some(
          (p) =>
            p.observer === observer &&
            p.region === region &&
            world.now >= p.from &&
            world.now < p.to,
        ) &&
        rand() < 0.5
      )
        return fail("too-slow");
      const gray = (faults.gray[region] ?? []).find((g) => world.now >= g.from && world.now < g.to);
      if (gray && rand() < gray.p) return fail("timeout");
      return ok;
    },
  });

  /** Alerts taken by the receiver whose mark the store refused (a sender could not record it). */
  const lostMarks = new Set<string>();
  const store = faultyStore(new MemoryStateStore(), world, faults, srand, lostMarks);
  const raw = config(
    options.model,
    (region) => `http://${region}.sim/healthz`,
    timing !== undefined,
    dataSetup,
  );
  const registry = withProviders(PROVIDERS, [testStore()]);
  const parsed = parseConfig(raw, "configuration", registry);
  let lives = 0;

  // Alerts: each process has its own view of the store and its own channel, both gone when it
  // dies. The receiver records every alert it takes, and which process sent it.
  const dead = new Set<string>();
  /** When a lease holder died (after its tick, or while sending): its lease runs out first. */
  const holderCrashes: number[] = [];
  const delivered: { key: string; by: string }[] = [];
  /** Alerts taken by the receiver from a process that died before it could mark them. */
  const takenThenDied = new Set<string>();
  /** Per process: the alerts the receiver took from it whose mark the store has not accepted. */
  const unmarkedBy = new Map<string, Set<string>>();
  /**
   * A process dies. Every alert it sent and had not marked yet is in the window the guarantee
   * excuses, not only the one in the receiver's hands at that moment: the sender goes on to the
   * next row while the previous row's mark is still on its way (channels never wait for each
   * other's marks; src/app/alerts/sender.ts), so one death can leave several rows sent and
   * unmarked, and the next holder sends each of them again.
   */
  const kill = (instance: string) => {
    trace(`process ${instance} dies at ${world.now}`, ...(unmarkedBy.get(instance) ?? []));
    dead.add(instance);
    for (const key of unmarkedBy.get(instance) ?? []) takenThenDied.add(key);
    unmarkedBy.delete(instance);
  };
  /**
   * Store calls of the decision path (not the probes' own rows) that failed, per process; and the
   * holder's ticks that lost such a call.
   */
  const storeFailures = new Map<string, number>();
  const storeLostTicks: number[] = [];
  /**
   * What the simulator watches in the store: the verdicts the holder keeps and the incidents it
   * writes, wherever it decides (its own tick, or a peer's request to probe now). Set below.
   */
  const watch: {
    kept: (
      instance: string,
      states: Record<string, { verdict: string; recoveringSince?: number } | undefined>,
    ) => void;
    incident: (instance: string, incident: Incident) => void;
  } = { kept: () => {}, incident: () => {} };
  const processStore = (instance: string): StateStore =>
    new Proxy(store, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (dead.has(instance))
            throw new StoreError("unavailable", "state store: the process is gone");
          const result = await (value as (...a: unknown[]) => Promise<unknown>)
            .apply(target, args)
            .catch((error: unknown) => {
              if (!PROBE_ROWS.has(String(property)))
                storeFailures.set(instance, (storeFailures.get(instance) ?? 0) + 1);
              throw error;
            });
          // Detection is the moment the holder keeps the verdict, not the end of its tick (which
          // may wait on ARM for the runbook afterwards), nor of the peer's request it answered.
          if (property === "writeRegionStates")
            watch.kept(
              instance,
              args[1] as Record<string, { verdict: string; recoveringSince?: number } | undefined>,
            );
          if (property === "writeIncident") watch.incident(instance, args[0] as Incident);
          if (property === "updateOutbox") {
            const row = args[1] as OutboxRow;
            if (Object.values(row.deliveries).some((d) => d.state === "sent"))
              unmarkedBy.get(instance)?.delete(row.alert.key);
          }
          return result;
        };
      },
    });
  const channel = (instance: string): AlertChannel => ({
    name: "sim",
    kind: "webhook",
    target: "https://alerts.sim",
    fingerprint: "sim",
    render: () => ({}),
    redact: (text) => text,
    send: async (alert) => {
      if (dead.has(instance)) return { outcome: "retry", reason: "the process is gone" };
      if (arand() < (faults.alertErrorRate ?? 0))
        return { outcome: "retry", status: 503, reason: "503 (simulated)" };
      delivered.push({ key: alert.key, by: instance });
      const unmarked = unmarkedBy.get(instance) ?? new Set<string>();
      unmarkedBy.set(instance, unmarked.add(alert.key));
      if (arand() < (faults.crashInSend ?? 0)) {
        holderCrashes.push(world.now);
        kill(instance);
      }
      return { outcome: "accepted", status: 202 };
    },
  });
  /** When a process called the traffic lever to change it (before ARM's latency), virtual ms. */
  const leverCalls: number[] = [];
  const changeCalls = (lever: TrafficRouter): TrafficRouter =>
    new Proxy(lever, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        if (property !== "promote" && property !== "setEnabled") return value.bind(target);
        return (...args: unknown[]) => {
          leverCalls.push(world.now);
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      },
    });
  /** Requests to probe now: made, answered, failed; and verdicts kept while answering one. */
  const peerCalls = { asked: 0, answered: 0, failed: 0, keptWhileAnswering: 0 };
  /** Per process, the peers' requests it is answering now. */
  const answering = new Map<string, number>();
  /** A request's way between two observers' Function Apps: 20 to 80 ms, from its own stream. */
  const netDelay = () => 20 + Math.floor(nrand() * 60);
  /** A partition between an observer and a region cuts the way between their Function Apps too. */
  const cutOff = (a: string, b: string) =>
    faults.partitions.some(
      (p) =>
        ((p.observer === a && p.region === b) || (p.observer === b && p.region === a)) &&
        world.now >= p.from &&
        world.now < p.to,
    );
  /**
   * How an observer asks another to probe now, as the peer Function App's HTTP trigger would be
   * called: the request travels, the peer's current process answers (`answerPeer`: it probes,
   * writes, and as lease holder decides), the answer travels back. The request fails when the
   * peer is down or paused, its process is gone, or a partition lies between the two; an impaired
   * peer answers, and writes nothing.
   */
  const peersOf = (): Peers => ({
    ask: async (peer, request, { abortSignal }) => {
      peerCalls.asked++;
      const gaveUp = () => {
        if (abortSignal.aborted) throw new Error("the asker gave up waiting");
      };
      try {
        const answer = await carried(peer, request, abortSignal, gaveUp);
        peerCalls.answered++;
        return answer;
      } catch (error) {
        peerCalls.failed++;
        throw error;
      }
    },
  });
  const carried = async (
    peer: string,
    request: PeerProbeRequest,
    abortSignal: AbortSignal,
    gaveUp: () => void,
  ) => {
    await world.sleep(netDelay(), abortSignal);
    gaveUp();
    const down = faults.down.find(
      (d) => d.observer === peer && world.now >= d.from && world.now < d.to,
    );
    if (down) throw new Error(`${peer} is ${down.crash ? "down" : "paused"} (simulated)`);
    if (cutOff(request.from, peer))
      throw new Error(`${request.from} cannot reach ${peer} (simulated partition)`);
    const rt = runtimes.get(peer);
    if (!rt || dead.has(rt.instance)) throw new Error(`${peer}'s process is gone (simulated)`);
    trace(`${peer} asked by ${request.from} to probe ${request.region} at ${world.now}`);
    answering.set(rt.instance, (answering.get(rt.instance) ?? 0) + 1);
    const answer = await answerPeer(rt, request, { abortSignal }).finally(() =>
      answering.set(rt.instance, answering.get(rt.instance)! - 1),
    );
    if (TRACING)
      trace(`${peer} answered ${request.from} at ${world.now}: ${JSON.stringify(answer)}`);
    await world.sleep(netDelay(), abortSignal);
    gaveUp();
    return answer;
  };
  const start = async (observer: string) => {
    const instance = `${observer}-${++lives}`;
    const clock = new SimClock(world, faults.skew[observer] ?? 0);
    // Each process reaches ARM through its own client: its budget hears ARM's 429s, and its
    // fence decides whether a change it asked for may still be made.
    const self: { rt?: Runtime } = {};
    const caller = {
      instance,
      runtime: () => self.rt,
      budget: new ArmBudgetTracker(() => clock.now()),
      dead: () => dead.has(instance),
    };
    self.rt = await compose({
      config: parsed,
      observer,
      store: processStore(instance),
      prober: prober(observer),
      clock,
      router: changeCalls(arm.wrap(router, caller)),
      clusters: arm.wrap(clusters, caller),
      ...(data ? { data: data.logged(arm.wrap(data.lever, caller), instance) } : {}),
      registry,
      armBudget: caller.budget,
      instance,
      env: { SIM_HOOK: "unused: the channel is replaced" },
      alertChannels: { sim: channel(instance) },
      alertSleep: async () => {},
      peers: peersOf(),
    });
    return self.rt;
  };
  /** Replaces a process that died, as the Functions host would start a new one. */
  const restart = async (observer: string) => {
    const old = runtimes.get(observer);
    if (old) kill(old.instance);
    runtimes.set(observer, await start(observer));
  };
  const runtimes = new Map<string, Runtime>();
  for (const o of OBSERVERS) runtimes.set(o, await start(o));
  // Each observer's timer fires at its own offset in the interval, as deployed (the i-th of n at
  // i × interval / n, in whole seconds: timerSchedules in src/config/schedules.ts), and its tick
  // starts up to half a second late.
  const phase = Object.fromEntries(
    OBSERVERS.map((o, i) => [
      o,
      Math.floor((i * INTERVAL) / 1000 / OBSERVERS.length) * 1000 + Math.floor(rand() * 500),
    ]),
  );

  let detected = 0;
  /** When the holder kept the `down` verdict on the primary that detected its outage (virtual ms). */
  let primaryKeptDownAt: number | undefined;
  /** When each failover incident was first seen (virtual ms), and when the cold standby could serve. */
  const firstSeen = new Map<string, number>();
  const endSeen = new Map<string, number>();
  /** Every incident, when first written (virtual ms). */
  const seenAt = new Map<string, number>();
  /** The data step's record: the asks, the kept verdicts, each incident's time in moving-data. */
  const asks: AskRecord[] = [];
  const askSeen = new Map<string, number>();
  const keptLog: KeptRecord[] = [];
  const dataSpans = new Map<string, { from: number; to?: number }>();
  let standbyReadyAt: number | undefined;
  const detectionMs: number[] = [];
  const detections: Detection[] = [];
  /** While the primary's outage is not yet detected: per slot, the holds its ticks saw. */
  const holds = new Map<
    number,
    { held: string[]; ticks: { leader: boolean; outcome: string }[] }
  >();
  const outside = OBSERVERS.filter((o) => o !== REGIONS[0]);
  /** The injected fault that keeps an observer out of the evidence now. */
  const lostWhy = (observer: string): string => {
    const now = (w: { observer: string; from: number; to: number }) =>
      w.observer === observer && world.now >= w.from && world.now < w.to;
    const down = faults.down.find(now);
    if (down) return down.crash ? "crashed" : "paused";
    return faults.impaired.some(now) ? "impaired" : "stale";
  };
  const primaryOutage = faults.outages[REGIONS[0]]?.[0];
  let wasDown = new Set<string>();
  const lastNotServing = new Map<string, number>();
  /** The faults have ended (the quiet period): the checks made under them stop. */
  let quiet = false;
  const sampleServing = () => {
    for (const region of REGIONS) {
      if (!serves(region)) lastNotServing.set(region, world.now);
      else lastServing.set(region, world.now);
    }
  };

  // The kept verdicts, as the holder writes them (in its tick, or answering a peer's request).
  watch.kept = (instance, states) => {
    keptLog.push({ at: world.now, states });
    if (answering.get(instance)) peerCalls.keptWhileAnswering++;
    if (TRACING)
      trace(
        `verdicts kept at ${world.now} by ${instance}${answering.get(instance) ? " answering a peer" : ""}: ${Object.entries(
          states,
        )
          .map(([r, v]) => `${r} ${v?.verdict}`)
          .join(", ")}`,
      );
    if (quiet) return;
    sampleServing();
    const downNow = new Set(
      Object.entries(states)
        .filter(([, s]) => s?.verdict === "down")
        .map(([r]) => r),
    );
    for (const region of downNow) {
      if (wasDown.has(region)) continue;
      const clean =
        world.now - (lastNotServing.get(region) ?? -Infinity) > 60_000 &&
        !(faults.gray[region] ?? []).length;
      if (clean) {
        violate(`${region} was judged down while it served everyone`);
        if (process.env["SIM_DEBUG"]) console.log(JSON.stringify({ faults, states }, null, 1));
      }
      if (region === REGIONS[0] && primaryOutage && hardDown(region) && detected === 0) {
        detected++;
        primaryKeptDownAt = world.now;
        detectionMs.push(world.now - primaryOutage.from);
        const heldBy: Record<string, number> = {};
        for (const { held, ticks } of holds.values()) {
          const hold = held.at(-1) ?? noHolder(ticks);
          heldBy[hold] = (heldBy[hold] ?? 0) + INTERVAL;
        }
        detections.push({
          ms: world.now - primaryOutage.from,
          during: concurrentFaults(
            faults,
            REGIONS,
            { from: primaryOutage.from, to: world.now, staleMs: 3 * INTERVAL },
            holderCrashes,
          ),
          heldBy,
        });
      }
    }
    wasDown = downNow;
  };
  watch.incident = (instance, incident) => {
    if (incident.kind === "failover" && !firstSeen.has(incident.id))
      firstSeen.set(incident.id, world.now);
    if (!seenAt.has(incident.id)) seenAt.set(incident.id, world.now);
    if (!isOpen(incident) && !endSeen.has(incident.id)) endSeen.set(incident.id, world.now);
    watchData(instance, incident);
  };
  /** Each ask an incident records, when the write that records it is made; the data step's span. */
  const watchData = (instance: string, incident: Incident) => {
    const id = incident.id;
    if (incident.step === "moving-data" && !dataSpans.has(id))
      dataSpans.set(id, { from: world.now });
    const span = dataSpans.get(id);
    if (span && span.to === undefined && incident.step !== "moving-data") span.to = world.now;
    for (const [store, ask] of Object.entries(incident.dataAsked ?? {})) {
      const key = `${id}|${store}`;
      if (askSeen.get(key) === ask.at) continue;
      askSeen.set(key, ask.at);
      asks.push({
        at: world.now,
        by: instance,
        incident: id,
        store,
        region: ask.region,
        mode: ask.mode,
        trigger: incident.trigger,
        override: incident.override === true,
      });
    }
  };

  /** One observer's timer fires: probe, then decide (runObserverTick), and what follows it. */
  const tick = async (observer: string, slot: number) => {
    const rt = runtimes.get(observer)!;
    const underFaults = !quiet;
    const tickFrom = world.now;
    const failedBefore = storeFailures.get(rt.instance) ?? 0;
    const holding = rt.memory.lease.held !== undefined;
    const { orchestrate: result } = await runObserverTick(rt);
    if (!underFaults) return alertsSettled(rt);
    if ((holding || result.lease.leader) && (storeFailures.get(rt.instance) ?? 0) > failedBefore)
      storeLostTicks.push(tickFrom);
    const incident = result.groups[0]?.incident;
    if (result.lease.leader)
      trace(
        `holder ${observer} tick ${tickFrom}-${world.now}: ${incident?.step ?? "-"}`,
        ...result.problems,
        ...(result.waiting ?? []),
      );
    if (options.model === "passive-cold" && primaryOutage && hardDown(REGIONS[0]))
      standbyReadyAt ??= coldReadyAt();
    // The holder may die right after its tick, its state written and its alerts unsent.
    if (result.lease.leader && arand() < (faults.crashAfterTick ?? 0)) {
      holderCrashes.push(world.now);
      kill(rt.instance);
    } else await alertsSettled(rt);
    if (primaryOutage && detected === 0 && hardDown(REGIONS[0])) {
      const slotHolds = holds.get(slot) ?? { held: [], ticks: [] };
      holds.set(slot, slotHolds);
      const states = result.groups[0]?.states;
      const evidence = result.groups[0]?.evidence.find((e) => e.region === REGIONS[0]);
      if (states && evidence) slotHolds.held.push(holdOf(evidence, outside, lostWhy));
      else slotHolds.ticks.push(result.lease);
    }
  };
  /**
   * The processes whose tick is still running: their timer does not fire again until it ends (as
   * the Functions host runs a timer: never two executions at once).
   */
  const ticking = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  const launch = (observer: string, slot: number) => {
    const instance = runtimes.get(observer)!.instance;
    if (ticking.has(instance)) return;
    ticking.add(instance);
    const run: Promise<void> = tick(observer, slot)
      .catch((error: unknown) => {
        violate(`the simulator's tick failed: ${String(error)}`);
      })
      .finally(() => {
        ticking.delete(instance);
        inFlight.delete(run);
      });
    inFlight.add(run);
  };
  /** Every observer's timer, `count` intervals from `from`, each at its phase; ticks overlap. */
  const runSlots = async (from: number, count: number) => {
    for (let slot = 0; slot < count; slot++)
      for (const observer of OBSERVERS) {
        await world.until(from + slot * INTERVAL + phase[observer]!);
        const down = faults.down.find(
          (d) => d.observer === observer && world.now >= d.from && world.now < d.to,
        );
        if (down) {
          if (down.crash) await restart(observer);
          continue;
        }
        if (dead.has(runtimes.get(observer)!.instance)) await restart(observer);
        sampleServing();
        data?.sync();
        launch(observer, slot);
      }
  };
  const verdictToLever = () => {
    const from = primaryKeptDownAt;
    const call = from === undefined ? undefined : leverCalls.find((t) => t >= from);
    return call === undefined || from === undefined ? {} : { verdictToLeverMs: call - from };
  };
  /** Until every tick in flight has ended. */
  const drain = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  await runSlots(0, Math.ceil(end / INTERVAL));

  if (options.noQuietPeriod) await drain();
  const outages = Object.values(faults.outages).flat().length;
  const recovery =
    timing && primaryOutage
      ? recoveryOf(primaryOutage.from, end, {
          routings,
          lagMs,
          serves: (region, t) =>
            !inside(faults.outages[region] ?? [], t) &&
            (options.model !== "passive-cold" ||
              region !== "northeurope" ||
              (coldReadyAt() ?? Infinity) <= t),
          standbyAt: options.model === "passive-cold" ? coldReadyAt() : primaryOutage.from,
          incidents: (await store.readIncidents("shop")).map((x) => x.incident),
        })
      : undefined;
  /** What a run reports, whether it ends here or after the quiet period. */
  const report = (incidents: readonly Incident[], failovers: number) => ({
    seed,
    model: options.model,
    ...(options.scenario ? { scenario: options.scenario } : {}),
    ...(options.arm ? { arm: options.arm } : {}),
    violations,
    failovers,
    shifts: reachedShift(incidents),
    outages,
    detectionMs,
    detections,
    ...verdictToLever(),
    peers: peerCalls,
    ...(recovery ? { recovery } : {}),
  });
  if (options.noQuietPeriod) {
    const incidents = (await store.readIncidents("shop")).map((x) => x.incident);
    return report(incidents, incidents.filter((i) => i.kind === "failover").length);
  }
  // Quiet period: faults end, and the group must settle on a serving region.
  const quietFrom = world.now;
  const chaos = structuredClone(faults);
  faults.storeOutages = [];
  faults.storeErrorRate = 0;
  faults.leverErrorRate = 0;
  faults.partitions = [];
  faults.impaired = [];
  faults.down = [];
  faults.flapping = {};
  faults.alertErrorRate = 0;
  faults.crashAfterTick = 0;
  faults.crashInSend = 0;
  // ARM keeps its usual latency (its nature, not a fault), without bursts or `slow`'s storms.
  if (arm.faults) arm.faults = { ...arm.faults, latency: ARM_LATENCY, throttle: [], errors: [] };
  for (const region of REGIONS) {
    faults.outages[region] = (faults.outages[region] ?? []).filter((w) => w.to <= quietFrom);
    faults.gray[region] = [];
  }
  quiet = true;
  await runSlots(quietFrom, QUIET_SLOTS);
  // A failback that moves data too may start late in the quiet period, and its data step may
  // rightly take up to its timeout (ARM's time not counted): with data stores, the quiet period
  // goes on while an incident is open, for as long again as that timeout.
  for (let extra = 0; data && extra < DATA_TIMEOUT_S + 60; extra += INTERVAL / 1000) {
    const open = (await store.readIncidents("shop")).some((x) => isOpen(x.incident));
    if (!open) break;
    await runSlots(quietFrom + (QUIET_SLOTS + extra / (INTERVAL / 1000)) * INTERVAL, 1);
  }
  await drain();

  // Work still in the background (a lever call outlasting the quiet period) ends first.
  for (let i = 0; i < 100 && world.busy; i++) await world.until(world.now + INTERVAL);

  // Invariants at the end.
  violations.push(...storeDownAtChange);
  const incidents = (await store.readIncidents("shop")).map((s) => s.incident);
  for (const i of incidents)
    if (!["completed", "failed", "aborted"].includes(i.step))
      violate(`incident ${i.id} never ended (${i.step})`);
  const routing = router.peek("shop");
  const primary = primaryOf(routing);
  if (options.model === "active-active") {
    if (!routing.regions.every((r) => r.enabled))
      violate(
        `after the quiet period a region is still disabled: ${JSON.stringify(routing.regions)}`,
      );
  } else if (!primary || !serves(primary))
    violate(`after the quiet period traffic is on ${primary}, which does not serve`);
  const actions = await store.readActions();
  const actors = new Map<number, Set<string>>();
  for (const a of actions.filter((x) => x.outcome === "done")) {
    const set = actors.get(a.epoch) ?? new Set<string>();
    set.add(a.actor);
    actors.set(a.epoch, set);
  }
  for (const [epoch, set] of actors)
    if (set.size > 1) violate(`epoch ${epoch} had ${set.size} actors: ${[...set].join(", ")}`);
  // Every change of the lever has its intent in the audit log, written before it ran.
  const leverStarted = actions.filter(
    (a) => a.outcome === "started" && /^(promote|enable|disable) /.test(a.name),
  ).length;
  const leverChanges = router.changes.length;
  if (leverChanges > leverStarted)
    violate(`${leverChanges} lever changes but only ${leverStarted} recorded in the audit log`);

  // Sent once: no alert twice, unless the process that sent it could not mark it (it died after
  // the receiver took it, or the store refused the mark) and another holder took the row over
  // (then it is sent again, with the same key); none left unsent.
  const times = new Map<string, number>();
  for (const d of delivered) times.set(d.key, (times.get(d.key) ?? 0) + 1);
  let resentAfterCrash = 0;
  for (const [key, n] of times) {
    if (n === 1) continue;
    const excused = takenThenDied.has(key) || lostMarks.has(key);
    if (n === 2 && excused) resentAfterCrash++;
    else violate(`alert ${key} delivered ${n} times${excused ? " (its first mark was lost)" : ""}`);
  }
  const unsent = await store.readOutbox(["shop"]);
  if (unsent.length > 0)
    violate(
      `${unsent.length} alert(s) still unsent after the quiet period: ${unsent
        .slice(0, 3)
        .map((r) => `${r.row.alert.key} ${JSON.stringify(r.row.deliveries)}`)
        .join("; ")}`,
    );
  // Every incident was told: its opening, and its end once it ended.
  for (const i of incidents) {
    const told = (phase: string) =>
      [...times.keys()].some((k) => k.startsWith(`incident:shop/${i.id}|${phase}|`));
    // A passive-cold pre-warm opens as "prewarming" (on suspicion), any other as "detected".
    if (!told("detected") && !told("prewarming"))
      violate(`incident ${i.id} opened, but its alert was never delivered`);
    if (["completed", "failed", "aborted"].includes(i.step) && !told(i.step))
      violate(`incident ${i.id} ${i.step}, but its alert was never delivered`);
  }

  // The data invariants, from the recorded history (data-check.ts).
  const dataChecked =
    data && dataSetup
      ? checkData({
          setup: dataSetup,
          calls: data.calls,
          reads: data.reads,
          asks,
          kept: keptLog,
          incidents: [...incidents].sort(
            (a, b) => (seenAt.get(a.id) ?? 0) - (seenAt.get(b.id) ?? 0),
          ),
          delivered: new Set(times.keys()),
          primaries: Object.fromEntries(dataSetup.stores.map((x) => [x.name, data.peek(x.name)])),
          traffic: primary,
        })
      : undefined;
  for (const v of dataChecked?.violations ?? []) violate(`data: ${v}`);

  if (TRACING) traceRun(incidents, routings, arm.calls, data);
  // Every outage of the primary with a healthy standby, while the holder could act, ends routed to
  // the standby within the step timeout plus the lever's own time, with one failover incident.
  const routes: RouteRecord[] = [];
  if (primaryOutage) {
    const policy = effectivePolicy(parsed);
    const { record, violation } = checkRoute({
      model: options.model,
      primary: REGIONS[0],
      standby: REGIONS[1],
      outage: primaryOutage,
      faultsEnd: quietFrom,
      ...(detectionMs[0] === undefined ? {} : { detectedAt: primaryOutage.from + detectionMs[0] }),
      routings,
      incidents: incidents
        .filter((i) => i.kind === "failover" && firstSeen.has(i.id))
        .map((i) => ({
          id: i.id,
          firstSeen: firstSeen.get(i.id)!,
          step: i.step,
          ...(endSeen.has(i.id) ? { endedAt: endSeen.get(i.id)! } : {}),
        })),
      calls: arm.calls,
      storeLostTicks,
      faults: chaos,
      holderCrashes,
      ...(standbyReadyAt === undefined ? {} : { coldReadyAt: standbyReadyAt }),
      cold: options.model === "passive-cold",
      dataSpans: [...dataSpans.values()],
      policy: {
        stepTimeoutMs: policy.stepTimeoutSeconds * 1000,
        wakeTimeoutMs: policy.wakeTimeoutSeconds * 1000,
        intervalMs: INTERVAL,
        successThreshold: policy.successThreshold,
        staleMs: 3 * INTERVAL,
        dataTimeoutMs: policy.dataTimeoutSeconds * 1000,
      },
    });
    routes.push(record);
    if (violation) violations.push(violation);
  }

  const failovers = incidents.filter((i) => i.kind === "failover" && i.step === "completed").length;
  return {
    routes,
    armCalls: tally(arm.calls),
    ...(dataChecked ? { data: dataChecked.tally } : {}),
    ...report(incidents, failovers),
    alerts: { delivered: delivered.length, resentAfterCrash },
  };
}

/** The entry point answers from one of the regions clients are sent to, at random. */
const pickOne = (regions: readonly string[], rand: () => number): string | undefined =>
  regions[Math.floor(rand() * regions.length)];

/**
 * Recovery from the primary's outage, from the whole run's record: the routing clients see is a
 * step function (each lever change, delayed), and so is each region's serving (the outage, the
 * cold cluster becoming ready); between their steps nothing changes, so checking every step from
 * the outage's start to the run's end finds the moment clients' traffic reached serving regions
 * for good, to the millisecond.
 */
function recoveryOf(
  from: number,
  end: number,
  run: {
    readonly routings: readonly { at: number; state: RoutingState }[];
    readonly lagMs: number;
    readonly serves: (region: string, t: number) => boolean;
    readonly standbyAt: number | undefined;
    readonly incidents: readonly {
      kind: string;
      step: string;
      history: readonly { note: string }[];
    }[];
  },
): Recovery {
  const seen = (t: number) => run.routings.findLast((r) => r.at + run.lagMs <= t)!.state;
  const served = (t: number) => topRegions(seen(t)).every((region) => run.serves(region, t));
  const steps = [
    from,
    ...run.routings.map((r) => r.at + run.lagMs),
    ...(run.standbyAt === undefined ? [] : [run.standbyAt]),
  ]
    .filter((t) => t >= from && t < end)
    .sort((a, b) => a - b);
  let since: number | undefined;
  for (const t of steps) {
    if (!served(t)) since = undefined;
    else since ??= t;
  }
  const lastChange = run.routings.at(-1)!.at;
  return {
    outageFrom: from,
    ...(since === undefined ? {} : { ms: since - from }),
    ...(run.standbyAt === undefined ? {} : { standbyMs: Math.max(0, run.standbyAt - from) }),
    ...(lastChange > from ? { leverMs: lastChange - from } : {}),
    incidents: run.incidents
      .filter((i) => i.kind === "failover")
      .map((i) =>
        i.step === "completed" ? i.step : `${i.step}: ${i.history.at(-1)?.note ?? "no note"}`,
      ),
  };
}
