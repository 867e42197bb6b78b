// Verification through the global entry point waits for a DNS lever's clients: resolvers keep the
// old answer for the profile's TTL, so a TTL longer than the step timeout must not fail a failover
// whose traffic is still on its way (found by the time-to-recover benchmark: a 330 s TTL failed).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Incident, RoutingState, RunbookGroup, RunbookPolicy } from "../../src/core/index.js";
import { runbookStep } from "../../src/core/index.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import { shop } from "../helpers/runbook-fixtures.js";

const policy: RunbookPolicy = TEST_POLICY;
const group: RunbookGroup = { ...shop(), entryPoint: true };
const TICK = 10_000;

/**
 * A failover of weu to neu, tick by tick, on a lever that reports `clientLagMs`; the entry point
 * answers from `entryAfterMs` after the lever took the change. Returns the incident's end and
 * when it ended, counted from the change.
 */
function failover(
  clientLagMs: number | undefined,
  entryAfterMs: number,
  unreadable: (sinceChangeMs: number) => boolean = () => false,
) {
  const routingOf = (primary: string): RoutingState => ({
    regions: ["weu", "neu"].map((region) => ({
      region,
      enabled: true,
      priority: region === primary ? 1 : 2,
    })),
    ...(clientLagMs === undefined ? {} : { clientLagMs }),
  });
  let routing = routingOf("weu");
  let changedAt: number | undefined;
  let incident: Incident | undefined;
  for (let now = 1_000_000; now < 4_000_000; now += TICK) {
    const lost = changedAt !== undefined && unreadable(now - changedAt);
    const r = runbookStep(
      group,
      {
        now,
        epoch: 3,
        kept: { weu: "down", neu: "healthy" },
        evidence: { weu: "down", neu: "healthy" },
        ...(lost ? {} : { routing }),
        clusters: {},
        recent: [],
        paused: false,
        entryHealthy: changedAt !== undefined && now - changedAt >= entryAfterMs,
        ...(incident ? { open: incident } : {}),
      },
      policy,
      "inc-1",
    );
    incident = r.incident ?? incident;
    if (r.effects.some((e) => e.kind === "promote")) {
      routing = routingOf("neu");
      changedAt = now;
    }
    if (incident && ["completed", "failed", "aborted"].includes(incident.step))
      return {
        step: incident.step,
        afterMs: now - changedAt!,
        note: incident.history.at(-1)!.note,
      };
  }
  throw new Error("the incident did not end");
}

describe("verifying a failover on a lever whose clients lag (a DNS TTL)", () => {
  it("without a lag, the entry point gets the step timeout to follow", () => {
    const end = failover(undefined, Infinity);
    assert.equal(end.step, "failed");
    assert.ok(end.afterMs > 60_000 && end.afterMs <= 60_000 + 2 * TICK, `${end.afterMs}`);
  });

  it("a TTL longer than the step timeout is waited out: clients that follow after it complete the failover", () => {
    const end = failover(300_000, 330_000);
    assert.equal(end.step, "completed", end.note);
  });

  it("a tick whose lever read failed does not end the wait: the TTL read before still counts", () => {
    const end = failover(300_000, 330_000, (since) => since === 120_000);
    assert.equal(end.step, "completed", end.note);
  });

  it("caps a TTL at the propagation timeout: a TTL of a day does not hold the incident for a day", () => {
    const end = failover(86_400_000, Infinity);
    assert.equal(end.step, "failed");
    assert.ok(end.afterMs > 960_000 && end.afterMs <= 960_000 + 2 * TICK, `${end.afterMs}`);
  });

  it("fails only once the step timeout and the TTL have both passed, and says so", () => {
    const end = failover(300_000, Infinity);
    assert.equal(end.step, "failed");
    assert.ok(end.afterMs > 360_000 && end.afterMs <= 360_000 + 2 * TICK, `${end.afterMs}`);
    assert.match(end.note, /within 360 s \(stepTimeoutSeconds and the lever's DNS TTL of 300 s\)/);
  });
});
