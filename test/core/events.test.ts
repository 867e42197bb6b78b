// The event stream's catalogue: subscribers that filter by type and the documentation read
// EVENT_TYPES, so it must name every type of TandemEvent, each once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALERT_TYPES } from "../../src/core/alerts.js";
import type { EventType } from "../../src/core/events.js";
import { EVENT_TYPES } from "../../src/core/events.js";

// A Record over EventType: the compiler fails here when a type is added to TandemEvent and not
// listed, or listed and not a type.
const EVERY_TYPE: Record<EventType, true> = {
  "probe.outcome": true,
  "verdict.changed": true,
  "split-view": true,
  "region.unconfirmed": true,
  "region.confirmable": true,
  "action.started": true,
  "action.done": true,
  "action.failed": true,
  "action.refused": true,
  "channel.disabled": true,
  "channel.enabled": true,
  "channel.undelivered": true,
  "channel.delivering": true,
  "incident.opened": true,
  "incident.step": true,
  "incident.closed": true,
  "lever.changed": true,
  "data.failover-asked": true,
  "data.refused": true,
  "data.stranded": true,
  "automation.refused": true,
  "command.started": true,
  "command.accepted": true,
  "command.refused": true,
  "command.failed": true,
  "automation.paused": true,
  "automation.resumed": true,
  "lease.acquired": true,
  "lease.lost": true,
  "observer.stale": true,
  "observer.live": true,
  "store.unreachable": true,
  "store.reachable": true,
  "certificate.expiring": true,
  "readiness.lost": true,
  "readiness.regained": true,
};

describe("event types", () => {
  it("EVENT_TYPES names every event type of the stream", () => {
    assert.deepEqual([...EVENT_TYPES].sort(), Object.keys(EVERY_TYPE).sort());
  });

  it("EVENT_TYPES names each type once", () => {
    assert.equal(new Set(EVENT_TYPES).size, EVENT_TYPES.length);
  });
});

describe("one name per fact (ADR 26)", () => {
  it("an alert type named like an event type tells of that event, and of no other", () => {
    const named = ALERT_TYPES.filter((t) => (EVENT_TYPES as readonly string[]).includes(t.type));
    assert.ok(named.length > 0);
    for (const t of named) assert.equal(t.event, t.type, `${t.type} tells of its namesake`);
  });

  it("every alert type but reminders and tests tells of one event type", () => {
    const without = ALERT_TYPES.filter((t) => t.event === undefined).map((t) => t.type);
    assert.deepEqual(without, ["reminder", "alert.test"]);
  });
});
