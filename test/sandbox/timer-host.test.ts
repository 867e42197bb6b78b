import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitFor } from "../helpers/wait.js";
import { schedulesForInterval } from "../../src/sandbox/local-host.js";
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

  it("derives the one timer's schedule from the configured interval", () => {
    assert.deepEqual(schedulesForInterval(2), { tick: "*/2 * * * * *" });
    assert.deepEqual(schedulesForInterval(10), { tick: "*/10 * * * * *" });
    assert.deepEqual(schedulesForInterval(120), { tick: "0 */2 * * * *" });
    assert.deepEqual(schedulesForInterval(2, ["westeurope", "northeurope"]), {
      tick: "*/2 * * * * *",
      byObserver: { westeurope: "*/2 * * * * *", northeurope: "1-59/2 * * * * *" },
    });
    assert.deepEqual(
      schedulesForInterval(7),
      schedulesForInterval(6),
      "rounded to an even spacing",
    );
  });

  it("runs on the schedule, one run at a time, and stop() waits for the run in progress", async () => {
    let running = 0;
    let overlapped = false;
    let finished = 0;
    let started!: () => void;
    const firstStart = new Promise<void>((resolve) => (started = resolve));
    const timer = startTimer(
      "* * * * * *",
      async () => {
        running++;
        if (running > 1) overlapped = true;
        started();
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished++;
        running--;
      },
      (error) => assert.fail(String(error)),
    );
    await firstStart;
    await timer.stop();
    assert.equal(running, 0, "stop() resolved before the run in progress finished");
    assert.equal(finished, 1);
    assert.equal(overlapped, false, "runs must not overlap");
  });

  it("marks the run after an overrun as past due, once, and skips the other missed occurrences", async () => {
    const runs: { isPastDue: boolean; at: number }[] = [];
    let overrunEnded = 0;
    const timer = startTimer(
      "* * * * * *",
      async ({ isPastDue, due }) => {
        runs.push({ isPastDue, at: Date.now() });
        // The first run ends 2.3 s after its occurrence, however late it started: the next
        // occurrence is then 0.7 s away, so a timer that waited for it would show the gap.
        if (runs.length === 1) {
          await new Promise((resolve) => setTimeout(resolve, due.getTime() + 2300 - Date.now()));
          overrunEnded = Date.now();
        }
      },
      (error) => assert.fail(String(error)),
    );
    await waitFor("three runs", () => (runs.length >= 3 ? true : undefined), {
      seen: () => runs,
    });
    await timer.stop();
    assert.deepEqual(
      runs.slice(0, 3).map((r) => r.isPastDue),
      [false, true, false],
    );
    assert.ok(
      runs[1]!.at - overrunEnded < 500,
      `the past-due run starts as soon as the overrun ends (${runs[1]!.at - overrunEnded} ms later), not at the next occurrence`,
    );
  });
});
