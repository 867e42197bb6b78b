// Azure Resource Manager as the simulator sees it: every lever call takes a latency drawn from a
// heavy-tailed distribution and waits for it in virtual time, so calls overlap ticks as they do in
// Azure; the client gives up after ARM_DEFAULTS.timeoutMs, and a write it gave up on may still be
// made; 429 bursts (with Retry-After) and 500 bursts come and go, and the SDK's own retries
// (ARM_DEFAULTS.retry, the Retry-After cap) run inside the call as they do in
// src/adapters/azure/arm.ts. The fence is modelled in virtual time: a write is made only while
// the calling process may act (its epoch's latest renewal plus the renew deadline, on its own
// clock, with the renewal chain unbroken since the call began). The real fence now cuts by the
// same deadlines on the runtime's clock (ADR 30), but the simulated levers do not take its signal.
import { ARM_DEFAULTS, ArmError } from "../../src/adapters/azure/arm.js";
import type { ArmBudgetTracker } from "../../src/adapters/azure/budget.js";
import { leaseTiming } from "../../src/app/lease-keeper.js";
import type { Runtime } from "../../src/app/runtime.js";
import { RETRY_MAX_MS } from "../../src/core/runbook-retry.js";
import { random } from "../helpers/random.js";

interface Window {
  readonly from: number;
  readonly to: number;
}

/** Virtual time, as the simulator's world offers it. */
export interface VirtualTime {
  readonly now: number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface ArmFaults {
  /** Per attempt: log-normal latency, its median and the sigma of its logarithm; never above `maxMs`. */
  readonly latency: { readonly medianMs: number; readonly sigma: number; readonly maxMs: number };
  /** Every attempt is answered 429 with this Retry-After (whole seconds, as ARM sends it). */
  readonly throttle: (Window & { readonly retryAfterMs: number })[];
  /** Each attempt is answered 500 with probability `p`. */
  readonly errors: (Window & { readonly p: number })[];
  /** A write whose reply came after the client gave up is made anyway with this probability. */
  readonly lateWriteApplies: number;
}

/**
 * The default model: median 1 s, p99 30 s (sigma = ln 30 / 2.326), capped at 2 minutes; a write
 * the client gave up on is made half the time.
 */
export const ARM_LATENCY = { medianMs: 1000, sigma: Math.log(30) / 2.326, maxMs: 120_000 };

/**
 * The default sweep's ARM: the latency always; a 429 burst and a 500 burst now and then (each in
 * three runs out of ten), anywhere in the run or, given the moment a failover is expected
 * (`around`), half the time starting from 30 s before it to a minute after.
 */
export function armFaultsFor(seed: number, minutes: number, around?: number): ArmFaults {
  const rand = random(seed * 48_271 + 11);
  const end = minutes * 60_000;
  const window = (min: number, max: number) => {
    const from =
      around !== undefined && rand() < 0.5
        ? Math.max(0, around - 30_000 + Math.floor(rand() * 90_000))
        : 60_000 + Math.floor(rand() * end * 0.6);
    return { from, to: from + min + Math.floor(rand() * (max - min)) };
  };
  const p = around === undefined ? 0.3 : 0.5;
  return {
    latency: ARM_LATENCY,
    throttle:
      rand() < p
        ? [{ ...window(10_000, 120_000), retryAfterMs: 1000 * (1 + Math.floor(rand() * 30)) }]
        : [],
    errors: rand() < p ? [{ ...window(10_000, 90_000), p: 0.5 + rand() * 0.5 }] : [],
    lateWriteApplies: 0.5,
  };
}

/**
 * A slow, stormy ARM for a whole run (`--arm slow`): four times the latency (median 4 s, p99 about
 * 2 minutes, so many calls outlast the client's timeout), and 429 or 500 storms back to back.
 */
export function slowArmFaults(seed: number, minutes: number): ArmFaults {
  const rand = random(seed * 31 + 7);
  const end = minutes * 60_000;
  const throttle: ArmFaults["throttle"][number][] = [];
  const errors: ArmFaults["errors"][number][] = [];
  for (let t = 0; t < end;) {
    const span = 30_000 + Math.floor(rand() * 90_000);
    const kind = rand();
    if (kind < 0.3)
      throttle.push({ from: t, to: t + span, retryAfterMs: 1000 * (5 + Math.floor(rand() * 55)) });
    else if (kind < 0.6) errors.push({ from: t, to: t + span, p: 0.8 });
    t += span;
  }
  return {
    latency: { ...ARM_LATENCY, medianMs: 4000, maxMs: 300_000 },
    throttle,
    errors,
    lateWriteApplies: 0.5,
  };
}

/** One lever call as the caller saw it, and what became of it at ARM. */
export interface ArmCall {
  readonly by: string;
  readonly method: string;
  readonly write: boolean;
  readonly from: number;
  /** When the caller had its answer (virtual ms). */
  to?: number;
  outcome?: "ok" | "429" | "500" | "timeout" | "fenced" | "error";
  /** The Retry-After of the 429 that ended the call: the caller was told to wait this long. */
  retryAfterMs?: number;
  /** When a write was made at ARM (virtual ms), if it was; after `to` when the client gave up. */
  appliedAt?: number;
}

/** The process behind a lever: its name, its runtime (for the fence), its budget tracker. */
export interface ArmCaller {
  readonly instance: string;
  readonly runtime: () => Runtime | undefined;
  readonly budget: ArmBudgetTracker;
  readonly dead: () => boolean;
}

const WRITES = new Set(["promote", "setEnabled", "start", "stop", "scale", "failover"]);
const CALLS = new Set(["read", ...WRITES]);

/** A standard normal draw (Box-Muller). */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function drawLatency(model: ArmFaults["latency"], rand: () => number): number {
  return Math.min(model.maxMs, Math.round(model.medianMs * Math.exp(model.sigma * normal(rand))));
}

/** Quantiles of the latency model, by sampling (for reports). */
export function latencyQuantiles(model: ArmFaults["latency"], ps: readonly number[]): number[] {
  const rand = random(1);
  const draws = Array.from({ length: 200_000 }, () => drawLatency(model, rand)).sort(
    (a, b) => a - b,
  );
  return ps.map((p) => draws[Math.min(draws.length - 1, Math.floor(p * draws.length))]!);
}

/**
 * Watches a holder's acting time in virtual time, as src/app/fence.ts does: `cut`
 * aborts at the renew deadline of the epoch's latest renewal once no renewal of the epoch came
 * before it. `stop` ends the watch.
 */
function fenceWatch(world: VirtualTime, caller: ArmCaller) {
  const cut = new AbortController();
  const stop = new AbortController();
  const rt = caller.runtime();
  const held = rt?.memory.lease.held;
  if (!rt || !held) {
    cut.abort();
    return { cut: cut.signal, stop: () => stop.abort() };
  }
  const epoch = held.epoch;
  const { renewDeadlineMs } = leaseTiming(rt);
  const left = () => {
    const h = rt.memory.lease.held;
    return h ? h.renewedAt + renewDeadlineMs - rt.clock.now() : 0;
  };
  void (async () => {
    let armedFor = held.renewedAt;
    for (let wait = left(); ; wait = left()) {
      if (wait > 0) await world.sleep(wait, stop.signal);
      if (stop.signal.aborted) return;
      const h = rt.memory.lease.held;
      if (!h || h.epoch !== epoch || h.renewedAt <= armedFor) return cut.abort();
      armedFor = h.renewedAt;
    }
  })();
  return { cut: cut.signal, stop: () => stop.abort() };
}

/** ARM in front of the simulator's levers; one per run, shared by every process. */
export class SimArm {
  readonly calls: ArmCall[] = [];
  readonly #world: VirtualTime;
  readonly #rand: () => number;
  faults: ArmFaults | undefined;
  /** The call ARM is carrying out at this moment (a lever's change hook can ask which). */
  current: ArmCall | undefined;

  constructor(world: VirtualTime, faults: ArmFaults | undefined, seed: number) {
    this.#world = world;
    this.faults = faults;
    this.#rand = random(seed * 92_821 + 13);
  }

  /** `lever` as `caller` reaches it through ARM. */
  wrap<T extends object>(lever: T, caller: ArmCaller): T {
    return new Proxy(lever, {
      get: (target, property) => {
        const value = Reflect.get(target, property) as unknown;
        if (typeof value !== "function") return value;
        const method = String(property);
        if (!CALLS.has(method)) return value.bind(target);
        const run = (args: unknown[]) => () =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return (...args: unknown[]) => this.#call(caller, method, run(args));
      },
    });
  }

  async #call(caller: ArmCaller, method: string, run: () => Promise<unknown>): Promise<unknown> {
    const faults = this.faults;
    if (caller.dead()) throw new Error("the process is gone");
    if (!faults) return run();
    const world = this.#world;
    const write = WRITES.has(method);
    const record: ArmCall = { by: caller.instance, method, write, from: world.now };
    this.calls.push(record);
    const giveUpAt = world.now + (ARM_DEFAULTS.timeoutMs as number);
    const fence = write ? fenceWatch(world, caller) : undefined;
    const end = (outcome: NonNullable<ArmCall["outcome"]>, error?: Error) => {
      record.to = world.now;
      record.outcome = outcome;
      if (error) throw error;
    };
    const fail = (status: number | undefined, code: string | undefined, text: string) =>
      new ArmError(`${method}: ${text} (simulated)`, status, code);
    /** Sleeps until `at`, or until the fence cuts the call; false if it was cut. */
    const until = async (at: number) => {
      if (at > world.now) await world.sleep(at - world.now, fence?.cut);
      return !fence?.cut.aborted;
    };
    try {
      for (let attempt = 0; ; attempt++) {
        const latency = drawLatency(faults.latency, this.#rand);
        const now = world.now;
        const throttled = faults.throttle.find((w) => now >= w.from && now < w.to);
        const erred = faults.errors.find((w) => now >= w.from && now < w.to && this.#rand() < w.p);
        const lands = this.#rand() < faults.lateWriteApplies;
        const replyAt = now + (throttled ? Math.min(latency, 200) : latency);
        if (!(await until(Math.min(replyAt, giveUpAt)))) {
          return end("fenced", fail(undefined, "Aborted", "the fence cut the call"));
        }
        if (world.now >= giveUpAt && replyAt > giveUpAt) {
          // The client has given up; a change ARM was making may still be made.
          if (write && !throttled && !erred && lands) void this.#late(record, replyAt, run, fence);
          else fence?.stop();
          return end("timeout", fail(undefined, undefined, "no answer from ARM in time"));
        }
        const retries = ARM_DEFAULTS.retry.maxRetries;
        if (throttled) {
          const after = throttled.retryAfterMs;
          caller.budget.record(429, (name) =>
            name.toLowerCase() === "retry-after" ? String(after / 1000) : undefined,
          );
          const sdkWaits = after <= ARM_DEFAULTS.maxRetryAfterMs && attempt < retries;
          if (!sdkWaits || world.now + after >= giveUpAt) {
            record.retryAfterMs = after;
            return end("429", fail(429, "TooManyRequests", `429: retry after ${after / 1000} s`));
          }
          if (!(await until(world.now + after)))
            return end("fenced", fail(undefined, "Aborted", "the fence cut the call"));
          continue;
        }
        if (erred) {
          const base = ARM_DEFAULTS.retry.retryDelayInMs * 2 ** attempt;
          const wait = Math.round(
            Math.min(ARM_DEFAULTS.retry.maxRetryDelayInMs, base * (0.8 + 0.4 * this.#rand())),
          );
          if (attempt >= retries || world.now + wait >= giveUpAt)
            return end("500", fail(500, "InternalServerError", "500: server error after retries"));
          if (!(await until(world.now + wait)))
            return end("fenced", fail(undefined, "Aborted", "the fence cut the call"));
          continue;
        }
        try {
          const value = await this.#applying(record, run);
          if (write) record.appliedAt = world.now;
          end("ok");
          return value;
        } catch (error) {
          return end("error", error as Error);
        }
      }
    } finally {
      if (record.outcome !== "timeout") fence?.stop();
    }
  }

  #applying<T>(record: ArmCall, run: () => Promise<T>): Promise<T> {
    this.current = record;
    try {
      return run();
    } finally {
      this.current = undefined;
    }
  }

  /** A write the client gave up on, made at `at` if the caller's fence still stands then. */
  async #late(
    record: ArmCall,
    at: number,
    run: () => Promise<unknown>,
    fence: ReturnType<typeof fenceWatch> | undefined,
  ): Promise<void> {
    const world = this.#world;
    if (at > world.now) await world.sleep(at - world.now, fence?.cut);
    const cut = fence?.cut.aborted ?? false;
    fence?.stop();
    if (cut) return;
    try {
      await this.#applying(record, run);
      record.appliedAt = world.now;
    } catch {
      // A late change that fails is as if never made.
    }
  }
}

/** What ARM did in a run, by outcome: for checking the model was exercised, and for reports. */
export interface ArmTally {
  readonly calls: number;
  readonly ok: number;
  readonly throttled: number;
  readonly failed500: number;
  readonly timedOut: number;
  readonly fenced: number;
  /** Writes made after their client gave up. */
  readonly lateWrites: number;
}

export function tally(calls: readonly ArmCall[]): ArmTally {
  const count = (o: ArmCall["outcome"]) => calls.filter((c) => c.outcome === o).length;
  return {
    calls: calls.length,
    ok: count("ok"),
    throttled: count("429"),
    failed500: count("500"),
    timedOut: count("timeout"),
    fenced: count("fenced"),
    lateWrites: calls.filter(
      (c) => c.appliedAt !== undefined && c.to !== undefined && c.appliedAt > c.to,
    ).length,
  };
}

export function addTally(a: ArmTally, b: ArmTally): ArmTally {
  return {
    calls: a.calls + b.calls,
    ok: a.ok + b.ok,
    throttled: a.throttled + b.throttled,
    failed500: a.failed500 + b.failed500,
    timedOut: a.timedOut + b.timedOut,
    fenced: a.fenced + b.fenced,
    lateWrites: a.lateWrites + b.lateWrites,
  };
}

export const NO_CALLS: ArmTally = {
  calls: 0,
  ok: 0,
  throttled: 0,
  failed500: 0,
  timedOut: 0,
  fenced: 0,
  lateWrites: 0,
};

/**
 * How long the lever made the work wait between `from` and `to`: the union of the calls in flight
 * and of the waits after each call that failed, until the same process's next call (its
 * Retry-After, the retry's backoff, the tick it waits for), each wait no longer than the longer of
 * its Retry-After and the runbook's longest backoff; each clipped to the window.
 */
export function leverTimeWithin(calls: readonly ArmCall[], from: number, to: number): number {
  const byProcess = new Map<string, ArmCall[]>();
  for (const c of calls) byProcess.set(c.by, [...(byProcess.get(c.by) ?? []), c]);
  const spans: [number, number][] = [];
  for (const own of byProcess.values())
    own.forEach((c, i) => {
      const end = c.to ?? to;
      spans.push([c.from, end]);
      if (c.outcome === "ok" || c.to === undefined) return;
      const next = own.slice(i + 1).find((n) => n.from >= end)?.from ?? to;
      spans.push([end, Math.min(next, end + Math.max(c.retryAfterMs ?? 0, RETRY_MAX_MS))]);
    });
  const clipped = spans
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let reach = -Infinity;
  for (const [a, b] of clipped) {
    if (b <= reach) continue;
    total += b - Math.max(a, reach);
    reach = b;
  }
  return total;
}
