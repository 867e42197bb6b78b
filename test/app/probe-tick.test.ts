import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import { ENTRY_POINT } from "../../src/core/index.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { StoreError } from "../../src/ports/state-store.js";
import { ManualClock, regionalApps, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

describe("probe tick", () => {
  const { weu, neu } = regionalApps();
  const config = () =>
    twoRegionConfig({
      westeurope: weu.healthUrl,
      northeurope: neu.healthUrl,
      entry: neu.healthUrl,
    });

  it("probes every region and the entry point, and records observations and a numbered heartbeat", async () => {
    weu.mode = "up";
    const store = new MemoryStateStore();
    // Sleeps wait for real: a clock that steps on every sleep would move time for the
    // confirmation timers that start beside a probe and are cancelled when it answers.
    const clock = new ManualClock();
    clock.sleep = (ms: number, signal?: AbortSignal) =>
      delay(ms, undefined, signal ? { signal } : {}).catch(() => {});
    const rt = await runtimeFor(config(), "westeurope", { store, clock, instance: "proc1" });
    const result = await runProbeTick(rt);

    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.tick, { instance: "proc1", seq: 1 });
    assert.deepEqual(
      result.observations.map((o) => [o.target, o.ok, o.statusCode, o.tick.seq]).sort(),
      [
        [ENTRY_POINT, true, 200, 1],
        ["northeurope", true, 200, 1],
        ["westeurope", true, 200, 1],
      ],
    );
    assert.equal(
      (await store.readAllObservations()).observations.filter((o) => o.group === "shop").length,
      3,
    );
    await runProbeTick(rt);
    const [beat] = (await store.readAllObservations()).heartbeats;
    assert.deepEqual(
      [beat?.observer, beat?.tick, beat?.at, beat?.impaired],
      ["westeurope", { instance: "proc1", seq: 2 }, clock.time, false],
    );
  });

  it("continues the run counts from its own last rows, and remembers the outage a recovery follows", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config(), "westeurope", { store });
    const own = async () =>
      (await store.readAllObservations()).observations
        .filter((o) => o.group === "shop")
        .find((o) => o.target === "westeurope")!;
    weu.mode = "down";
    try {
      for (let i = 0; i < 4; i++) await runProbeTick(rt);
      const failing = await own();
      assert.deepEqual(
        [failing.consecutiveFailures, failing.error?.kind, failing.statusCode],
        [8, "http-status", 503],
      );
    } finally {
      weu.mode = "up";
    }
    await runProbeTick(rt);
    const back = await own();
    assert.deepEqual([back.ok, back.consecutiveSuccesses, back.failuresBefore], [true, 1, 8]);
  });

  it("does not throw when the store fails: it reports the problem and writes nothing it cannot continue", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config(), "westeurope", { store });
    store.readObserver = async () => {
      throw new StoreError(
        "unavailable",
        "state store: reading the rows of westeurope failed: 503",
      );
    };
    store.recordTick = async () =>
      assert.fail("must not write observations whose run counts are unknown");
    store.recordHeartbeat = async () => {
      throw new StoreError("unavailable", "state store: writing heartbeat failed: 503");
    };
    const result = await runProbeTick(rt);
    assert.deepEqual(result.problems, [
      "state store: reading the rows of westeurope failed: 503",
      "state store: writing heartbeat failed: 503",
    ]);
    assert.deepEqual(result.observations, []);
  });

  it("turns a prober that throws into a failed observation instead of a failed tick", async () => {
    const store = new MemoryStateStore();
    const prober = { probe: async () => Promise.reject(new Error("socket exploded")) };
    const rt = await runtimeFor(config(), "westeurope", { store, prober });
    const result = await runProbeTick(rt);
    assert.equal(result.observations.length, 3);
    assert.ok(
      result.observations.every(
        (o) => !o.ok && o.error?.message === "the probe failed: socket exploded",
      ),
    );
    assert.equal(
      (await store.readAllObservations()).heartbeats.length,
      1,
      "the heartbeat is still written",
    );
  });
});

describe("probe tick: confirmation and the control target", () => {
  let server: http.Server;
  let base = "";
  let flakyCalls = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/flaky") res.writeHead(flakyCalls++ === 0 ? 503 : 200);
      else if (req.url === "/down") res.writeHead(503);
      else res.writeHead(200);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const config = (west: string, control?: string) => ({
    ...twoRegionConfig({ westeurope: `${base}${west}`, northeurope: `${base}/ok` }),
    observers: [
      { region: "westeurope", ...(control ? { controlUrl: `${base}${control}` } : {}) },
      { region: "northeurope" },
    ],
    policy: {
      intervalSeconds: 2,
      probeTimeoutSeconds: 1,
      confirmRetries: 2,
      confirmSpacingSeconds: 0.05,
    },
  });

  it("turns one transient failure into a success", async () => {
    flakyCalls = 0;
    const rt = await runtimeFor(config("/flaky"), "westeurope", { store: new MemoryStateStore() });
    const result = await runProbeTick(rt);
    const west = result.observations.find((o) => o.target === "westeurope")!;
    assert.deepEqual([west.ok, west.consecutiveFailures], [true, 0]);
    assert.equal(flakyCalls, 2, "one failure, then one confirming probe");
  });

  it("records a persistent failure after the confirming probes fail too", async () => {
    const rt = await runtimeFor(config("/down"), "westeurope", { store: new MemoryStateStore() });
    const result = await runProbeTick(rt);
    const west = result.observations.find((o) => o.target === "westeurope")!;
    assert.deepEqual(
      [west.ok, west.consecutiveFailures, west.error?.kind],
      [false, 3, "http-status"],
      "the probe and both re-probes failed, and all three count",
    );
  });

  it("marks the observer impaired when its control target fails, and says so", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config("/down", "/down"), "westeurope", { store });
    const result = await runProbeTick(rt);
    assert.equal(result.impaired, true);
    assert.match(
      result.problems[0]!,
      /^this observer is impaired: its control target failed \(http-status: answered 503/,
    );
    assert.equal((await store.readAllObservations()).heartbeats[0]?.impaired, true);
    const healthy = await runtimeFor(config("/down", "/ok"), "westeurope", {
      store: new MemoryStateStore(),
    });
    assert.equal((await runProbeTick(healthy)).impaired, false);
  });

  /**
   * westeurope's runtime on `policy`, whose regions (and entry point, unless given) are a server
   * that never answers; the caller closes it.
   */
  async function onHanging(policy: TandemConfigInput["policy"], entry?: string) {
    const { hangingServer } = await import("../helpers/servers.js");
    const hanging = await hangingServer();
    const urls = { westeurope: hanging.url, northeurope: hanging.url, entry: entry ?? hanging.url };
    const raw = twoRegionConfig(urls, { policy });
    return { hanging, rt: await runtimeFor(raw, "westeurope", { store: new MemoryStateStore() }) };
  }

  it("finishes within the interval minus its margin, even when every target hangs", async () => {
    const { hanging, rt } = await onHanging({
      intervalSeconds: 1,
      probeTimeoutSeconds: 0.6,
      confirmRetries: 3,
      confirmSpacingSeconds: 0.1,
    });
    try {
      const started = Date.now();
      const result = await runProbeTick(rt);
      const took = Date.now() - started;
      assert.ok(
        result.observations.every((o) => !o.ok),
        "every target failed",
      );
      // Without the deadline it would take 2.4 s and more (four probes of 0.6 s each); a slow
      // machine may add some time to the deadline, never that much.
      assert.ok(
        took < 1600,
        `the tick took ${took} ms; its deadline is 900 ms into a 1 s interval`,
      );
    } finally {
      await hanging.close();
    }
  });

  it("never records a target it had no time to probe as failed", async () => {
    const policy = {
      intervalSeconds: 1,
      probeTimeoutSeconds: 0.6,
      confirmRetries: 0,
      probeConcurrency: 1,
    };
    const { hanging, rt } = await onHanging(policy, `${base}/ok`);
    try {
      const result = await runProbeTick(rt);
      assert.deepEqual(
        result.observations.map((o) => [o.target, o.ok]),
        [["westeurope", false]],
      );
      assert.match(
        result.problems.join("\n"),
        /2 target\(s\) not probed: the tick ran out of time/,
      );
    } finally {
      await hanging.close();
    }
  });

  it("does not run failure counts up while impaired", async () => {
    const store = new MemoryStateStore();
    const own = async () =>
      (await store.readAllObservations()).observations
        .filter((o) => o.group === "shop")
        .find((o) => o.target === "westeurope");
    const impaired = await runtimeFor(config("/down", "/down"), "westeurope", { store });
    for (let i = 0; i < 3; i++) await runProbeTick(impaired);
    assert.equal(await own(), undefined, "nothing written while impaired");
    const healthy = await runtimeFor(config("/down", "/ok"), "westeurope", { store });
    await runProbeTick(healthy);
    assert.equal(
      (await own())?.consecutiveFailures,
      3,
      "the count starts when the observer can see again (one tick: a probe and two re-probes)",
    );
  });
});
