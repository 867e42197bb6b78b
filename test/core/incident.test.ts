// An incident's own record: which steps close it, and how its history grows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HistoryEntry, Incident, Step } from "../../src/core/index.js";
import { isOpen, moveTo, noted } from "../../src/core/index.js";
import { failover } from "../helpers/runbook-fixtures.js";

const entry = (step: Step, note: string): HistoryEntry => ({ step, at: 1, epoch: 1, note });

const incident = (step: Step, history: HistoryEntry[]): Incident =>
  failover({ id: "i", step, stepStartedAt: 1, openedAt: 1, history });

const OPEN: Step[] = [
  "detected",
  "prewarming",
  "confirmed",
  "waking",
  "waiting-ready",
  "shifting-traffic",
  "verifying",
];
const CLOSED: Step[] = ["completed", "failed", "aborted"];

describe("incident steps", () => {
  for (const step of OPEN)
    it(`${step} leaves the incident open, with no closing time`, () => {
      const moved = moveTo(incident("detected", []), step, 500, 4, "why");
      assert.equal(isOpen(moved), true);
      assert.equal("closedAt" in moved, false);
    });
  for (const step of CLOSED)
    it(`${step} closes the incident at the time of the step`, () => {
      const moved = moveTo(incident("verifying", []), step, 500, 4, "why");
      assert.equal(isOpen(moved), false);
      assert.equal(moved.closedAt, 500);
    });

  it("moving on starts the step now and adds a line of history with the epoch", () => {
    const moved = moveTo(incident("detected", [entry("detected", "a")]), "confirmed", 700, 5, "b");
    assert.deepEqual(
      [moved.step, moved.stepStartedAt, moved.history],
      [
        "confirmed",
        700,
        [entry("detected", "a"), { step: "confirmed", at: 700, epoch: 5, note: "b" }],
      ],
    );
  });
});

describe("incident notes", () => {
  const cases: {
    name: string;
    step: Step;
    history: HistoryEntry[];
    note: string;
    added: boolean;
  }[] = [
    {
      name: "the same note again in the same step is not repeated",
      step: "waking",
      history: [entry("confirmed", "x"), entry("waking", "w"), entry("waking", "starting")],
      note: "starting",
      added: false,
    },
    {
      name: "a new note in the same step is added",
      step: "waking",
      history: [entry("waking", "w"), entry("waking", "starting")],
      note: "scaling",
      added: true,
    },
    {
      name: "a note that was said earlier, but not last, is added",
      step: "waking",
      history: [
        entry("waking", "starting"),
        entry("waking", "scaling"),
        entry("waking", "waiting"),
      ],
      note: "starting",
      added: true,
    },
    {
      name: "the same words from another step are added",
      step: "waking",
      history: [entry("confirmed", "waiting")],
      note: "waiting",
      added: true,
    },
    { name: "a first note is added", step: "waking", history: [], note: "waiting", added: true },
  ];
  for (const c of cases)
    it(c.name, () => {
      const before = incident(c.step, c.history);
      const after = noted(before, 900, 6, c.note);
      if (!c.added) {
        assert.equal(after, before);
        return;
      }
      assert.deepEqual(after.history, [
        ...c.history,
        { step: c.step, at: 900, epoch: 6, note: c.note },
      ]);
      assert.equal(after.step, c.step);
    });
});
