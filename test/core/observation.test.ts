// One observer's record of one target: the run counts that the verdict reads, the probe details
// kept with it, and the hour of per-minute marks the status page draws.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Observation, ProbeOutcome } from "../../src/core/index.js";
import {
  TIMELINE_MINUTES,
  nextObservation,
  nextTimeline,
  timelineMinutes,
} from "../../src/core/index.js";

const MINUTE = 60_000;
const id = { observer: "a", group: "g", target: "t", tick: { instance: "p", seq: 1 } };
const pass: ProbeOutcome = { ok: true, latencyMs: 5 };
const fail: ProbeOutcome = { ok: false, latencyMs: 5, error: { kind: "timeout", message: "x" } };

/** Observations after each outcome in turn, the last returned. */
function run(outcomes: readonly ProbeOutcome[]): Observation {
  let o: Observation | undefined;
  for (const [i, outcome] of outcomes.entries()) o = nextObservation(o, id, outcome, i * 1000);
  return o!;
}

describe("observation run counts", () => {
  const cases: {
    name: string;
    outcomes: ProbeOutcome[];
    failures: number;
    successes: number;
    failuresBefore: number;
  }[] = [
    { name: "a first pass", outcomes: [pass], failures: 0, successes: 1, failuresBefore: 0 },
    { name: "a first failure", outcomes: [fail], failures: 1, successes: 0, failuresBefore: 0 },
    {
      name: "failed re-probes within a tick count as failures in the run",
      outcomes: [fail, { ...fail, confirmations: 2 }],
      failures: 4,
      successes: 0,
      failuresBefore: 0,
    },
    {
      name: "a pass that settled only after re-probes is one success",
      outcomes: [fail, { ...pass, confirmations: 1 }],
      failures: 0,
      successes: 1,
      failuresBefore: 1,
    },
    {
      name: "a success run keeps the failure run it ended",
      outcomes: [fail, fail, pass, pass, pass],
      failures: 0,
      successes: 3,
      failuresBefore: 2,
    },
    {
      name: "a failure forgets the failure run before the last success run",
      outcomes: [fail, fail, pass, fail],
      failures: 1,
      successes: 0,
      failuresBefore: 0,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const o = run(c.outcomes);
      assert.deepEqual(
        [o.consecutiveFailures, o.consecutiveSuccesses, o.failuresBefore, o.ok],
        [c.failures, c.successes, c.failuresBefore, c.outcomes.at(-1)!.ok],
      );
    });

  it("keeps the probe's details, and leaves out those it did not report", () => {
    const phases = { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: 5 };
    const reported = {
      ok: false,
      latencyMs: 7,
      statusCode: 503,
      error: { kind: "http-status" as const, message: "503" },
      phases,
      certificateDaysLeft: 12,
      warnings: ["the certificate expires in 12 days"],
    };
    const full = nextObservation(undefined, id, reported, 1000);
    assert.deepEqual(full, {
      ...id,
      ...reported,
      consecutiveFailures: 1,
      consecutiveSuccesses: 0,
      failuresBefore: 0,
      at: 1000,
      timeline: "0:d",
    });
    const bare = nextObservation(full, id, { ok: true, latencyMs: 2, warnings: [] }, 2000);
    for (const key of ["statusCode", "error", "phases", "certificateDaysLeft", "warnings"])
      assert.equal(key in bare, false, `${key} is left out`);
  });
});

describe("the hour timeline", () => {
  const at = (minute: number, second = 0) => minute * MINUTE + second * 1000;
  const cases: {
    name: string;
    previous: string | undefined;
    at: number;
    ok: boolean;
    expected: string;
  }[] = [
    { name: "starts with one mark", previous: undefined, at: at(100), ok: true, expected: "100:u" },
    {
      name: "a failed probe marks its minute down",
      previous: undefined,
      at: at(100),
      ok: false,
      expected: "100:d",
    },
    {
      name: "a pass within a passing minute keeps it up",
      previous: "100:u",
      at: at(100, 30),
      ok: true,
      expected: "100:u",
    },
    {
      name: "a failure within a passing minute turns it down",
      previous: "100:uu",
      at: at(100, 30),
      ok: false,
      expected: "100:ud",
    },
    {
      name: "a pass within a failed minute keeps it down",
      previous: "100:ud",
      at: at(100, 59),
      ok: true,
      expected: "100:ud",
    },
    {
      name: "the next minute adds a mark",
      previous: "100:u",
      at: at(101),
      ok: false,
      expected: "101:ud",
    },
    {
      name: "minutes without a probe are marked as gaps",
      previous: "100:u",
      at: at(103),
      ok: true,
      expected: "103:u--u",
    },
    {
      name: "a gap longer than the hour leaves only gaps and the new mark",
      previous: "100:u",
      at: at(300),
      ok: true,
      expected: `300:${"-".repeat(TIMELINE_MINUTES - 1)}u`,
    },
    {
      name: "an observer whose clock went back starts again",
      previous: "100:uu",
      at: at(99),
      ok: false,
      expected: "99:d",
    },
    {
      name: "a stored timeline it cannot read starts again",
      previous: "garbage",
      at: at(100),
      ok: true,
      expected: "100:u",
    },
    {
      name: "a stored timeline with something before it is not read",
      previous: "x100:u",
      at: at(101),
      ok: true,
      expected: "101:u",
    },
    {
      name: "a stored timeline with something after it is not read",
      previous: "100:ux",
      at: at(101),
      ok: true,
      expected: "101:u",
    },
    {
      name: "a stored timeline with a minute of several digits is read",
      previous: "1000:d",
      at: at(1001),
      ok: true,
      expected: "1001:du",
    },
    {
      name: "a stored timeline with no marks yet gets one in its own minute",
      previous: "100:",
      at: at(100, 30),
      ok: false,
      expected: "100:d",
    },
    {
      name: "a stored timeline with no marks yet gets one",
      previous: "100:",
      at: at(101),
      ok: true,
      expected: "101:u",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.equal(nextTimeline(c.previous, c.at, c.ok), c.expected);
    });

  it("keeps only the last hour of marks", () => {
    let timeline: string | undefined;
    for (let m = 0; m < TIMELINE_MINUTES + 10; m++)
      timeline = nextTimeline(timeline, at(m), m % 2 === 0);
    const [minute, marks] = timeline!.split(":");
    assert.equal(Number(minute), TIMELINE_MINUTES + 9);
    assert.equal(marks!.length, TIMELINE_MINUTES);
    assert.equal(
      marks,
      "ud".repeat(TIMELINE_MINUTES / 2),
      "oldest first, ending on the last minute",
    );
  });

  it("reads back as minutes, oldest first, each with its start time", () => {
    assert.deepEqual(timelineMinutes("102:ud-"), [
      { at: 100 * MINUTE, mark: "up" },
      { at: 101 * MINUTE, mark: "down" },
      { at: 102 * MINUTE, mark: "none" },
    ]);
  });

  for (const unreadable of [undefined, "", "garbage", "x1:u", "1:ux"])
    it(`reads ${JSON.stringify(unreadable)} as no minutes`, () => {
      assert.deepEqual(timelineMinutes(unreadable), []);
    });
});
