import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scheduleForInterval } from "../../src/sandbox/local-host.js";
import { parseSchedule, startTimer } from "../../src/sandbox/timer-host.js";

describe("timer host", () => {
  it("computes the next occurrence of a six-field NCRONTAB schedule", () => {
    const next = parseSchedule("*/10 * * * * *");
    assert.equal(next(new Date("2026-01-01T00:00:03Z")).toISOString(), "2026-01-01T00:00:10.000Z");
  });

  it("refuses a five-field (minute-first) schedule with a message that says why", () => {
    assert.throws(
      () => parseSchedule("*/5 * * * *"),
      /six fields, seconds first\): it has 5 field\(s\), not 6/,
    );
  });

  it("refuses a schedule that does not parse", () => {
    assert.throws(
      () => parseSchedule("every ten seconds please x"),
      /is not a valid NCRONTAB expression/,
    );
  });

  it("derives a schedule from the configured interval", () => {
    assert.equal(scheduleForInterval(2), "*/2 * * * * *");
    assert.equal(scheduleForInterval(10), "*/10 * * * * *");
    assert.equal(scheduleForInterval(120), "0 */2 * * * *");
  });

  it("runs on the schedule, one run at a time, and waits for a run in progress when stopped", async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const timer = startTimer(
      "* * * * * *",
      async () => {
        running++;
        if (running > 1) overlapped = true;
        await new Promise((resolve) => setTimeout(resolve, 1500));
        runs++;
        running--;
      },
      (error) => assert.fail(String(error)),
    );
    await new Promise((resolve) => setTimeout(resolve, 2600));
    await timer.stop();
    assert.equal(overlapped, false, "runs must not overlap");
    assert.equal(running, 0, "stop() waits for the run in progress");
    assert.ok(runs >= 1, `expected at least one finished run, got ${runs}`);
  });
});
