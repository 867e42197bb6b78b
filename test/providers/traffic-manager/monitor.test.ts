// Traffic Manager's endpoint monitor as the emulator plays it ("Traffic Manager endpoint
// monitoring", learn.microsoft.com): every status of the spec's enum, probes at the profile's
// interval, tolerated failures before Degraded, and DNS answers held for the TTL. Probe rounds are
// counted, not timed: with an interval of 0 every read is one round, with an hour none is.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrafficManagerService } from "../../../src/providers/traffic-manager/emulator.js";
import { witnessSignal } from "../../../src/providers/traffic-manager/router.js";
import { TIMINGS } from "../../../src/sandbox/arm/timing.js";
import type { ServiceTimings } from "../../../src/sandbox/arm/timing.js";
import { RG, armRequest, startArm } from "../../helpers/arm.js";

const PROFILE = `${RG}/providers/Microsoft.Network/trafficManagerProfiles/tm-monitor`;
const HOUR = 3_600_000;

async function withProfile(
  timing: Partial<ServiceTimings>,
  healthy: Set<string>,
  run: (tm: TrafficManagerService, arm: Awaited<ReturnType<typeof startArm>>) => Promise<void>,
): Promise<void> {
  const arm = await startArm({
    timing: { ...TIMINGS.fast, ...timing },
    health: (host) => healthy.has(host),
  });
  try {
    const tm = arm.tm;
    tm.addProfile(PROFILE, [
      { name: "a", target: "a.example.test", priority: 1 },
      { name: "b", target: "b.example.test", priority: 2 },
      { name: "web", target: "web.example.test", priority: 3, type: "AzureEndpoints" },
    ]);
    await run(tm, arm);
  } finally {
    await arm.stop();
  }
}

const status = (tm: TrafficManagerService, name: string) =>
  tm.endpoints(PROFILE).find((e) => e.name === name)!.monitor;

describe("Traffic Manager's monitor in the emulator", () => {
  it("tolerates the profile's number of failed probes, then says Degraded; one passing probe brings Online back", async () => {
    const healthy = new Set(["a.example.test", "b.example.test", "web.example.test"]);
    await withProfile({ probeIntervalMs: 0, toleratedFailures: 2 }, healthy, async (tm) => {
      assert.equal(status(tm, "a"), "Online");
      healthy.delete("a.example.test");
      const rounds = [1, 2, 3].map(() => status(tm, "a"));
      assert.deepEqual(rounds, ["Online", "Online", "Degraded"]);
      assert.equal(tm.route(PROFILE), "b", "DNS answers with the next endpoint");
      healthy.add("a.example.test");
      assert.equal(status(tm, "a"), "Online");
    });
  });

  it("probes only at its interval: between probes the status stays what the last one saw", async () => {
    const healthy = new Set(["a.example.test", "b.example.test"]);
    await withProfile({ probeIntervalMs: HOUR, toleratedFailures: 0 }, healthy, async (tm) => {
      healthy.delete("a.example.test");
      assert.deepEqual([status(tm, "a"), status(tm, "a")], ["Online", "Online"]);
    });
  });

  it("says CheckingEndpoint for an endpoint enabled again until its first probe, as the official example shows", async () => {
    const healthy = new Set(["a.example.test", "b.example.test"]);
    await withProfile({ probeIntervalMs: HOUR }, healthy, async (_tm, arm) => {
      const path = `${PROFILE}/ExternalEndpoints/b`;
      const off = await armRequest(arm, "PATCH", path, "2022-04-01", {
        properties: { endpointStatus: "Disabled" },
      });
      const monitor = (r: { body: unknown }) =>
        (r.body as { properties: { endpointMonitorStatus: string } }).properties
          .endpointMonitorStatus;
      assert.equal(monitor(off), "Disabled");
      const on = await armRequest(arm, "PATCH", path, "2022-04-01", {
        properties: { endpointStatus: "Enabled" },
      });
      assert.equal(monitor(on), "CheckingEndpoint");
    });
  });

  it("says Inactive when the profile is disabled, Stopped when the Azure resource is, Unmonitored when always served", async () => {
    const healthy = new Set(["a.example.test", "b.example.test", "web.example.test"]);
    await withProfile({}, healthy, async (tm, arm) => {
      tm.setTargetStopped(PROFILE, "web", true);
      assert.equal(status(tm, "web"), "Stopped");
      const always = await armRequest(
        arm,
        "PATCH",
        `${PROFILE}/ExternalEndpoints/b`,
        "2022-04-01",
        {
          properties: { alwaysServe: "Enabled" },
        },
      );
      assert.equal(always.status, 200);
      assert.equal(status(tm, "b"), "Unmonitored");
      tm.setProfileEnabled(PROFILE, false);
      assert.deepEqual(
        tm.endpoints(PROFILE).map((e) => e.monitor),
        ["Inactive", "Inactive", "Inactive"],
      );
    });
  });

  it("holds a DNS answer for the TTL: a flip is seen once the TTL has run out", async () => {
    const healthy = new Set(["a.example.test", "b.example.test"]);
    for (const [ttl, expected] of [
      [HOUR, "a"],
      [0, "b"],
    ] as const)
      await withProfile({ dnsTtlMs: ttl }, healthy, async (tm, arm) => {
        assert.equal(tm.route(PROFILE), "a");
        for (const [name, priority] of [
          ["b", 10],
          ["a", 20],
          ["b", 1],
        ] as const) {
          const r = await armRequest(
            arm,
            "PATCH",
            `${PROFILE}/ExternalEndpoints/${name}`,
            "2022-04-01",
            {
              properties: { priority },
            },
          );
          assert.equal(r.status, 200);
        }
        assert.equal(tm.route(PROFILE), expected, `TTL ${ttl} ms`);
      });
  });

  it("the witness reads Online as up, Degraded as down, every other status as no opinion", () => {
    assert.deepEqual(
      [
        "CheckingEndpoint",
        "Online",
        "Degraded",
        "Disabled",
        "Inactive",
        "Stopped",
        "Unmonitored",
      ].map(witnessSignal),
      ["unknown", "up", "down", "unknown", "unknown", "unknown", "unknown"],
    );
  });
});
