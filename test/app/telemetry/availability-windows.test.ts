// Availability records that scale with what matters (issue 31): a passing target is summed up
// once per window with the counts an availability percentage needs; a failing one is sent every
// interval; the first failure and the first pass after it go out at once; a restart loses at most
// the open window's summary. Run through the telemetry subscriber into a recording Telemetry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  ProbeOutcomeEvent,
  SummaryPolicy,
} from "../../../src/app/telemetry/availability-windows.js";
import { AvailabilityWindows, sentAlone } from "../../../src/app/telemetry/availability-windows.js";
import { telemetrySubscriber } from "../../../src/app/telemetry/subscriber.js";
import type { AvailabilityRecord, Properties, Telemetry } from "../../../src/ports/telemetry.js";
import { noTelemetry } from "../../../src/ports/telemetry.js";

const INTERVAL_MS = 10_000;
const WINDOW_MS = 5 * 60_000;
const POLICY: SummaryPolicy = { windowMs: WINDOW_MS, intervalMs: INTERVAL_MS };
/** An hour on the clock's whole multiples of the window: ticks at 0, 10 s, 20 s... */
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % (60 * 60_000));

interface Recorded {
  readonly records: AvailabilityRecord[];
  readonly metrics: { name: string; value: number; properties?: Properties }[];
}

function recording(): Telemetry & Recorded {
  const records: AvailabilityRecord[] = [];
  const metrics: Recorded["metrics"] = [];
  return {
    ...noTelemetry,
    availability: (record) => void records.push(record),
    metric: (name, value, properties) =>
      void metrics.push({ name, value, ...(properties ? { properties } : {}) }),
    records,
    metrics,
  };
}

/** A target's probes, one an interval from `from`, as the probe tick reports them. */
class Target {
  seq = 0;
  successes = 0;
  failures = 0;
  failuresBefore = 0;
  constructor(
    readonly group = "shop",
    readonly target = "westeurope",
  ) {}

  probe(ok: boolean, at: number, latencyMs = 20): ProbeOutcomeEvent {
    if (ok) {
      if (this.successes === 0) this.failuresBefore = this.failures;
      this.successes += 1;
      this.failures = 0;
    } else {
      this.failures += 1;
      this.successes = 0;
      this.failuresBefore = 0;
    }
    this.seq += 1;
    return {
      id: `i1/${this.seq}`,
      type: "probe.outcome",
      observer: "northeurope",
      instance: "i1",
      at,
      operation: `i1:${this.seq}`,
      group: this.group,
      target: this.target,
      ok,
      latencyMs,
      consecutiveFailures: this.failures,
      consecutiveSuccesses: this.successes,
      failuresBefore: this.failuresBefore,
      confirmations: 0,
      phases: { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: latencyMs },
    };
  }
}

/** The subscriber as the event bus calls it (it returns nothing to wait for). */
function feeding(telemetry: Telemetry, policy: SummaryPolicy): (e: ProbeOutcomeEvent) => void {
  const subscriber = telemetrySubscriber(telemetry, policy);
  return (e) => void subscriber.fn(e);
}

const tick = (i: number) => T0 + i * INTERVAL_MS;
const own = (r: AvailabilityRecord) => r.measurements?.["probes"] === undefined;
const summaries = (rs: AvailabilityRecord[]) => rs.filter((r) => !own(r));

describe("availability records per target and window", () => {
  it("a passing target sends one summary per window, with its probes, passes and mean duration", () => {
    const telemetry = recording();
    const sub = feeding(telemetry, POLICY);
    const t = new Target();
    // Three whole windows of 30 ticks and the first tick of the fourth, which closes the third.
    for (let i = 0; i <= 90; i++) sub(t.probe(true, tick(i), 10 + (i % 30)));
    assert.equal(telemetry.records.length, 3, "one record per window, none per probe");
    for (const [w, record] of telemetry.records.entries()) {
      assert.equal(record.name, "shop/westeurope");
      assert.equal(record.runLocation, "northeurope");
      assert.equal(record.success, true);
      assert.deepEqual(record.measurements, {
        probes: 30,
        passed: 30,
        durationMinMs: 10,
        durationMaxMs: 39,
      });
      assert.equal(record.durationMs, 24.5, "the mean of 10..39 ms");
      assert.equal(record.properties["summary"], "true");
      assert.equal(record.properties["windowStart"], new Date(T0 + w * WINDOW_MS).toISOString());
      assert.equal(record.properties["windowMinutes"], "5");
    }
    // The group's aggregates, at the same pace: every probe of the window, each phase.
    const latency = telemetry.metrics.filter((m) => m.name === "tandem.probe.latency");
    const passed = telemetry.metrics.filter((m) => m.name === "tandem.probe.passed");
    assert.equal(latency.length, 3 * 30 * 5);
    assert.equal(passed.length, 3 * 30);
    assert.ok(passed.every((m) => m.value === 1 && m.properties?.["group"] === "shop"));
  });

  it("a failing target sends a record every interval, and the first failure at once", () => {
    const telemetry = recording();
    const sub = feeding(telemetry, POLICY);
    const t = new Target();
    for (let i = 0; i < 10; i++) sub(t.probe(true, tick(i)));
    assert.equal(telemetry.records.length, 0, "passes wait for the window's summary");
    sub(t.probe(false, tick(10)));
    assert.equal(telemetry.records.length, 1, "the first failure goes out in its interval");
    assert.equal(telemetry.records[0]!.success, false);
    assert.equal(telemetry.records[0]!.properties["tick"], "i1:11");
    for (let i = 11; i < 40; i++) sub(t.probe(false, tick(i)));
    const failures = telemetry.records.filter((r) => !r.success);
    assert.equal(failures.length, 30, "one record per failed probe");
    assert.ok(failures.every(own));
    // The ten passes before the failure are not lost: the window's summary counts them.
    assert.deepEqual(
      summaries(telemetry.records).map((r) => r.measurements?.["probes"]),
      [10],
    );
  });

  it("after a failure, every pass is sent until the target has passed for a whole window, then summaries resume", () => {
    const telemetry = recording();
    const sub = feeding(telemetry, POLICY);
    const t = new Target();
    for (let i = 0; i < 3; i++) sub(t.probe(false, tick(i)));
    for (let i = 3; i < 120; i++) sub(t.probe(true, tick(i)));
    const passes = telemetry.records.filter((r) => own(r) && r.success);
    assert.equal(passes.length, 30, "a window's worth of passes (30) sent as they come");
    assert.equal(passes[0]!.properties["tick"], "i1:4", "the first pass after failing is one");
    // Then ticks 33..119 are summed up: windows [30, 60) from tick 33, [60, 90), and [90, 120)
    // still open (no tick of the next window has come yet).
    assert.deepEqual(
      summaries(telemetry.records).map((r) => r.measurements?.["probes"]),
      [27, 30],
    );
  });

  it("a restart mid-window loses at most that window's summary; no failure or recovery is lost", () => {
    const before = recording();
    const t = new Target();
    const first = feeding(before, POLICY);
    for (let i = 0; i < 12; i++) first(t.probe(true, tick(i)));
    // The process stops at tick 12 (its open window is dropped with it); a new one starts.
    const after = recording();
    const second = feeding(after, POLICY);
    for (let i = 12; i < 61; i++) second(t.probe(true, tick(i)));
    assert.equal(before.records.length, 0);
    assert.deepEqual(
      summaries(after.records).map((r) => r.measurements?.["probes"]),
      [18, 30],
      "the first window counts only the new process's probes; the next is whole",
    );
    // A restart in the middle of a recovery: the counts come from the store with the event, so
    // the new process still sends each pass until the target has passed for a whole window.
    const recovering = new Target("catalog");
    const old = recording();
    const oldSub = feeding(old, POLICY);
    oldSub(recovering.probe(false, tick(0)));
    oldSub(recovering.probe(true, tick(1)));
    const fresh = recording();
    const freshSub = feeding(fresh, POLICY);
    for (let i = 2; i < 10; i++) freshSub(recovering.probe(true, tick(i)));
    assert.equal(fresh.records.filter(own).length, 8, "still recovering: each pass is sent");
  });

  it("with no window (summaryMinutes 0), every probe is its own record and the group metrics go with it", () => {
    const telemetry = recording();
    const sub = feeding(telemetry, { windowMs: 0, intervalMs: INTERVAL_MS });
    const t = new Target();
    for (let i = 0; i < 5; i++) sub(t.probe(true, tick(i)));
    assert.equal(telemetry.records.length, 5);
    assert.ok(telemetry.records.every(own));
    assert.equal(telemetry.metrics.filter((m) => m.name === "tandem.probe.passed").length, 5);
  });

  it("targets and groups keep windows of their own", () => {
    const windows = new AvailabilityWindows(POLICY);
    const a = new Target("shop", "westeurope");
    const b = new Target("shop", "northeurope");
    const c = new Target("catalog", "westeurope");
    for (let i = 0; i < 30; i++) for (const t of [a, b, c]) windows.add(t.probe(true, tick(i)));
    const due = [a, b, c].map((t) => windows.add(t.probe(true, tick(30))));
    const closed = due.flatMap((d) => d.targets);
    assert.deepEqual(closed.map((s) => `${s.group}/${s.target}:${s.probes}`).sort(), [
      "catalog/westeurope:30",
      "shop/northeurope:30",
      "shop/westeurope:30",
    ]);
    const groups = due.flatMap((d) => d.groups);
    assert.deepEqual(groups.map((g) => `${g.group}:${g.passed.length}`).sort(), [
      "catalog:30",
      "shop:60",
    ]);
    assert.equal(sentAlone(a.probe(false, tick(31)), POLICY), true);
  });
});
