import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { TestServer } from "../helpers/servers.js";
import { closedPort, hangingServer, resettingServer, statusServer } from "../helpers/servers.js";
import { runtimeFor } from "../helpers/runtime.js";

/** One group per way of failing, so one tick probes them all side by side. */
function config(urls: Record<string, string>): TandemConfigInput {
  return {
    observers: [{ region: "westeurope" }, { region: "northeurope" }],
    stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
    // The default's proportions (10 s interval, 5 s timeout), five times faster: one timeout and
    // a confirmation after it do not fit in the tick's 90 %, three side by side do.
    policy: {
      intervalSeconds: 2,
      probeTimeoutSeconds: 1,
      confirmRetries: 2,
      confirmSpacingSeconds: 0.05,
      failureThreshold: 3,
    },
    groups: Object.entries(urls).map(([name, url]) => ({
      name,
      model: "active-passive" as const,
      regions: [
        { name: "westeurope", role: "primary" as const, probe: { url } },
        { name: "northeurope", role: "secondary" as const, probe: { url } },
      ],
    })),
  };
}

describe("gray failures are confirmed within the tick, as refused connections are", () => {
  const servers: TestServer[] = [];
  let slowHealthy: http.Server;
  const urls: Record<string, string> = {};
  before(async () => {
    const hang = await hangingServer();
    const reset = await resettingServer();
    const fiveHundred = await statusServer(503);
    servers.push(hang, reset, fiveHundred);
    urls["refused"] = `http://127.0.0.1:${await closedPort()}/healthz`;
    urls["reset"] = reset.url;
    urls["hang"] = hang.url;
    urls["five-hundred"] = fiveHundred.url;
    // Healthy, but slower than the wait before a confirming probe starts (a quarter of 1 s).
    slowHealthy = http.createServer((_req, res) => {
      setTimeout(() => res.end("ok"), 400);
    });
    await new Promise<void>((resolve) => slowHealthy.listen(0, "127.0.0.1", resolve));
    urls["slow-healthy"] = `http://127.0.0.1:${(slowHealthy.address() as AddressInfo).port}/`;
  });
  after(async () => {
    for (const s of servers) await s.close();
    slowHealthy.closeAllConnections();
    await new Promise((resolve) => slowHealthy.close(resolve));
  });

  it("a hung endpoint reaches the failure threshold in the same number of ticks as a refused one", async () => {
    const rt = await runtimeFor(config(urls), "westeurope", { store: new MemoryStateStore() });
    const result = await runProbeTick(rt);
    const failures = (group: string) =>
      result.observations.find((o) => o.group === group && o.target === "westeurope")
        ?.consecutiveFailures;
    // One tick: the probe and both confirmations failed, for every way of failing.
    assert.deepEqual(
      Object.fromEntries(["refused", "reset", "hang", "five-hundred"].map((g) => [g, failures(g)])),
      { refused: 3, reset: 3, hang: 3, "five-hundred": 3 },
    );
    assert.equal(
      result.observations.find((o) => o.group === "hang")?.error?.kind,
      "timeout",
      "the hang is reported as such",
    );
  });

  it("a slow but healthy endpoint stays up: the confirmation started beside it is cancelled, not counted", async () => {
    const rt = await runtimeFor(config({ "slow-healthy": urls["slow-healthy"]! }), "westeurope", {
      store: new MemoryStateStore(),
    });
    for (let tick = 0; tick < 2; tick++) {
      const result = await runProbeTick(rt);
      assert.ok(
        result.observations.every((o) => o.ok && o.consecutiveFailures === 0),
        JSON.stringify(result.observations.map((o) => [o.ok, o.error])),
      );
    }
  });
});
