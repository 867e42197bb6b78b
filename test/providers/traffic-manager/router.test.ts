import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TrafficManagerRouter } from "../../../src/providers/traffic-manager/router.js";
import { TrafficManagerWitness } from "../../../src/providers/traffic-manager/witness.js";
import { primaryOf } from "../../../src/core/levers.js";
import { silentLog } from "../../../src/ports/log.js";
import type { ArmFixture } from "../../helpers/arm.js";
import { ENDPOINTS, TM_PROFILE, startArm } from "../../helpers/arm.js";
import { trafficRouterContract } from "../../adapters/traffic/contract.js";

const groups = [{ name: "shop", profileId: TM_PROFILE, endpoints: ENDPOINTS }];

trafficRouterContract("Traffic Manager through the ARM emulator", async () => {
  const arm = await startArm();
  return {
    router: new TrafficManagerRouter(arm.conn, groups),
    group: "shop",
    writes: arm.writes,
    uniquePriorities: true,
    close: arm.stop,
  };
});

async function withArm(
  run: (arm: ArmFixture, tm: TrafficManagerRouter) => Promise<void>,
  options: Parameters<typeof startArm>[0] = {},
  conn: Parameters<typeof startArm>[1] = {},
): Promise<void> {
  const arm = await startArm(options, conn);
  try {
    await run(arm, new TrafficManagerRouter(arm.conn, groups));
  } finally {
    await arm.stop();
  }
}

const patches = (arm: ArmFixture) =>
  arm.emulator.requests.filter((r) => r.method === "PATCH" && r.status === 200).length;
const priorities = (arm: ArmFixture) =>
  Object.fromEntries(arm.tm.endpoints(TM_PROFILE).map((e) => [e.name, e.priority]));

describe("Traffic Manager lever", () => {
  it("swaps priorities through a free value, never two endpoints on one priority", async () => {
    await withArm(async (arm, tm) => {
      await tm.promote("shop", "northeurope");
      // The emulator answers 400 to a clash, so three accepted PATCHes prove the order was safe.
      assert.equal(patches(arm), 3);
      assert.deepEqual(priorities(arm), { weu: 2, neu: 1, spare: 999 });
    });
  });

  it("reports the profile's DNS TTL with the routing: how long clients may keep the old answer", async () => {
    await withArm(async (_arm, tm) => {
      const routing = await tm.read("shop");
      assert.equal(routing.clientLagMs, 60_000, "the emulated profile's dnsConfig.ttl is 60 s");
    });
  });

  it("finishes a swap that stopped after its first write when the step is retried", async () => {
    await withArm(async (arm, tm) => {
      // Every write to weu fails: the first write (neu parked) lands, the second does not.
      arm.emulator.faults.push({ status: 500, times: 4, path: "/weu", method: "PATCH" });
      await assert.rejects(tm.promote("shop", "northeurope"), /500 InternalServerError/);
      assert.equal(priorities(arm)["neu"], 1000, "the target was parked on a free value");
      assert.equal(priorities(arm)["weu"], 1);

      await tm.promote("shop", "northeurope");
      const state = await tm.read("shop");
      assert.equal(primaryOf(state), "northeurope");
      const values = Object.values(priorities(arm));
      assert.equal(new Set(values).size, values.length, "priorities stay unique");
    });
  });

  it("retries a 429 storm within bounds, then says it was throttled; nothing changed", async () => {
    await withArm(async (arm, tm) => {
      arm.emulator.faults.push({ status: 429, retryAfterSeconds: 0, times: 50 });
      await assert.rejects(tm.promote("shop", "northeurope"), (error: Error) => {
        assert.match(error.message, /^promote northeurope in shop: 429 TooManyRequests/);
        assert.match(
          error.message,
          /throttling the calls and retries ran out \(it asked to wait 0 s\)/,
        );
        return true;
      });
      assert.equal(arm.emulator.requests.length, 4, "one try and three retries");
      assert.equal(patches(arm), 0);
    });
  });

  it("rides out a short 429 burst and a 500, applying each write exactly once", async () => {
    await withArm(async (arm, tm) => {
      arm.emulator.faults.push(
        { status: 429, retryAfterSeconds: 0, times: 2, method: "PATCH" },
        { status: 500, times: 1, method: "GET" },
      );
      await tm.promote("shop", "northeurope");
      assert.equal(primaryOf(await tm.read("shop")), "northeurope");
      assert.equal(patches(arm), 3);
    });
  });

  it("gives up at once on a Retry-After longer than it may wait, and says so", async () => {
    await withArm(async (arm, tm) => {
      arm.emulator.faults.push({ status: 429, retryAfterSeconds: 120, times: 1 });
      await assert.rejects(tm.read("shop"), /asked to wait 120 s/);
      assert.equal(arm.emulator.requests.length, 1);
    });
  });

  it("retries a dropped connection", async () => {
    await withArm(async (arm, tm) => {
      arm.emulator.dropNext = 1;
      assert.equal(primaryOf(await tm.read("shop")), "westeurope");
      assert.equal(arm.emulator.requests.length, 2);
    });
  });

  it("ends a call that gets no answer in time with a clear error: its own timeout, or the caller's reason", async () => {
    await withArm(
      async (arm, tm) => {
        arm.emulator.slowMs = 2000;
        await assert.rejects(
          tm.read("shop"),
          /read shop's routing: no answer from Azure Resource Manager within 300 ms$/,
        );
        const caller = new AbortController();
        setTimeout(() => caller.abort(new Error("the acting time of epoch 3 ran out")), 50);
        await assert.rejects(
          tm.promote("shop", "northeurope", { abortSignal: caller.signal }),
          /stopped before Azure Resource Manager answered: the acting time of epoch 3 ran out/,
        );
      },
      {},
      { timeoutMs: 300, retry: { maxRetries: 0, retryDelayInMs: 5, maxRetryDelayInMs: 5 } },
    );
  });

  it("stops when the caller aborts", async () => {
    await withArm(async (arm, tm) => {
      arm.emulator.slowMs = 10_000;
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      await assert.rejects(tm.read("shop", { abortSignal: controller.signal }));
      assert.ok(Date.now() - started < 5000, "returned soon after the abort, not after the reply");
    });
  });

  it("names the endpoint the profile lacks", async () => {
    await withArm(async (arm) => {
      const tm = new TrafficManagerRouter(arm.conn, [
        { name: "shop", profileId: TM_PROFILE, endpoints: new Map([["westeurope", "wrong"]]) },
      ]);
      await assert.rejects(
        tm.read("shop"),
        /has no endpoint "wrong" for westeurope \(it has: weu, neu, spare\)/,
      );
    });
  });

  it("serves as witness: Online is up, Degraded is down, a disabled endpoint has no opinion", async () => {
    const healthy = new Set(["weu.example.test"]);
    await withArm(
      async (arm) => {
        const tm = new TrafficManagerRouter(arm.conn, groups);
        const warnings: string[] = [];
        const witness = new TrafficManagerWitness(tm, {
          ...silentLog,
          warn: (m) => warnings.push(m),
        });
        assert.deepEqual(
          [...(await witness.signals("shop"))],
          [
            ["westeurope", "up"],
            ["northeurope", "down"],
          ],
        );
        await tm.setEnabled("shop", "northeurope", false);
        assert.equal((await witness.signals("shop")).get("northeurope"), "unknown");
        assert.equal((await witness.signals("other")).size, 0);
        arm.emulator.faults.push({ status: 500, times: 100 });
        // No answer is no opinion, and not an answer: thrown, so nobody keeps it as the latest.
        await assert.rejects(witness.signals("shop"), /500/);
        await assert.rejects(witness.signals("shop"), /500/);
        assert.equal(warnings.length, 1, "said once, not every tick");
        assert.match(warnings[0]!, /shop: the Traffic Manager witness has no opinion: .*500/);
      },
      { health: (host) => healthy.has(host) },
    );
  });

  it("routes the emulated data plane by priority and Traffic Manager's own probes", async () => {
    const healthy = new Set(["weu.example.test", "neu.example.test"]);
    await withArm(
      async (arm, tm) => {
        assert.equal(arm.tm.route(TM_PROFILE), "weu");
        await tm.promote("shop", "northeurope");
        assert.equal(arm.tm.route(TM_PROFILE), "neu");
        healthy.delete("neu.example.test");
        assert.equal(arm.tm.route(TM_PROFILE), "weu");
      },
      { health: (host) => healthy.has(host) },
    );
  });

  it("refuses to promote when an enabled endpoint outside the group is ahead of it, naming it", async () => {
    await withArm(async (arm) => {
      const other = TM_PROFILE.replace("tm-shop", "tm-mixed");
      arm.tm.addProfile(other, [
        { name: "legacy", target: "legacy.example.test", priority: 1 },
        { name: "weu", target: "weu.example.test", priority: 2 },
        { name: "neu", target: "neu.example.test", priority: 3 },
      ]);
      const tm = new TrafficManagerRouter(arm.conn, [
        { name: "shop", profileId: other, endpoints: ENDPOINTS },
      ]);
      await assert.rejects(
        tm.promote("shop", "northeurope"),
        /endpoint legacy .* would keep the traffic/,
      );
      assert.equal(patches(arm), 0);
    });
  });
});
