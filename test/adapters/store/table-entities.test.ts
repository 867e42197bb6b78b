// Rows read back from the table: a field that is not as written is left out, not let through
// (the status turns a view's `failedAt` into a date, and the runbook does arithmetic with an
// incident's step counters).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  entityToIncident,
  entityToLeverView,
  incidentToEntity,
  leverViewToEntity,
} from "../../../src/adapters/store/table/entities.js";

describe("a lever view's row", () => {
  it("keeps a failed read's time and problems through the row", () => {
    const view = {
      clusters: {},
      readAt: 1_800_000_000_000,
      epoch: 3,
      problems: ["shop: the traffic lever cannot be read: 500"],
      failedAt: 1_800_000_005_000,
    };
    const row = leverViewToEntity("shop", view) as unknown as Record<string, unknown>;
    assert.deepEqual(entityToLeverView(row), ["shop", view]);
  });

  it("drops a failedAt that is not a time, and keeps the rest of the view", () => {
    const row = leverViewToEntity("shop", {
      clusters: {},
      readAt: 1_800_000_000_000,
      epoch: 3,
    }) as unknown as Record<string, unknown>;
    const data = JSON.parse(row["data"] as string) as Record<string, unknown>;
    const tampered = { ...row, data: JSON.stringify({ ...data, failedAt: "yesterday" }) };
    assert.deepEqual(entityToLeverView(tampered), [
      "shop",
      { clusters: {}, readAt: 1_800_000_000_000, epoch: 3 },
    ]);
  });
});

describe("an incident's row", () => {
  it("drops a step counter that is not a number, and keeps the incident", () => {
    const incident = {
      id: "inc-1",
      group: "shop",
      kind: "failover" as const,
      trigger: "automatic" as const,
      from: "westeurope",
      to: "northeurope",
      shift: { kind: "promote" as const, region: "northeurope" },
      step: "shifting-traffic" as const,
      stepStartedAt: 1_800_000_000_000,
      openedAt: 1_800_000_000_000,
      reason: "westeurope is down",
      history: [],
      attempts: 2,
      leverMs: 40_000,
    };
    const row = incidentToEntity(incident) as unknown as Record<string, unknown>;
    assert.deepEqual(entityToIncident(row), incident);
    const tampered = {
      ...row,
      data: JSON.stringify({ ...incident, leverMs: "a lot", retryAt: null }),
    };
    const { leverMs: _dropped, ...rest } = incident;
    assert.deepEqual(entityToIncident(tampered), rest);
  });
});
