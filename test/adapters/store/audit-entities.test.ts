// The audit log's rows (ADR 0017): keys that sort newest first, an incident's second row only
// under a key Table Storage accepts, and rows read back that are not as written left out.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  actionToEntities,
  callersToEntity,
  entityToAction,
  entityToCallers,
  entityToRefused,
  incidentRowOf,
  logPruneFrom,
  minutePruneFrom,
  newActionId,
  prefixEnd,
  refusedToEntity,
} from "../../../src/adapters/store/table/audit-entities.js";
import type { ActionRecord } from "../../../src/ports/audit-store.js";

const AT = 1_800_000_000_123;
const entry: ActionRecord = { at: AT, actor: "w#1", epoch: 3, name: "promote", outcome: "done" };

/** A row as the Table client reads it back: doubles as numbers, with its key. */
function readBack(entity: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entity).map(([k, v]) => [
      k,
      typeof v === "object" && v !== null && "value" in v ? (v as { value: unknown }).value : v,
    ]),
  );
}

describe("audit log keys", () => {
  it("sort later times first, and within a millisecond the later append first", () => {
    const ids = [
      newActionId(AT, 1, "aaaa"),
      newActionId(AT, 2, "aaaa"),
      newActionId(AT + 1, 1, "aaaa"),
      newActionId(AT - 1, 9, "aaaa"),
    ];
    assert.deepEqual([...ids].sort(), [ids[2], ids[1], ids[0], ids[3]], "newest first");
    assert.match(ids[0]!, /^\d{15}-\d{9}-aaaa$/);
    assert.equal(
      newActionId(AT, 1_000_000_005, "b"),
      newActionId(AT, 5, "b"),
      "the sequence wraps at nine digits, never longer",
    );
  });

  it("range ends, and where a prune starts: nothing before time 0 or the first minute", () => {
    assert.equal(prefixEnd("log|"), "log}");
    assert.equal(prefixEnd("inc|x|"), "inc|x}");
    assert.equal(logPruneFrom(0), undefined);
    assert.equal(logPruneFrom(1), "log|999999999999999");
    assert.equal(minutePruneFrom(59_999), undefined);
    assert.equal(minutePruneFrom(60_000), "999999999999");
  });
});

describe("an action's rows", () => {
  it("are one row without an incident, with no fields it was not given", () => {
    const rows = actionToEntities(entry, "id1");
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.rowKey, "log|id1");
    for (const field of ["group", "reason", "incident", "detail"])
      assert.equal(field in rows[0]!, false, field);
    assert.deepEqual(entityToAction(readBack(rows[0]!)), { ...entry, id: "id1" });
  });

  it("are two rows, the same fields each, for an incident whose id is a key", () => {
    const full: ActionRecord = {
      ...entry,
      group: "shop",
      reason: "why",
      incident: "001800000000000-abcd1234",
      detail: '{"via":"bearer"}',
    };
    const [main, second] = actionToEntities(full, "id2");
    assert.equal(second!.rowKey, "inc|001800000000000-abcd1234|id2");
    assert.equal(incidentRowOf(main!.rowKey, full.incident), second!.rowKey);
    for (const row of [main!, second!])
      assert.deepEqual(entityToAction(readBack(row)), { ...full, id: "id2" });
  });

  for (const incident of ["a/b", "ok/", "/ok", "a#b", "", "x".repeat(201)])
    it(`are one row for an incident id Table Storage would refuse as a key: ${JSON.stringify(incident.slice(0, 12))}`, () => {
      assert.equal(actionToEntities({ ...entry, incident }, "id3").length, 1);
      assert.equal(incidentRowOf("log|id3", incident), undefined);
    });

  it("an old row's id is its whole key", () => {
    const row = readBack(actionToEntities(entry, "x")[0]!);
    assert.equal(
      entityToAction({ ...row, rowKey: "001800000000123-000000001-abcd" })?.id,
      "001800000000123-000000001-abcd",
    );
  });

  const bad: [string, Record<string, unknown>][] = [
    ["atMs is text", { atMs: "yesterday" }],
    ["atMs is not finite", { atMs: Number.POSITIVE_INFINITY }],
    ["no actor", { actor: undefined }],
    ["epoch is text", { epoch: "3" }],
    ["name is a number", { name: 7 }],
    ["no outcome", { outcome: undefined }],
    ["an outcome Tandem never writes", { outcome: "maybe" }],
  ];
  for (const [name, change] of bad)
    it(`is left out when ${name}`, () => {
      const row = readBack(actionToEntities(entry, "id4")[0]!);
      assert.equal(entityToAction({ ...row, ...change }), undefined);
    });

  it("keeps every outcome Tandem writes, and drops an optional field of the wrong type", () => {
    const row = readBack(actionToEntities(entry, "id5")[0]!);
    for (const outcome of ["started", "done", "refused", "failed"])
      assert.equal(entityToAction({ ...row, outcome })?.outcome, outcome);
    const odd = entityToAction({ ...row, group: 5, reason: null, incident: 1, detail: {} })!;
    for (const field of ["group", "reason", "incident", "detail"])
      assert.equal(field in odd, false, field);
  });
});

describe("a refused-call row", () => {
  const calls = {
    minute: 1_800_000_000_000,
    actor: "anonymous",
    from: "203.0.113.9",
    count: 4,
    firstAt: 1_800_000_001_000,
    lastAt: 1_800_000_002_000,
    name: "api pause",
    reason: "401",
  };

  it("reads back as written, with its id, and with no fields it was not given", () => {
    const entity = refusedToEntity(calls, "999970000000000|abc");
    for (const field of ["group", "claimed"]) assert.equal(field in entity, false, field);
    assert.deepEqual(entityToRefused(readBack(entity)), { ...calls, id: "999970000000000-abc" });
    const more = { ...calls, group: "shop", claimed: "mallory" };
    assert.deepEqual(entityToRefused(readBack(refusedToEntity(more, "k|x"))), {
      ...more,
      id: "k-x",
    });
  });

  const bad: [string, Record<string, unknown>][] = [
    ["minuteMs is text", { minuteMs: "now" }],
    ["no actor", { actor: undefined }],
    ["from is a number", { from: 1 }],
    ["count is text", { count: "4" }],
    ["firstAtMs is missing", { firstAtMs: undefined }],
    ["lastAtMs is text", { lastAtMs: "later" }],
    ["no name", { name: undefined }],
    ["reason is a number", { reason: 401 }],
  ];
  for (const [name, change] of bad)
    it(`is left out when ${name}`, () => {
      const row = readBack(refusedToEntity(calls, "k|x"));
      assert.equal(entityToRefused({ ...row, ...change }), undefined);
    });

  it("a minute's list of callers reads back as written; none when empty or missing", () => {
    const row = readBack(callersToEntity(1_800_000_000_000, ["a1", "b2"]));
    assert.deepEqual(entityToCallers(row), ["a1", "b2"]);
    assert.deepEqual(entityToCallers(readBack(callersToEntity(0, []))), []);
    assert.deepEqual(entityToCallers({}), []);
    assert.deepEqual(entityToCallers({ callers: 3 }), []);
  });
});
