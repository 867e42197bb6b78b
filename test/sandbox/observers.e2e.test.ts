// Observer faults in the sandbox, end to end: an observer's timers stopped as a crashed Function
// App's would be, and what the other observer does about it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TandemEvent } from "../../src/core/events.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { sandboxCalls } from "../helpers/sandbox.js";
import { ticks, waitFor } from "../helpers/wait.js";

const INTERVAL = 1;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

describe("sandbox: observer faults", () => {
  let sandbox: Sandbox;
  /** Every event either observer emitted, in order: what the isolated one did is read from here. */
  const events: TandemEvent[] = [];

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      subscribers: [{ name: "recorder", fn: (event) => void events.push(event) }],
      intervalSeconds: INTERVAL,
      failureThreshold: 2,
      clusterStartSeconds: 4,
      propagationSeconds: 2,
    });
  });
  after(async () => sandbox.stop());

  const { status, post } = sandboxCalls(() => sandbox);
  /** Waits until every observer is live again after `holder` came back. */
  const liveAgain = (holder: string, n: number) =>
    waitFor(
      `${holder} live again`,
      async () =>
        (await status()).observers.every((o: any) => o.liveness === "live") ? true : undefined,
      { ...within(n), seen: async () => (await status()).observers },
    );

  it("one observer takes the lease and both are live", async () => {
    await waitFor(
      "a lease holder and both observers live",
      async () => {
        const b = await status();
        return b.lease && b.observers.every((o: any) => o.liveness === "live") ? b : undefined;
      },
      { ...within(15), seen: status },
    );
  });

  it("stopping the lease holder's timers (a crashed app): the other observer takes the lease, and the stopped one goes stale", async () => {
    const before = (await status()).lease;
    const holder = String(before.holder).split("#")[0]!;
    const other = holder === "westeurope" ? "northeurope" : "westeurope";
    const stopped = await post(`/sandbox/observers/${holder}/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(((await stopped.json()) as any).timers[holder], "stopped");
    try {
      const body = await waitFor(
        `${other} to take the lease from ${holder}`,
        async () => {
          const b = await status();
          return b.lease?.holder.startsWith(`${other}#`) &&
            b.observers.find((o: any) => o.region === holder).liveness === "stale"
            ? b
            : undefined;
        },
        { ...within(15), seen: async () => (await status()).lease },
      );
      assert.ok(body.lease.epoch > before.epoch, "a takeover is a new epoch");
    } finally {
      await post(`/sandbox/observers/${holder}/start`);
    }
    await liveAgain(holder, 15);
  });

  it("the lease holder stopped in the middle of a passive-cold failover: the other observer takes over after the lease duration and finishes it, each lever change made once", async () => {
    await post("/sandbox/heal");
    await waitFor(
      "both observers live, one holding the lease, catalog healthy",
      async () => {
        const b = await status();
        return b.lease &&
          b.observers.every((o: any) => o.liveness === "live") &&
          b.groups[1].regions[0].verdict === "healthy"
          ? b
          : undefined;
      },
      { ...within(20), seen: async () => (await status()).lease },
    );
    const requestsBefore = sandbox.arm.requests.length;
    await post("/sandbox/regions/westeurope/down");
    const waking = await waitFor(
      "the catalog failover to be waking the standby",
      async () => {
        const b = await status();
        const incident = b.groups[1].incident;
        return incident?.kind === "failover" && ["waking", "waiting-ready"].includes(incident.step)
          ? b
          : undefined;
      },
      { ...within(20), seen: async () => (await status()).groups[1].incident },
    );
    const holder = String(waking.lease.holder).split("#")[0]!;
    const epoch = waking.lease.epoch;
    await post(`/sandbox/observers/${holder}/stop`);
    try {
      const done = await waitFor(
        "the other observer to finish the catalog failover",
        async () => {
          const b = await status();
          const incident = b.groups[1].incident;
          if (incident?.step === "failed") throw new Error(JSON.stringify(incident.history));
          return incident?.kind === "failover" && incident.step === "completed" ? b : undefined;
        },
        { ...within(40), seen: async () => (await status()).groups[1].incident },
      );
      assert.ok(done.lease.epoch > epoch, "a new epoch finished it");
      assert.ok(!String(done.lease.holder).startsWith(`${holder}#`), "another observer holds it");
      const epochs = new Set(done.groups[1].incident.history.map((h: any) => h.epoch));
      assert.ok(epochs.size >= 2, "the incident's history shows both holders' epochs");
    } finally {
      await post(`/sandbox/observers/${holder}/start`);
    }
    // Each change reached Azure once: one accepted start of the standby, one accepted update of
    // each origin (the promotion), whoever held the lease when it was made.
    const writes = sandbox.arm.requests
      .slice(requestsBefore)
      .filter((r) => r.method !== "GET" && r.status >= 200 && r.status < 300);
    const catalog = writes.filter((r) => /catalog/i.test(r.path));
    const starts = catalog.filter((r) => r.path.endsWith("/start"));
    assert.equal(starts.length, 1, JSON.stringify(catalog.map((r) => `${r.method} ${r.path}`)));
    const originUpdates = catalog.filter((r) => /\/origins\//i.test(r.path));
    const perOrigin = new Map<string, number>();
    for (const r of originUpdates) perOrigin.set(r.path, (perOrigin.get(r.path) ?? 0) + 1);
    assert.ok(
      [...perOrigin.values()].every((n) => n === 1),
      `each origin updated once: ${JSON.stringify([...perOrigin])}`,
    );
  });

  it("the lease holder cut off from the store (isolate): it stops acting and the other takes the lease; rejoin brings it back", async () => {
    await post("/sandbox/heal");
    const before = await waitFor(
      "a lease holder with both observers live",
      async () => {
        const b = await status();
        return b.lease && b.observers.every((o: any) => o.liveness === "live") ? b : undefined;
      },
      { ...within(20), seen: async () => (await status()).lease },
    );
    const holder = String(before.lease.holder).split("#")[0]!;
    const other = holder === "westeurope" ? "northeurope" : "westeurope";
    const from = events.length;
    const cut = await post(`/sandbox/observers/${holder}/isolate`);
    assert.deepEqual(((await cut.json()) as any).isolated, [holder]);
    // The API may be served by the isolated observer, so what happened is read from its events.
    const since = () => events.slice(from);
    const mine = (e: TandemEvent, region: string) =>
      String((e as any).holder).startsWith(`${region}#`);
    try {
      await waitFor(
        `${other} to take the lease`,
        async () => since().find((e) => e.type === "lease.acquired" && mine(e, other)),
        { ...within(20), seen: async () => since().map((e) => e.type) },
      );
      const lost = since().find((e) => e.type === "lease.lost" && mine(e, holder));
      assert.ok(
        lost,
        `${holder} said it stopped acting: ${since()
          .map((e) => e.type)
          .join(", ")}`,
      );
      assert.match((lost as any).reason, /store/);
    } finally {
      await post(`/sandbox/observers/${holder}/rejoin`);
    }
    await liveAgain(holder, 20);
    const after = await status();
    assert.ok(after.lease.holder.startsWith(`${other}#`), "the lease stays where it went");
  });

  it("answers 404 naming the observers for an unknown one", async () => {
    const response = await post("/sandbox/observers/mars/stop");
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as any).error.message, /no sandbox observer "mars"/);
  });
});
