// Observer faults in the sandbox, end to end: an observer's timers stopped as a crashed Function
// App's would be, and what the other observer does about it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { ticks, waitFor } from "../helpers/wait.js";

const INTERVAL = 1;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

describe("sandbox: observer faults", () => {
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await startSandbox({ port: 0, intervalSeconds: INTERVAL, failureThreshold: 2 });
  });
  after(async () => sandbox.stop());

  const status = async () => {
    const response = await fetch(`${sandbox.url}/api/status`);
    assert.equal(response.status, 200);
    return (await response.json()) as any;
  };
  const post = (path: string) => fetch(`${sandbox.url}${path}`, { method: "POST" });

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
    await waitFor(
      `${holder} live again`,
      async () =>
        (await status()).observers.every((o: any) => o.liveness === "live") ? true : undefined,
      { ...within(15), seen: async () => (await status()).observers },
    );
  });

  it("answers 404 naming the observers for an unknown one", async () => {
    const response = await post("/sandbox/observers/mars/stop");
    assert.equal(response.status, 404);
    assert.match(((await response.json()) as any).error.message, /no sandbox observer "mars"/);
  });
});
