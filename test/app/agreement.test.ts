// Agreement under races, pauses, clock skew, lost replies and store outages, against Azurite in
// this process (and the memory store for the race). Time is virtual: every observer's clock is
// the world's time plus its own offset, so a +/-30 s skew is one number.
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { tableStoreFromConnectionString } from "../../src/adapters/store/table/table-store.js";
import { observeAgreement } from "../../src/app/agreement.js";
import { runFenced } from "../../src/app/fence.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { TableClient } from "@azure/data-tables";
import { isLeader } from "../../src/core/index.js";
import type { LeaseRecord } from "../../src/core/lease.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { StateStore } from "../../src/ports/state-store.js";
import { StoreError } from "../../src/ports/state-store.js";
import type { Azurite } from "../../src/sandbox/azurite.js";
import { startAzurite } from "../../src/sandbox/azurite.js";
import { runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { random } from "../helpers/random.js";
import { SharedTime, SkewedClock } from "../helpers/clocks.js";

/**
 * `npm run soak` sets TANDEM_SOAK=1: the long races (8 contenders on Azurite, minutes of virtual
 * time). The test command runs shorter races with the same checks, sized to stay well inside a
 * minute on a slow, busy 2-core machine.
 */
const SOAK = process.env["TANDEM_SOAK"] === "1";
const AZURITE_RACE = SOAK
  ? { contenders: [2, 8], seconds: 300, chaosSeconds: 600 }
  : { contenders: [2, 4], seconds: 60, chaosSeconds: 90 };

/** Every contender's clock is this time plus its own skew. */
class World extends SharedTime {
  constructor() {
    super(1_800_000_000_000);
  }
}

const observerNames = (n: number) => Array.from({ length: n }, (_, i) => `obs${i + 1}`);

const config = (observers: string[]): TandemConfigInput =>
  twoRegionConfig(
    { westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" },
    // 1 s ticks: lease 3 s, renew deadline 2 s, retry period 1 s, stale after 3 s.
    { observers, policy: { intervalSeconds: 1, probeTimeoutSeconds: 0.5, confirmRetries: 0 } },
  );

async function contender(
  i: number,
  names: string[],
  world: World,
  store: StateStore,
  skew = 0,
  life = 0,
): Promise<Runtime> {
  return runtimeFor(config(names), names[i]!, {
    store,
    clock: new SkewedClock(world, skew),
    instance: `p${i + 1}${life ? `-r${life}` : ""}`,
  });
}

async function contenders(
  n: number,
  world: World,
  store: StateStore,
  skews: number[] = [],
): Promise<Runtime[]> {
  const names = observerNames(n);
  return Promise.all(names.map((_, i) => contender(i, names, world, store, skews[i] ?? 0)));
}

/** Takes the lease for `rt`: the first contender waits one lease duration on an absent row. */
async function acquire(rt: Runtime, world: World): Promise<void> {
  await tickLease(rt);
  world.now += leaseTiming(rt).durationMs;
  const status = await tickLease(rt);
  assert.equal(
    status.leader,
    true,
    `expected ${rt.observer} to take the lease: ${JSON.stringify(status)}`,
  );
}

/**
 * A store whose lease writes take virtual time and, in chaos mode, sometimes lose their reply
 * (after writing) or fail without writing.
 */
function unreliable(
  store: StateStore,
  world: World,
  rand: () => number,
  chaos: boolean,
): StateStore {
  const slow =
    <A extends unknown[]>(write: (...args: A) => Promise<string>) =>
    async (...args: A): Promise<string> => {
      if (chaos && rand() < 0.04)
        throw new StoreError("unavailable", "state store: the request failed: ECONNRESET");
      world.now += Math.floor(rand() * 200);
      const etag = await write(...args);
      if (chaos && rand() < 0.04)
        throw new StoreError("unavailable", "state store: the reply was lost: ECONNRESET");
      return etag;
    };
  const createLease = slow(store.createLease.bind(store));
  const replaceLease = slow(store.replaceLease.bind(store));
  return new Proxy(store, {
    get: (target, property) => {
      if (property === "createLease") return createLease;
      if (property === "replaceLease") return replaceLease;
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function"
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  });
}

interface RaceOptions {
  skews?: number[];
  /** Lost replies, failed writes, restarts that lose memory, and lease rows deleted by hand. */
  chaos?: { deleteLease: () => Promise<void> };
}

interface RaceReport {
  epochs: number;
  takeovers: number;
  worstTakeoverMs: number;
  fencedSteps: number;
}

/**
 * N contenders tick every retry period at phases that collide, so several race at the same
 * instant, and every lease write takes time; now and then the holder crashes (stops ticking) for
 * a while. After every instant, every contender that is up tries a fenced step. Checked: at most
 * one contender believes it may act, and at most one fenced step succeeds per instant, from the
 * newest epoch; one holder per epoch; epochs only grow; without chaos, a crashed holder is
 * replaced within lease duration + retry period of its last renewal.
 */
async function race(
  base: StateStore,
  n: number,
  seed: number,
  seconds: number,
  options: RaceOptions = {},
): Promise<RaceReport> {
  const world = new World();
  const start = world.now;
  const rand = random(seed);
  const store = unreliable(base, world, rand, options.chaos !== undefined);
  const names = observerNames(n);
  const rts = await contenders(n, world, store, options.skews);
  const timing = leaseTiming(rts[0]!);
  const phase = rts.map(() => Math.floor(rand() * 4) * 250);
  const downUntil = new Map<number, number>();
  const holderOfEpoch = new Map<number, string>();
  let lastEpoch = 0;
  let lastRenewal: { who: number; at: number } | undefined;
  let crashedAt: { who: number; lastRenewal: number } | undefined;
  let takeovers = 0;
  let worstTakeoverMs = 0;
  let fencedSteps = 0;
  let lives = 0;
  const replay = `seed ${seed}, ${n} contenders${options.chaos ? ", chaos" : ""}`;

  for (let t = 0; t < seconds * 1000; t += 250) {
    // Virtual time only moves forward; a slow write may already have moved it past this instant.
    world.now = Math.max(world.now, start + t);
    const at = world.now - start;
    const up = (i: number) => (downUntil.get(i) ?? 0) <= at;
    const due = rts.map((_, i) => i).filter((i) => phase[i] === t % 1000 && up(i));
    const results = await Promise.all(due.map((i) => tickLease(rts[i]!)));
    results.forEach((status, k) => {
      const i = due[k]!;
      if (!status.leader || status.epoch === undefined) return;
      const holder = status.holder!;
      const known = holderOfEpoch.get(status.epoch);
      assert.ok(
        known === undefined || known === holder,
        `${replay}: epoch ${status.epoch} held by ${known} and ${holder}`,
      );
      if (known === undefined) {
        assert.ok(status.epoch > lastEpoch, `${replay}: epoch ${status.epoch} after ${lastEpoch}`);
        lastEpoch = status.epoch;
        holderOfEpoch.set(status.epoch, holder);
        if (crashedAt && crashedAt.who !== i) {
          const took = t - crashedAt.lastRenewal;
          worstTakeoverMs = Math.max(worstTakeoverMs, took);
          if (!options.chaos)
            assert.ok(
              took <= timing.durationMs + timing.retryPeriodMs,
              `${replay}: takeover ${took} ms after the last renewal (bound ${timing.durationMs + timing.retryPeriodMs} ms)`,
            );
          takeovers++;
          crashedAt = undefined;
        }
      }
      lastRenewal = { who: i, at: t };
    });

    const acting = rts
      .filter((rt) => isLeader(rt.memory.lease, rt.clock.now(), timing))
      .map((rt) => rt.observer);
    assert.ok(
      acting.length <= 1,
      `${replay}: at ${t} ms, ${acting.join(" and ")} both believe they may act`,
    );

    const steps = await Promise.all(
      rts.map((rt, i) =>
        up(i)
          ? runFenced(rt, { name: "step" }, async (_s, epoch) => epoch)
          : Promise.resolve(undefined),
      ),
    );
    const done = steps.filter((r) => r?.ok);
    assert.ok(done.length <= 1, `${replay}: at ${t} ms, ${done.length} fenced steps ran`);
    for (const d of done)
      assert.equal(
        d!.epoch,
        lastEpoch,
        `${replay}: a fenced step ran in epoch ${d!.epoch}, the newest is ${lastEpoch}`,
      );
    fencedSteps += done.length;

    const othersUp = rts.every((_, i) => i === lastRenewal?.who || up(i));
    if (!crashedAt && othersUp && lastRenewal && rand() < 0.05) {
      const who = lastRenewal.who;
      downUntil.set(who, t + 4000 + Math.floor(rand() * 6) * 1000);
      crashedAt = { who, lastRenewal: lastRenewal.at };
      // Half the crashes are restarts: the process comes back with a new instance id and no memory.
      if (options.chaos && rand() < 0.5)
        rts[who] = await contender(who, names, world, store, options.skews?.[who] ?? 0, ++lives);
    }
    if (options.chaos && rand() < 0.01) {
      await options.chaos.deleteLease();
      crashedAt = undefined;
    }
  }
  return { epochs: lastEpoch, takeovers, worstTakeoverMs, fencedSteps };
}

describe("agreement against Azurite", () => {
  let azurite: Azurite;
  let tables = 0;
  const table = () =>
    tableStoreFromConnectionString(azurite.connectionString, `agree${++tables}`, { maxRetries: 0 });
  before(async () => (azurite = await startAzurite(0)));
  after(async () => azurite.stop());
  /** A fresh table, `n` contenders over it and the first of them holding the lease. */
  const firstHolding = async (n: number) => {
    const store = table();
    await store.initialise();
    const world = new World();
    const [a, b] = await contenders(n, world, store);
    await acquire(a!, world);
    return { store, world, a: a!, b };
  };

  for (const n of AZURITE_RACE.contenders) {
    it(`${n} contenders racing for the lease: one actor at a time, one holder per epoch, takeover within the bound`, async () => {
      const store = table();
      await store.initialise();
      const report = await race(store, n, 1000 + n, AZURITE_RACE.seconds);
      assert.ok(
        report.takeovers >= 2,
        `expected several crashes and takeovers, got ${report.takeovers}`,
      );
      assert.ok(report.epochs >= report.takeovers + 1);
    });
  }

  it("a clock skew of +30 s and -30 s on two contenders changes neither safety nor the takeover bound", async () => {
    const store = table();
    await store.initialise();
    const report = await race(store, 3, 77, AZURITE_RACE.seconds, {
      skews: [30_000, -30_000, 0],
    });
    assert.ok(report.takeovers >= 2, `expected several takeovers, got ${report.takeovers}`);
  });

  it("with lost replies, failed writes, restarts that lose memory and a deleted lease row, still one actor at a time", async () => {
    const store = table();
    await store.initialise();
    const raw = TableClient.fromConnectionString(azurite.connectionString, `agree${tables}`, {
      allowInsecureConnection: true,
    });
    const report = await race(store, 3, 2024, AZURITE_RACE.chaosSeconds, {
      chaos: {
        deleteLease: () =>
          raw.deleteEntity("lease", "lease").then(
            () => undefined,
            () => undefined,
          ),
      },
    });
    assert.ok(
      report.fencedSteps > 100,
      `expected the holders to act many times, got ${report.fencedSteps}`,
    );
    assert.ok(report.epochs >= 3, `expected several epochs, got ${report.epochs}`);
  });

  it("a holder paused past its deadline cannot perform a fenced step afterwards, and the refusal is recorded", async () => {
    const { store, world, a, b } = await firstHolding(2);
    assert.equal((await tickLease(b!)).leader, false);
    // a stalls mid-tick for 10 s; b keeps ticking and takes over.
    for (let s = 1; s <= 10; s++) {
      world.now += 1000;
      await tickLease(b!);
    }
    assert.equal((await store.readLease())?.record.holder, "obs2#p2");
    let ran = false;
    const result = await runFenced(a!, { name: "promote", group: "shop" }, async () => {
      ran = true;
    });
    assert.equal(ran, false, "the step must not run");
    assert.deepEqual(result, {
      ok: false,
      refused: true,
      reason: "the lease renew deadline of epoch 1 has passed",
      epoch: 1,
    });
    const refused = (await store.readActions()).filter((e) => e.outcome === "refused");
    assert.deepEqual(
      refused.map((e) => [e.actor, e.epoch, e.name, e.reason]),
      [["obs1#p1", 1, "promote", "the lease renew deadline of epoch 1 has passed"]],
    );
  });

  const changedRows: { name: string; change: (r: LeaseRecord) => LeaseRecord; reason: string }[] = [
    {
      name: "a fenced step is refused when the row shows another epoch, even within the holder's own deadline",
      change: (r) => ({ ...r, holder: "intruder#x", epoch: 2, writeId: "x" }),
      reason: "stale epoch 1: the lease is now epoch 2 held by intruder#x",
    },
    {
      name: "a fenced step is refused when the row changed version, even with the same holder and epoch",
      change: (r) => ({ ...r, writeId: "someone-else" }),
      reason: "the lease row changed since epoch 1 was renewed: no step until the next renewal",
    },
  ];
  for (const c of changedRows)
    it(c.name, async () => {
      const { store, a } = await firstHolding(1);
      const current = (await store.readLease())!;
      await store.replaceLease(c.change(current.record), current.etag);
      const result = await runFenced(a, { name: "promote" }, async () =>
        assert.fail("must not run"),
      );
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, c.reason);
    });

  it("a fenced step of the holder runs and is recorded with its epoch", async () => {
    const { store, a } = await firstHolding(1);
    const result = await runFenced(
      a,
      { name: "record-verdicts", group: "shop" },
      async (_signal, epoch) => `done in ${epoch}`,
    );
    assert.deepEqual(result, { ok: true, value: "done in 1", epoch: 1 });
    assert.deepEqual(
      (await store.readActions()).map((e) => [e.name, e.epoch, e.outcome]),
      [
        ["record-verdicts", 1, "started"],
        ["record-verdicts", 1, "done"],
      ],
    );
  });

  it("an ambiguous renewal (written, reply lost, retry meets 412) is recognised as still held", async () => {
    const real = table();
    await real.initialise();
    let loseNextReply = false;
    const replaceLease: StateStore["replaceLease"] = async (...args) => {
      const etag = await real.replaceLease(...args);
      if (loseNextReply) {
        loseNextReply = false;
        throw new StoreError("unavailable", "state store: replacing the lease failed: ECONNRESET");
      }
      return etag;
    };
    const store = new Proxy(real, {
      get: (target, property) => {
        if (property === "replaceLease") return replaceLease;
        const value = Reflect.get(target, property) as unknown;
        return typeof value === "function"
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    });
    const world = new World();
    const [a] = await contenders(1, world, store);
    await acquire(a!, world);
    world.now += 1000;
    loseNextReply = true;
    const status = await tickLease(a!);
    assert.deepEqual([status.leader, status.epoch, status.outcome], [true, 1, "renewed"]);
    const stored = (await real.readLease())!;
    assert.equal(
      a!.memory.lease.held?.etag,
      stored.etag,
      "the holder knows the row's current version",
    );
    assert.equal((await runFenced(a!, { name: "check" }, async () => "ok")).ok, true);
  });

  it("stale peers are found by their heartbeats going quiet on the reader's clock, not by their timestamps", async () => {
    const store = table();
    await store.initialise();
    const world = new World();
    const [a, b] = await contenders(2, world, store, [0, -30_000]);
    await runProbeTick(b!);
    await runProbeTick(a!);
    let view = await observeAgreement(a!);
    assert.deepEqual(view.stalePeers, [], "b's clock is 30 s behind, but its heartbeat is new");
    for (let s = 1; s <= 4; s++) {
      world.now += 1000;
      await runProbeTick(a!);
      view = await observeAgreement(a!);
    }
    assert.deepEqual(view.stalePeers, ["obs2"], "b has not ticked for 4 s, over the 3 s bound");
  });
});

describe("agreement on the memory store", () => {
  it("8 contenders racing for the lease keep the same guarantees", async () => {
    const report = await race(new MemoryStateStore(), 8, 4242, 90);
    assert.ok(report.takeovers >= 3);
  });

  it("chaos over 20 seeds: lost replies, failed writes, restarts and deleted rows never make two actors", async () => {
    let steps = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const store = new MemoryStateStore();
      steps += (
        await race(store, 2 + (seed % 5), 500 + seed, 60, {
          chaos: { deleteLease: async () => store.deleteLease() },
        })
      ).fencedSteps;
    }
    assert.ok(steps > 500, `expected many fenced steps, got ${steps}`);
  });

  it("the same guarantees hold over 40 seeds, 2 to 8 contenders, with and without clock skew", async () => {
    let takeovers = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const n = 2 + (seed % 7);
      const skews = seed % 2 === 0 ? [30_000, -30_000] : [];
      takeovers += (await race(new MemoryStateStore(), n, seed, 60, { skews })).takeovers;
    }
    assert.ok(takeovers >= 80, `expected many takeovers across the seeds, got ${takeovers}`);
  });
});

describe("a store outage", () => {
  it("while Azurite is stopped no fenced step runs; when it returns, the lease is re-read and one holder acts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tandem-outage-"));
    let azurite = await startAzurite(0, { persistDir: dir });
    const port = azurite.port;
    const store = tableStoreFromConnectionString(azurite.connectionString, "outage", {
      maxRetries: 0,
      timeoutMs: 2000,
    });
    await store.initialise();
    const world = new World();
    const [a, b] = await contenders(2, world, store);
    const step = (rt: Runtime) =>
      runFenced(rt, { name: "promote", group: "shop" }, async () => "changed the world");
    try {
      await acquire(a!, world);
      await tickLease(b!);
      assert.equal((await step(a!)).ok, true, "the holder acts before the outage");

      await azurite.stop();
      for (let s = 1; s <= 6; s++) {
        world.now += 1000;
        const statuses = [await tickLease(a!), await tickLease(b!)];
        assert.ok(statuses.every((x) => x.outcome === "store-unavailable"));
        for (const rt of [a!, b!]) {
          const result = await step(rt);
          assert.equal(result.ok, false, `${rt.observer} acted without the store at +${s} s`);
        }
      }

      azurite = await startAzurite(port, { persistDir: dir });
      world.now += 1000;
      const after = [await tickLease(a!), await tickLease(b!)];
      const leaders = after.filter((x) => x.leader);
      assert.equal(
        leaders.length,
        1,
        `exactly one holder after the store returns: ${JSON.stringify(after)}`,
      );
      const acting = [a!, b!].find(
        (rt) => rt.memory.lease.held && isLeader(rt.memory.lease, rt.clock.now(), leaseTiming(rt)),
      )!;
      assert.equal((await step(acting)).ok, true, "the holder acts again once the store is back");
      const done = (await store.readActions()).filter((e) => e.outcome === "done");
      assert.equal(done.length, 2, "one step before the outage and one after; none during");
    } finally {
      await azurite.stop();
    }
  });
});
