// Which closed incidents the audit horizon lets go: only those no runbook rule can still need.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident, Step } from "../../src/core/index.js";
import { prunableIncidents } from "../../src/core/index.js";

const DAY = 86_400_000;
const NOW = 400 * DAY;
/** Closed before 90 days ago may go; the rules look back 7 days at most. */
const RULE = { before: NOW - 90 * DAY, keepFrom: NOW - 7 * DAY };

function incident(id: string, step: Step, closedDaysAgo?: number, extra: Partial<Incident> = {}) {
  const closedAt = closedDaysAgo === undefined ? undefined : NOW - closedDaysAgo * DAY;
  return {
    id,
    group: "shop",
    kind: "failover",
    trigger: "automatic",
    to: "neu",
    shift: { kind: "promote", region: "neu" },
    step,
    stepStartedAt: closedAt ?? NOW,
    openedAt: (closedAt ?? NOW) - 60_000,
    ...(closedAt === undefined ? {} : { closedAt }),
    reason: "weu is down",
    history: [],
    ...extra,
  } satisfies Incident;
}

const cases: { name: string; incidents: Incident[]; rule?: typeof RULE; gone: string[] }[] = [
  {
    name: "closed past the horizon go, oldest first; the last closed and the last completed stay",
    incidents: [
      incident("a", "completed", 300),
      incident("b", "failed", 200),
      incident("c", "aborted", 100),
      incident("d", "completed", 95),
      incident("e", "aborted", 91),
    ],
    gone: ["a", "b", "c"],
  },
  {
    name: "nothing closed inside the horizon goes",
    incidents: [
      incident("a", "completed", 89),
      incident("b", "failed", 30),
      incident("c", "completed", 1),
    ],
    gone: [],
  },
  {
    name: "an open incident never goes, however old",
    incidents: [
      incident("a", "waking", undefined, { openedAt: 0 }),
      incident("b", "completed", 300),
      incident("c", "completed", 200),
    ],
    gone: ["b"],
  },
  {
    name: "the last completed stays behind a later aborted one (a manual hold rests on it)",
    incidents: [
      incident("a", "completed", 300),
      incident("b", "completed", 200, { trigger: "manual" }),
      incident("c", "aborted", 100),
    ],
    gone: ["a"],
  },
  {
    name: "one that woke a cluster not yet returned to cold stays; one returned goes",
    incidents: [
      incident("a", "completed", 300, { startedCluster: true }),
      incident("b", "completed", 250, { startedCluster: true, returnedToColdAt: NOW - 240 * DAY }),
      incident("c", "completed", 100),
    ],
    gone: ["b"],
  },
  {
    name: "the latest incident that woke a region's cluster stays, returned to cold or not",
    incidents: [
      incident("a", "completed", 300, {
        startedCluster: true,
        wake: { region: "neu", start: true },
      }),
      incident("b", "completed", 250, {
        startedCluster: true,
        wake: { region: "neu", start: true },
        returnedToColdAt: NOW - 240 * DAY,
      }),
      incident("c", "completed", 100),
    ],
    // a was never returned to cold (a person stopped the cluster first): it stays by that rule;
    // b stays as the latest wake, or the return to cold would take a for the latest and stop a
    // cluster a person started since.
    gone: [],
  },
  {
    name: "a horizon shorter than the failover window or the idempotency keys waits for them",
    incidents: [
      incident("a", "completed", 3),
      incident("b", "completed", 2),
      incident("c", "completed", 0.5),
    ],
    rule: { before: NOW - 1 * DAY, keepFrom: NOW - 2.5 * DAY },
    gone: ["a"],
  },
];

describe("closed incidents past the audit horizon", () => {
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(
        prunableIncidents(c.incidents, c.rule ?? RULE).map((i) => i.id),
        c.gone,
      );
    });
});
