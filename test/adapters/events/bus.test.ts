// The event bus keeps subscribers from the emitter: one that throws is reported and the others
// still hear every event; one that never settles costs emit() nothing; one that falls too far
// behind is skipped, said once, and resumed when it catches up; drain() waits for work in
// progress only as long as it is told.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EventBus } from "../../../src/adapters/events/bus.js";
import type { TandemEvent } from "../../../src/ports/events.js";

const event = (n: number): TandemEvent => ({
  id: `i1/${n}`,
  type: "observer.stale",
  peer: `p${n}`,
  observer: "westeurope",
  instance: "i1",
  at: n,
  operation: `i1:${n}`,
});

describe("event bus", () => {
  it("a subscriber that throws is reported, and the others still hear every event in order", () => {
    const reports: string[] = [];
    const bus = new EventBus((name, problem) => reports.push(`${name}: ${problem}`));
    const heard: number[] = [];
    bus.subscribe("broken", () => {
      throw new Error("boom");
    });
    bus.subscribe("recorder", (e) => void heard.push(e.at));
    bus.emit(event(1));
    bus.emit(event(2));
    assert.deepEqual(heard, [1, 2]);
    assert.deepEqual(reports, [
      "broken: failed on observer.stale: boom",
      "broken: failed on observer.stale: boom",
    ]);
  });

  it("a subscriber whose promise rejects is reported, not thrown to the emitter", async () => {
    const reports: string[] = [];
    const bus = new EventBus((name, problem) => reports.push(`${name}: ${problem}`));
    bus.subscribe("async-broken", async () => {
      throw new Error("later");
    });
    bus.emit(event(1));
    assert.equal(await bus.drain(1000), true);
    assert.deepEqual(reports, ["async-broken: failed on observer.stale: later"]);
  });

  it("a subscriber that never settles does not hold emit() back, and drain() gives up on time", async () => {
    const bus = new EventBus();
    const heard: number[] = [];
    bus.subscribe("hangs", () => new Promise<void>(() => {}));
    bus.subscribe("recorder", (e) => void heard.push(e.at));
    for (let n = 1; n <= 50; n++) bus.emit(event(n));
    assert.equal(heard.length, 50, "every event reached the next subscriber at once");
    const started = Date.now();
    assert.equal(await bus.drain(50), false, "drain reports unsettled work");
    assert.ok(Date.now() - started < 5000, "drain returned after its limit");
  });

  it("a subscriber 1000 events behind is skipped, said once, and heard from again when it catches up", async () => {
    const reports: string[] = [];
    const bus = new EventBus((name, problem) => reports.push(`${name}: ${problem}`));
    const release: (() => void)[] = [];
    let calls = 0;
    bus.subscribe("slow", () => {
      calls++;
      return new Promise<void>((resolve) => release.push(resolve));
    });
    for (let n = 1; n <= 1005; n++) bus.emit(event(n));
    assert.equal(calls, 1000, "the 1001st to 1005th events were not handed to it");
    assert.deepEqual(reports, [
      "slow: 1000 events still unsettled: skipping events until it catches up",
    ]);
    for (const r of release) r();
    assert.equal(await bus.drain(1000), true);
    bus.emit(event(2000));
    assert.equal(calls, 1001, "it hears events again");
    assert.equal(reports[1], "slow: caught up; 5 event(s) were skipped");
  });

  it("an unsubscribed subscriber hears nothing more", () => {
    const bus = new EventBus();
    const heard: number[] = [];
    const off = bus.subscribe("recorder", (e) => void heard.push(e.at));
    bus.emit(event(1));
    off();
    bus.emit(event(2));
    assert.deepEqual(heard, [1]);
  });
});
