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
import { silentLog } from "../../../src/ports/log.js";

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
  /** An automatic failover of shop from westeurope to northeurope, at `step`. */
  const incidentAt = <S extends "shifting-traffic" | "moving-data">(step: S, id: string) => ({
    id,
    group: "shop",
    kind: "failover" as const,
    trigger: "automatic" as const,
    from: "westeurope",
    to: "northeurope",
    shift: { kind: "promote" as const, region: "northeurope" },
    step,
    stepStartedAt: 1_800_000_000_000,
    openedAt: 1_800_000_000_000,
    reason: "westeurope is down",
    history: [],
  });

  it("drops a step counter that is not a number, and keeps the incident", () => {
    const incident = { ...incidentAt("shifting-traffic", "inc-1"), attempts: 2, leverMs: 40_000 };
    const row = incidentToEntity(incident) as unknown as Record<string, unknown>;
    assert.deepEqual(entityToIncident(row), incident);
    const tampered = {
      ...row,
      data: JSON.stringify({ ...incident, leverMs: "a lot", retryAt: null }),
    };
    const { leverMs: _dropped, ...rest } = incident;
    assert.deepEqual(entityToIncident(tampered), rest);
  });

  it("takes a malformed record of data asks as asked, and drops failures that are not times, saying so", () => {
    const incident = incidentAt("moving-data", "inc-2");
    const ask = { region: "northeurope", mode: "planned", at: 1_800_000_001_000, epoch: 3 };
    const read = (data: Record<string, unknown>) => {
      const said: string[] = [];
      const row = { ...incidentToEntity(incident), data: JSON.stringify({ ...incident, ...data }) };
      const log = { ...silentLog, warn: (line: string) => void said.push(line) };
      return { incident: entityToIncident(row, log), said };
    };
    for (const dataAsked of ["orders", null, ["orders"], { orders: "yes" }, { orders: {} }]) {
      const { incident: back, said } = read({ dataAsked });
      assert.equal(back?.dataAskedUnreadable, true, JSON.stringify(dataAsked));
      assert.match(said.join("\n"), /inc-2.*dataAsked.*taken as asked/, JSON.stringify(dataAsked));
    }
    const mixed = read({ dataAsked: { orders: ask, carts: { at: "soon" } } }).incident;
    assert.deepEqual(mixed?.dataAsked, { orders: ask }, "a readable ask is kept");
    assert.equal(mixed?.dataAskedUnreadable, true);
    const clean = read({ dataAsked: { orders: ask } }).incident;
    assert.equal(clean?.dataAskedUnreadable, undefined);
    const { incident: failed, said } = read({
      dataAsked: { orders: ask },
      dataFailed: { orders: "yesterday", carts: 1_800_000_002_000 },
    });
    assert.deepEqual(failed?.dataFailed, { carts: 1_800_000_002_000 });
    assert.match(said.join("\n"), /inc-2.*dataFailed of orders.*dropped/);
    assert.equal(read({ dataFailed: "x" }).incident?.dataFailed, undefined);
  });
});
