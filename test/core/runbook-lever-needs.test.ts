// What the next runbook step reads from the levers before it runs: the app reads only this, so a
// step that is not given what it checks waits (or decides on nothing), and one given more costs
// ARM reads for every group at every tick of a wide failover.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident, LeverNeeds, RunbookGroup, Step } from "../../src/core/index.js";
import { leverNeeds } from "../../src/core/index.js";
import { catalog, failover, shop, standby } from "../helpers/runbook-fixtures.js";

const warm = shop(standby(3));
const cold = catalog([standby(3), { nodePools: [] }]);

/** A failover of `cold` from weu to neu that wakes neu, at `step`. */
const at = (step: Step): Incident =>
  failover({ group: "catalog", wake: { region: "neu", start: true }, step });

const routingOnly: LeverNeeds = { routing: true, clusters: [] };
const nothing: LeverNeeds = { routing: false, clusters: [] };

describe("runbook: what a step reads from the levers", () => {
  const cases: { name: string; group: RunbookGroup; open?: Incident; needs: LeverNeeds }[] = [
    {
      name: "without an incident, an active-passive group reads the routing only, not its standby's cluster",
      group: warm,
      needs: routingOnly,
    },
    {
      name: "without an incident, a passive-cold group also reads every cluster it may pre-warm or wake",
      group: cold,
      needs: { routing: true, clusters: ["neu", "sce"] },
    },
    {
      name: "pre-warming reads the routing (never stop a primary) and the cluster it warms",
      group: cold,
      open: at("prewarming"),
      needs: { routing: true, clusters: ["neu"] },
    },
    {
      name: "waking reads the cluster it wakes, not the routing",
      group: cold,
      open: at("waking"),
      needs: { routing: false, clusters: ["neu"] },
    },
    ...(["detected", "confirmed", "waiting-ready"] as const).map((step) => ({
      name: `${step} reads nothing: it decides on the verdicts alone`,
      group: cold,
      open: at(step),
      needs: nothing,
    })),
    ...(["shifting-traffic", "verifying"] as const).map((step) => ({
      name: `${step} reads the routing only`,
      group: cold,
      open: at(step),
      needs: routingOnly,
    })),
    ...(["completed", "failed", "aborted"] as const).map((step) => ({
      name: `a ${step} incident reads nothing`,
      group: cold,
      open: at(step),
      needs: nothing,
    })),
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(leverNeeds(c.group, c.open), c.needs);
    });
});
