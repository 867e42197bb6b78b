// The fence around every step that changes the world: it runs only for the current lease holder,
// within its acting time, with its intent on record; otherwise it refuses and says why. Each
// scenario breaks one condition and checks that the step did not run and the refusal is recorded.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { FencedStep } from "../../src/app/fence.js";
import { runFenced } from "../../src/app/fence.js";
import { leaseTiming } from "../../src/app/lease-keeper.js";
import type { Runtime } from "../../src/app/runtime.js";
import { holderId } from "../../src/app/runtime.js";
import { Scopes } from "../../src/adapters/telemetry/scopes.js";
import { noTelemetry } from "../../src/ports/telemetry.js";
import type { LeaseRecord } from "../../src/core/index.js";
import { EMPTY_LEASE_MEMORY, wrote } from "../../src/core/index.js";
import type { ActionRecord } from "../../src/ports/state-store.js";
import {
  ManualClock,
  ManualTimeRealWaits,
  SteppedClock,
  runtimeFor,
  twoRegionConfig,
} from "../helpers/runtime.js";

/** A memory store whose lease reads and action writes can be made to fail or take time. */
class ScriptedStore extends MemoryStateStore {
  onReadLease?: () => void;
  failAppend?: (entry: ActionRecord) => Error | undefined;
  readonly appended: ActionRecord[] = [];

  override async readLease() {
    this.onReadLease?.();
    return super.readLease();
  }

  override async appendAction(entry: ActionRecord): Promise<void> {
    const error = this.failAppend?.(entry);
    if (error) throw error;
    // Each row is derived from its step's event, and names it; the rest is compared as written.
    const { event, ...row } = entry;
    assert.match(event ?? "", /^w1\/\d+$/, `${entry.name} ${entry.outcome} names its event`);
    this.appended.push(row);
    return super.appendAction(entry);
  }
}

interface Fixture {
  rt: Runtime;
  store: ScriptedStore;
  clock: ManualClock;
  me: string;
  /** Renewed at this time (the clock's start); may act until renewedAt + renewDeadlineMs. */
  renewedAt: number;
  deadlineMs: number;
  logged: { level: "warn" | "error"; message: string }[];
}

const EPOCH = 3;

/** A runtime that holds the lease at EPOCH, renewed just now, with its log captured. */
async function holder(clock = new ManualClock()): Promise<Fixture> {
  const store = new ScriptedStore();
  const logged: Fixture["logged"] = [];
  const base = await runtimeFor(
    twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
    "westeurope",
    { store, clock, instance: "w1" },
  );
  const rt: Runtime = {
    ...base,
    log: {
      info: () => {},
      warn: (message) => logged.push({ level: "warn", message }),
      error: (message) => logged.push({ level: "error", message }),
    },
  };
  const me = holderId(rt);
  const record: LeaseRecord = {
    holder: me,
    epoch: EPOCH,
    durationMs: 6000,
    writeId: "w",
    renewedAt: clock.now(),
  };
  const etag = await store.createLease(record);
  rt.memory.lease = wrote(EMPTY_LEASE_MEMORY, record, etag, clock.now());
  return {
    rt,
    store,
    clock,
    me,
    renewedAt: clock.now(),
    deadlineMs: leaseTiming(rt).renewDeadlineMs,
    logged,
  };
}

/** Replaces the stored lease row with one carrying other fields (a new version). */
async function rewriteRow(f: Fixture, fields: Partial<LeaseRecord> | "delete") {
  const stored = (await f.store.readLease())!;
  if (fields === "delete") f.store.deleteLease();
  else await f.store.replaceLease({ ...stored.record, ...fields }, stored.etag);
}

const STEP: FencedStep = { name: "promote northeurope", group: "shop", incident: "inc-1" };

describe("a fenced step refuses, records why, and never runs", () => {
  const cases: {
    name: string;
    arrange: (f: Fixture) => void | Promise<void>;
    reason: (f: Fixture) => string;
    epoch?: number;
  }[] = [
    {
      name: "when this process does not hold the lease",
      arrange: (f) => {
        f.rt.memory.lease = { highestEpoch: EPOCH };
      },
      reason: () => "this process does not hold the lease",
      epoch: 0,
    },
    {
      name: "when its renew deadline has been reached",
      arrange: (f) => f.clock.advance(f.deadlineMs),
      reason: () => `the lease renew deadline of epoch ${EPOCH} has passed`,
    },
    {
      name: "when the lease row cannot be read",
      arrange: (f) => {
        f.store.onReadLease = () => {
          throw new Error("ECONNRESET");
        };
      },
      reason: () => "the lease could not be checked: ECONNRESET",
    },
    {
      name: "when the lease row is gone",
      arrange: (f) => rewriteRow(f, "delete"),
      reason: () => `stale epoch ${EPOCH}: the lease is now gone`,
    },
    {
      name: "when the row names another holder at the same epoch",
      arrange: (f) => rewriteRow(f, { holder: "northeurope#n1" }),
      reason: () => `stale epoch ${EPOCH}: the lease is now epoch ${EPOCH} held by northeurope#n1`,
    },
    {
      name: "when the row shows a newer epoch of the same holder",
      arrange: (f) => rewriteRow(f, { epoch: EPOCH + 1 }),
      reason: (f) => `stale epoch ${EPOCH}: the lease is now epoch ${EPOCH + 1} held by ${f.me}`,
    },
    {
      name: "when the row changed version, holder and epoch alike",
      arrange: (f) => rewriteRow(f, { writeId: "someone else's write" }),
      reason: () =>
        `the lease row changed since epoch ${EPOCH} was renewed: no step until the next renewal`,
    },
    {
      name: "when the renew deadline passes while the row is being read",
      arrange: (f) => {
        f.clock.advance(f.deadlineMs - 1000);
        f.store.onReadLease = () => f.clock.advance(1000);
      },
      reason: () => `the lease renew deadline of epoch ${EPOCH} passed while checking`,
    },
  ];

  for (const c of cases)
    it(c.name, async () => {
      const f = await holder();
      await c.arrange(f);
      let ran = false;
      const result = await runFenced(f.rt, STEP, async () => {
        ran = true;
      });
      const epoch = c.epoch ?? EPOCH;
      const reason = c.reason(f);
      assert.equal(ran, false, "the step must not run");
      assert.deepEqual(result, { ok: false, refused: true, reason, epoch });
      assert.deepEqual(f.store.appended, [
        {
          at: f.clock.now(),
          actor: f.me,
          epoch,
          name: STEP.name,
          outcome: "refused",
          group: "shop",
          incident: "inc-1",
          reason,
        },
      ]);
      assert.deepEqual(f.logged, [
        { level: "warn", message: `refused promote northeurope for shop: ${reason}` },
      ]);
    });

  it("when its intent cannot be written to the action log (no step without a record)", async () => {
    const f = await holder();
    f.store.failAppend = () => new Error("disk full");
    let ran = false;
    const result = await runFenced(f.rt, STEP, async () => {
      ran = true;
    });
    assert.equal(ran, false, "the step must not run");
    const reason = "the action log cannot be written (disk full): no step without a record";
    assert.deepEqual(result, { ok: false, refused: true, reason, epoch: EPOCH });
    assert.deepEqual(f.logged, [
      { level: "warn", message: `refused promote northeurope for shop: ${reason}` },
      {
        level: "error",
        message: `action log: could not record refused promote northeurope (epoch ${EPOCH}): disk full`,
      },
    ]);
  });

  it("a refused step of no group says so without naming one", async () => {
    const f = await holder();
    f.rt.memory.lease = { highestEpoch: 0 };
    await runFenced(f.rt, { name: "reconcile" }, async () => {});
    assert.deepEqual(f.logged, [
      { level: "warn", message: "refused reconcile: this process does not hold the lease" },
    ]);
    assert.equal(f.store.appended.length, 1);
    assert.equal("group" in f.store.appended[0]!, false);
    assert.equal("incident" in f.store.appended[0]!, false);
  });
});

describe("a fenced step of the holder", () => {
  it("runs with its epoch, just before the deadline, and records its intent and then its outcome", async () => {
    const f = await holder();
    f.clock.advance(f.deadlineMs - 1);
    const seen: number[] = [];
    const result = await runFenced(f.rt, STEP, async (_signal, epoch) => {
      seen.push(epoch);
      return "promoted";
    });
    assert.deepEqual(result, { ok: true, value: "promoted", epoch: EPOCH });
    assert.deepEqual(seen, [EPOCH]);
    const common = { at: f.clock.now(), actor: f.me, epoch: EPOCH, name: STEP.name };
    assert.deepEqual(f.store.appended, [
      { ...common, outcome: "started", group: "shop", incident: "inc-1" },
      { ...common, outcome: "done", group: "shop", incident: "inc-1" },
    ]);
    assert.deepEqual(f.logged, []);
  });

  it("records a step of no group and no incident without those fields", async () => {
    const f = await holder();
    await runFenced(f.rt, { name: "reconcile" }, async () => 1);
    const common = { at: f.clock.now(), actor: f.me, epoch: EPOCH, name: "reconcile" };
    assert.deepEqual(f.store.appended, [
      { ...common, outcome: "started" },
      { ...common, outcome: "done" },
    ]);
  });

  const failures: { name: string; thrown: unknown; reason: string }[] = [
    {
      name: "an error",
      thrown: new Error("409 Conflict from ARM"),
      reason: "409 Conflict from ARM",
    },
    { name: "a thrown string", thrown: "quota exceeded", reason: "quota exceeded" },
  ];
  for (const c of failures)
    it(`that fails with ${c.name} reports the failure as not refused, and records it`, async () => {
      const f = await holder();
      const result = await runFenced(f.rt, STEP, async () => {
        throw c.thrown;
      });
      assert.deepEqual(result, { ok: false, refused: false, reason: c.reason, epoch: EPOCH });
      assert.deepEqual(
        f.store.appended.map((a) => [a.outcome, a.reason]),
        [
          ["started", undefined],
          ["failed", c.reason],
        ],
      );
    });

  it("still succeeds when its outcome cannot be recorded, and logs that the record is missing", async () => {
    const f = await holder();
    f.store.failAppend = (entry) =>
      entry.outcome === "done" ? new Error("503 ServerBusy") : undefined;
    const result = await runFenced(f.rt, STEP, async () => "promoted");
    assert.deepEqual(result, { ok: true, value: "promoted", epoch: EPOCH });
    assert.deepEqual(
      f.store.appended.map((a) => a.outcome),
      ["started"],
      "the intent stands",
    );
    assert.deepEqual(f.logged, [
      {
        level: "error",
        message: `action log: could not record done promote northeurope (epoch ${EPOCH}): 503 ServerBusy`,
      },
    ]);
  });

  it("is aborted when the acting time of its term runs out", async () => {
    const f = await holder();
    f.clock.advance(f.deadlineMs - 20);
    const result = await runFenced(
      f.rt,
      STEP,
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason as Error)),
        ),
    );
    assert.deepEqual(result, {
      ok: false,
      refused: false,
      reason: `the acting time of epoch ${EPOCH} ran out`,
      epoch: EPOCH,
    });
  });

  it("keeps its abort signal quiet once it has finished within the acting time", async () => {
    const f = await holder();
    f.clock.advance(f.deadlineMs - 20);
    const result = await runFenced(f.rt, STEP, async (signal) => signal);
    assert.ok(result.ok);
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(result.value.aborted, false, "the deadline timer was cleared");
  });

  it("runs a step for an incident in the incident's telemetry scope, so its store and ARM calls carry the incident's id", async () => {
    const f = await holder();
    const scopes = new Scopes();
    const rt: Runtime = {
      ...f.rt,
      telemetry: {
        ...noTelemetry,
        within: (scope, fn) => scopes.within(scope, fn),
        current: () => scopes.current(),
      },
    };
    const seen = (step: FencedStep) =>
      scopes.within({ operation: "w1:7" }, () =>
        runFenced(rt, step, () => Promise.resolve(scopes.current())),
      );
    const forIncident = await seen(STEP);
    assert.ok(forIncident.ok);
    assert.deepEqual(forIncident.value, { operation: "w1:7", incident: "inc-1" });
    const { incident: _none, ...noIncident } = STEP;
    const outside = await seen(noIncident);
    assert.ok(outside.ok);
    assert.deepEqual(outside.value, { operation: "w1:7" });
  });
});

/** A fenced step whose work waits for its abort signal, with timers under the test's control. */
async function pending(f: Fixture) {
  let aborted: string | undefined;
  const result = runFenced(
    f.rt,
    STEP,
    (signal) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          aborted = (signal.reason as Error).message;
          reject(signal.reason as Error);
        }),
      ),
  );
  // The fence's lease check and intent are written before the work starts.
  for (let i = 0; i < 20 && f.store.appended.length === 0; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  return { result, aborted: () => aborted };
}

/** The holder renews the same epoch (or another) at the clock's time, as tickLease would. */
function renew(f: Fixture, epoch = EPOCH) {
  const held = f.rt.memory.lease.held!;
  f.rt.memory.lease = {
    ...f.rt.memory.lease,
    held: { epoch, etag: held.etag, renewedAt: f.clock.now() },
  };
}

describe("how long fenced work may run: the lease term, not the tick", () => {
  /** Time passes on the runtime's clock, and only there: the fence waits on nothing else. */
  const passing = (f: Fixture) => async (ms: number) => {
    f.clock.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  };

  /**
   * A holder on a clock whose sleeps end only when the test moves it, and a fenced step pending
   * `after(f)` ms on.
   */
  async function started(after = (_: Fixture) => 0) {
    const f = await holder(new SteppedClock());
    f.clock.advance(after(f));
    return { f, pass: passing(f), step: await pending(f) };
  }

  /** The step runs on for `ms - 1` and is cut at `ms`, for its epoch's acting time ran out. */
  async function cutAt(
    { pass, step }: Awaited<ReturnType<typeof started>>,
    ms: number,
    message?: string,
  ) {
    await pass(ms - 1);
    assert.equal(step.aborted(), undefined, message);
    await pass(1);
    assert.equal(step.aborted(), `the acting time of epoch ${EPOCH} ran out`);
    return step.result;
  }

  it("is cut when the runtime's clock passes the deadline, not when the wall clock does", async () => {
    const { f, pass, step } = await started((f) => f.deadlineMs - 20);
    // Five times the acting time left passes on the wall clock; none on the runtime's.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(step.aborted(), undefined, "the wall clock does not cut it");
    assert.equal((f.clock as SteppedClock).sleeping, 1, "the fence waits on the runtime's clock");
    await pass(20);
    assert.equal(step.aborted(), `the acting time of epoch ${EPOCH} ran out`);
    assert.equal((await step.result).ok, false);
    assert.equal((f.clock as SteppedClock).sleeping, 0, "and waits no more");
  });

  it("runs on while the clock's waits end before the clock reaches the deadline, and is cut once it has", async () => {
    // Waits of a thousandth in real time, on a clock only the test moves.
    const f = await holder(new ManualTimeRealWaits(1 / 1000));
    const step = await pending(f);
    const real = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    await real(50);
    assert.equal(step.aborted(), undefined, "the clock has not reached the deadline");
    f.clock.advance(f.deadlineMs);
    await real(50);
    assert.equal(step.aborted(), `the acting time of epoch ${EPOCH} ran out`);
  });

  it("is cut exactly at the renew deadline when the lease is not renewed, not at the lease's duration", async () => {
    const run = await started(() => 1000);
    const result = await cutAt(run, run.f.deadlineMs - 1000, "still within the acting time");
    assert.equal(result.ok, false);
  });

  it("keeps running past a deadline while the holder renews the same epoch, and is cut at the last renewal's deadline", async () => {
    const run = await started();
    const { f, pass, step } = run;
    // Renewed halfway through the first term: the work outlives the first deadline.
    await pass(f.deadlineMs / 2);
    renew(f);
    await pass(f.deadlineMs / 2);
    assert.equal(step.aborted(), undefined, "the renewal moved the deadline on");
    await cutAt(run, f.deadlineMs / 2);
  });

  for (const [name, change] of [
    ["the lease is lost", (f: Fixture) => (f.rt.memory.lease = { highestEpoch: EPOCH + 1 })],
    ["another epoch is held", (f: Fixture) => renew(f, EPOCH + 1)],
  ] as const)
    it(`is cut at the deadline of its own epoch's last renewal when ${name}`, async () => {
      const run = await started();
      await run.pass(run.f.deadlineMs / 2);
      change(run.f);
      await cutAt(run, run.f.deadlineMs / 2);
    });
});

describe("a fenced step whose intent took the rest of the term to write", () => {
  it("does not run, and its record says why", async () => {
    const f = await holder();
    f.store.failAppend = (entry) => {
      // Writing the intent takes until past the renew deadline.
      if (entry.outcome === "started") f.clock.advance(f.deadlineMs);
      return undefined;
    };
    let ran = false;
    const result = await runFenced(f.rt, STEP, async () => {
      ran = true;
    });
    assert.equal(ran, false);
    assert.deepEqual(result, {
      ok: false,
      refused: true,
      reason: `the lease renew deadline of epoch ${EPOCH} passed while the intent was written`,
      epoch: EPOCH,
    });
    assert.deepEqual(
      f.store.appended.map((a) => a.outcome),
      ["started", "failed"],
    );
  });
});
