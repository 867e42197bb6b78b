// The use cases say what happened as typed events, and what the subscribers do cannot change what
// the use cases do: with a subscriber that throws and one that never settles, the ticks and a
// command run to the same end as with none, and a recorder beside them hears the whole story
// with the ids that tie it together.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { setPause } from "../../src/app/commands.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { NamedSubscriber, TandemEvent } from "../../src/ports/events.js";
import { ManualClock, regionalApps, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

describe("domain events", () => {
  const { weu, neu } = regionalApps();

  /** Runs a failover of westeurope and a pause with these subscribers; returns what it came to. */
  async function story(subscribers: NamedSubscriber[]) {
    const store = new MemoryStateStore();
    const clock = new ManualClock();
    const router = shopRouter();
    const raw = twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl });
    const make = (observer: string, instance: string) =>
      runtimeFor(raw, observer, { store, clock, router, instance, subscribers });
    const rts: Runtime[] = [await make("westeurope", "w1"), await make("northeurope", "n1")];
    const tick = async () => {
      for (const rt of rts) await runProbeTick(rt);
      for (const rt of rts) await runOrchestrateTick(rt);
      clock.advance(2000);
    };
    for (let i = 0; i < 6; i++) await tick();
    weu.mode = "down";
    try {
      for (let i = 0; i < 12; i++) await tick();
    } finally {
      weu.mode = "up";
    }
    const paused = await setPause(
      rts[0]!,
      { name: "ops", via: "test", request: "req-1" },
      "shop",
      true,
      "maintenance",
    );
    return {
      routing: router.peek("shop"),
      changes: [...router.changes],
      incidents: (await store.readIncidents("shop")).map((s) => s.incident.step),
      paused: paused.kind,
    };
  }

  it("a subscriber that throws and one that never settles change nothing the ticks and commands do", async () => {
    const quiet = await story([]);
    const noisy = await story([
      {
        name: "throws",
        fn: () => {
          throw new Error("subscriber bug");
        },
      },
      { name: "hangs", fn: () => new Promise<void>(() => {}) },
    ]);
    assert.deepEqual(noisy, quiet);
    assert.deepEqual(quiet.incidents, ["completed"]);
    assert.equal(quiet.paused, "done");
  });

  it("tells the failover as events, each with its observer, operation and, from the holder, the epoch", async () => {
    const events: TandemEvent[] = [];
    await story([{ name: "recorder", fn: (e) => void events.push(e) }]);
    const types = new Set(events.map((e) => e.type));
    for (const type of [
      "probe.outcome",
      "lease.acquired",
      "verdict.changed",
      "incident.opened",
      "incident.step",
      "incident.closed",
      "lever.changed",
      "command.accepted",
      "automation.paused",
    ] as const)
      assert.ok(types.has(type), `${type} in ${[...types].join(", ")}`);
    for (const e of events) {
      assert.ok(e.observer === "westeurope" || e.observer === "northeurope");
      assert.ok(e.operation.length > 0);
    }
    const down = events.find(
      (e) => e.type === "verdict.changed" && e.region === "westeurope" && e.to === "down",
    );
    assert.ok(down?.epoch !== undefined, "a kept verdict carries the epoch it was kept in");
    const opened = events.find((e) => e.type === "incident.opened");
    const closed = events.find((e) => e.type === "incident.closed");
    assert.ok(opened?.type === "incident.opened" && closed?.type === "incident.closed");
    assert.equal(closed.incident, opened.incident, "one incident id from opening to close");
    assert.equal(closed.step, "completed");
    const lever = events.find((e) => e.type === "lever.changed");
    assert.ok(lever?.type === "lever.changed");
    assert.equal(lever.incident, opened.incident);
    assert.equal(lever.change, "promote northeurope");
    const command = events.find((e) => e.type === "command.accepted");
    assert.equal(command?.operation, "req-1", "a command's events carry its request id");
    // A changed verdict is said once, by the holder that kept it.
    const westDown = events.filter(
      (e) => e.type === "verdict.changed" && e.region === "westeurope" && e.to === "down",
    );
    assert.equal(westDown.length, 1);
  });
});
