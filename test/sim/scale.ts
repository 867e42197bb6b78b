// Many groups against a model of Azure Resource Manager's budget: the real ticks (one timer each:
// probe, then decide) of two observers, the real store code (in memory) and runbook, in virtual
// time, with every lever call counted and charged to ARM's token buckets (since 2024, per
// subscription and principal: reads 250, refilled at 25 a second; writes and deletes 200, refilled
// at 10 a second; "Understand how Azure Resource Manager throttles requests", learn.microsoft.com).
// A call without a token is a 429, as ARM answers it.
import { MemoryClusterControl } from "../../src/adapters/cluster/memory.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { MemoryTrafficRouter } from "../../src/adapters/traffic/memory.js";
import { runObserverTick } from "../../src/app/observer-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import type { ProbeOutcome } from "../../src/core/index.js";
import { primaryOf } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import type { ArmBudget } from "../../src/ports/arm-budget.js";
import { SharedTime as World, SkewedClock } from "../helpers/clocks.js";
import type { Prober } from "../../src/ports/prober.js";
import type { Incident } from "../../src/core/incident.js";

const REGIONS = ["westeurope", "northeurope"] as const;
const INTERVAL = 10_000;
const SUB = "00000000-0000-0000-0000-000000000000";
export const READ_BUCKET = { size: 250, perSecond: 25 };
export const WRITE_BUCKET = { size: 200, perSecond: 10 };
/** ARM's read budget per hour at the sustained rate. */
export const READS_PER_HOUR = READ_BUCKET.perSecond * 3600;

/** Where the simulated clock starts. */
const CLOCK_ZERO = 1_800_000_000_000;

/** A token bucket in virtual time. */
class Bucket {
  #tokens: number;
  #at = 0;
  constructor(
    private readonly world: World,
    private readonly size: number,
    private readonly perSecond: number,
  ) {
    this.#tokens = size;
  }
  #refill(): void {
    const now = this.world.now;
    this.#tokens = Math.min(this.size, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
  }
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
  /** What ARM would report as left (the header reflects the bucket as it is). */
  get left(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }
}

export interface ArmCounts {
  reads: number;
  writes: number;
  throttled: number;
}

const READS = new Set(["read"]);
const WRITES = new Set(["promote", "setEnabled", "start", "stop", "scale"]);

function charged<T extends object>(
  lever: T,
  counts: ArmCounts,
  reads: Bucket,
  writes: Bucket,
  onThrottle: () => void,
): T {
  return new Proxy(lever, {
    get: (target, property) => {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function") return value;
      const name = String(property);
      if (!READS.has(name) && !WRITES.has(name)) return value.bind(target);
      return async (...args: unknown[]) => {
        const write = WRITES.has(name);
        if (!(write ? writes : reads).take()) {
          counts.throttled++;
          if (process.env["SCALE_DEBUG"])
            console.log(`throttled ${name} (reads left ${reads.left}, writes left ${writes.left})`);
          onThrottle();
          throw new Error("429 TooManyRequests (simulated ARM bucket): retry after 1 s");
        }
        if (write) counts.writes++;
        else counts.reads++;
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

export interface ScaleOptions {
  readonly groups: number;
  /** passive-cold (the default): every group's secondary cluster is stopped until woken. */
  readonly model?: "active-passive" | "passive-cold";
  /** Simulated minutes of health before the outage. */
  readonly healthyMinutes: number;
  /** Whether every group's primary region is then lost at once, until every failover ends. */
  readonly outage: boolean;
  /**
   * Intervals before the quiet window: the first holder's first reads of every group (10 by
   * default; at 1,000 groups they take about 50).
   */
  readonly settleIntervals?: number;
  /** Longest the outage phase may run, in simulated minutes. */
  readonly outageMinutes?: number;
  /**
   * ARM reads the holder may make a tick, told to it as ARM's remaining read budget (at most 200
   * otherwise): a few groups then meet the scarcity that 1,000 meet at the full budget.
   */
  readonly readsPerTick?: number;
  /** The runbook's timeouts (120 s a step, 600 s to wake, by default). */
  readonly timeouts?: { readonly stepSeconds: number; readonly wakeSeconds: number };
}

export interface ScaleResult {
  /** ARM calls while everything was healthy (after the first lease holder's first reads). */
  readonly healthy: ArmCounts & { readonly minutes: number };
  /** ARM calls from the outage to the last failover's end. */
  readonly outage?: ArmCounts & {
    readonly completed: number;
    readonly failed: number;
    readonly minutes: number;
    /** Why the incidents that did not complete ended: each last note (figures as #), and how many. */
    readonly endings: Readonly<Record<string, number>>;
    /** Every failover incident: its group, and when it opened and ended (ms after the outage). */
    readonly incidents: readonly {
      readonly group: string;
      readonly step: string;
      readonly openedMs: number;
      readonly endedMs?: number;
    }[];
  };
  readonly elapsedMs: number;
}

function config(
  groups: number,
  model: "active-passive" | "passive-cold",
  timeouts = { stepSeconds: 120, wakeSeconds: 600 },
): TandemConfigInput {
  const cluster = (group: string, region: string) => ({
    resourceId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${group}-${region}`,
    nodePools: [{ name: "user", count: 3 }],
  });
  return {
    observers: REGIONS.map((region) => ({ region })),
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    policy: {
      intervalSeconds: INTERVAL / 1000,
      probeTimeoutSeconds: 2,
      // No confirmation re-probes: their spacing would add up on the one virtual clock, as
      // if every observer waited for every target in turn.
      confirmRetries: 0,
      failureThreshold: 3,
      maxAutoFailovers: 1,
      autoFailback: false,
      stepTimeoutSeconds: timeouts.stepSeconds,
      wakeTimeoutSeconds: timeouts.wakeSeconds,
    },
    groups: Array.from({ length: groups }, (_, i) => {
      const name = `g${String(i).padStart(3, "0")}`;
      return {
        name,
        model,
        entryPoint: { url: `http://entry.sim/${name}` },
        regions: REGIONS.map((region, r) => ({
          name: region,
          role: r === 0 ? ("primary" as const) : ("secondary" as const),
          probe: { url: `http://${region}.sim/${name}` },
          // Two clusters per group: what the runbook would read for a group that scales on
          // promotion (the worst case of the reckoning).
          cluster: cluster(name, region),
        })),
      };
    }),
  };
}

export async function simulateScale(options: ScaleOptions): Promise<ScaleResult> {
  const started = Date.now();
  const model = options.model ?? "passive-cold";
  const world = new World();
  const groupNames = Array.from(
    { length: options.groups },
    (_, i) => `g${String(i).padStart(3, "0")}`,
  );
  const router = new MemoryTrafficRouter(
    groupNames.map((name) => ({
      name,
      model,
      regions: REGIONS.map((r, i) => ({ name: r, role: i === 0 ? "primary" : "secondary" })),
    })),
  );
  const clusterControl = new MemoryClusterControl(new SkewedClock(world, CLOCK_ZERO), {
    startMs: 60_000,
  });
  for (const g of groupNames)
    for (const [i, r] of REGIONS.entries())
      clusterControl.add(g, r, model === "passive-cold" && i === 1 ? "Stopped" : "Running", [
        { name: "user", count: model === "passive-cold" && i === 1 ? 0 : 3 },
      ]);
  const counts: ArmCounts = { reads: 0, writes: 0, throttled: 0 };
  const readBucket = new Bucket(world, READ_BUCKET.size, READ_BUCKET.perSecond);
  const writeBucket = new Bucket(world, WRITE_BUCKET.size, WRITE_BUCKET.perSecond);
  let throttledUntil = -Infinity;
  const budget: ArmBudget = {
    remainingReads: () => Math.min(readBucket.left, options.readsPerTick ?? Infinity),
    throttledUntil: () => (world.now < throttledUntil ? CLOCK_ZERO + throttledUntil : undefined),
  };
  const onThrottle = () => (throttledUntil = world.now + 1000);
  const routerCharged = charged(router, counts, readBucket, writeBucket, onThrottle);
  const clustersCharged = charged(clusterControl, counts, readBucket, writeBucket, onThrottle);

  let westDown = false;
  const prober: Prober = {
    probe: async (request): Promise<ProbeOutcome> => {
      const url = request.kind === "http" ? new URL(request.url) : undefined;
      const group = url?.pathname.slice(1) ?? "";
      const region =
        url?.hostname === "entry.sim"
          ? primaryOf(router.peek(group))
          : url?.hostname.replace(".sim", "");
      const serves =
        region === "westeurope"
          ? !westDown
          : region === "northeurope" && clusterControl.peek(group, "northeurope") === "Running";
      return serves
        ? { ok: true, latencyMs: 5, statusCode: 200 }
        : { ok: false, latencyMs: 5, error: { kind: "http-status", message: "503" } };
    },
  };
  const store = new MemoryStateStore();
  const parsed = parseConfig(config(options.groups, model, options.timeouts));
  const runtimes: Runtime[] = [];
  for (const [i, observer] of REGIONS.entries())
    runtimes.push(
      await compose({
        config: parsed,
        observer,
        store,
        prober,
        clock: new SkewedClock(world, CLOCK_ZERO),
        router: routerCharged,
        clusters: clustersCharged,
        armBudget: budget,
        instance: `${observer}-${i}`,
      }),
    );

  let slot = 0;
  // One after the other: this world's clock moves on at every sleep that is not called off (it
  // has no sleepers to run side by side), so the ticks take turns; what is counted is ARM's
  // calls, not their timing.
  const tick = async () => {
    for (const [i, rt] of runtimes.entries()) {
      // At its deployed offset: the i-th of n at i × interval / n (src/config/schedules.ts).
      world.now = Math.max(world.now, slot * INTERVAL + (i * INTERVAL) / runtimes.length);
      const { orchestrate: result } = await runObserverTick(rt);
      if (process.env["SCALE_DEBUG"] && result.problems.length)
        console.log(
          `t=${world.now / 1000}s ${rt.observer}: ${result.problems.slice(0, 3).join(" | ")} (${result.problems.length})`,
        );
    }
    slot++;
  };

  // The first holder takes the lease and reads every group's levers once (spread over a few
  // ticks); the quiet window starts after that, so it counts reconciles only.
  const settle = options.settleIntervals ?? 10;
  for (let i = 0; i < settle; i++) {
    const b = counts.reads,
      t = counts.throttled;
    await tick();
    if (process.env["SCALE_DEBUG"])
      console.log(`slot ${slot} reads ${counts.reads - b} throttled ${counts.throttled - t}`);
  }
  const before = { ...counts };
  const healthyFrom = world.now;
  const healthySlots = Math.round((options.healthyMinutes * 60_000) / INTERVAL);
  for (let i = 0; i < healthySlots; i++) await tick();
  const healthy = {
    reads: counts.reads - before.reads,
    writes: counts.writes - before.writes,
    throttled: counts.throttled - before.throttled,
    minutes: Math.round((world.now - healthyFrom) / 6000) / 10,
  };
  if (!options.outage) return { healthy, elapsedMs: Date.now() - started };

  westDown = true;
  const atOutage = { ...counts };
  const outageStart = world.now;
  const limit = Math.round(((options.outageMinutes ?? 30) * 60_000) / INTERVAL);
  let completed = 0;
  let failed = 0;
  const endings: Record<string, number> = {};
  let incidents: Incident[] = [];
  for (let i = 0; i < limit; i++) {
    await tick();
    incidents = (await Promise.all(groupNames.map((g) => store.readIncidents(g)))).flatMap((list) =>
      list.map((s) => s.incident),
    );
    completed = incidents.filter((x) => x.kind === "failover" && x.step === "completed").length;
    const ended = incidents.filter((x) => x.step === "failed" || x.step === "aborted");
    failed = ended.length;
    if (completed + failed < options.groups && i < limit - 1) continue;
    for (const x of ended) {
      const note = `${x.step}: ${(x.history.at(-1)?.note ?? "").replace(/\d+/g, "#")}`;
      endings[note] = (endings[note] ?? 0) + 1;
    }
    break;
  }
  return {
    healthy,
    outage: {
      reads: counts.reads - atOutage.reads,
      writes: counts.writes - atOutage.writes,
      throttled: counts.throttled - atOutage.throttled,
      completed,
      failed,
      minutes: Math.round((world.now - outageStart) / 6000) / 10,
      endings,
      incidents: incidents
        .filter((x) => x.kind === "failover")
        .map((x) => ({
          group: x.group,
          step: x.step,
          openedMs: x.openedAt - CLOCK_ZERO - outageStart,
          ...(x.closedAt === undefined ? {} : { endedMs: x.closedAt - CLOCK_ZERO - outageStart }),
        })),
    },
    elapsedMs: Date.now() - started,
  };
}
