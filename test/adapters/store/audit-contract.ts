// The audit log's part of the StateStore contract (ADR 0017): pages of the action log and of one
// incident's entries, refused calls counted per caller and minute under a cap, and retention.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ActionRecord, RefusedCalls } from "../../../src/ports/audit-store.js";
import { OTHERS } from "../../../src/ports/audit-store.js";
import type { StateStore } from "../../../src/ports/state-store.js";
import type { StoreFixture } from "./contract.js";

const AT = 1_800_000_000_123;
const MINUTE = Math.floor(AT / 60_000) * 60_000;
const DAY = 86_400_000;

function entry(name: string, at: number, extra: Partial<ActionRecord> = {}): ActionRecord {
  return { at, actor: "westeurope#1", epoch: 3, name, outcome: "done", ...extra };
}

function refused(actor: string, from: string, extra: Partial<RefusedCalls> = {}): RefusedCalls {
  return {
    minute: MINUTE,
    actor,
    from,
    count: 1,
    firstAt: MINUTE + 1_000,
    lastAt: MINUTE + 1_000,
    name: "api pause",
    group: "shop",
    reason: "401 Unauthorized: no token",
    ...extra,
  };
}

const names = (entries: readonly ActionRecord[]) => entries.map((e) => e.name);
const without = ({ id: _id, ...rest }: RefusedCalls) => rest;

/** Every page of the log (or of an incident), `limit` at a time. */
async function allPages(store: StateStore, limit: number, incident?: string) {
  const pages: string[][] = [];
  let before: string | undefined;
  do {
    const page = await store.readActionPage({
      limit,
      ...(before === undefined ? {} : { before }),
      ...(incident === undefined ? {} : { incident }),
    });
    pages.push(names(page.entries));
    before = page.next;
  } while (before !== undefined);
  return pages;
}

export function auditStoreContract(name: string, fixture: StoreFixture): void {
  describe(`AuditStore contract: ${name}`, () => {
    it("pages the action log newest first; an entry written meanwhile never shifts the next page", async () => {
      const store = await fixture.create();
      for (let i = 0; i < 7; i++) await store.appendAction(entry(`step ${i}`, AT + i * 1000));
      const first = await store.readActionPage({ limit: 3 });
      assert.deepEqual(names(first.entries), ["step 6", "step 5", "step 4"]);
      assert.equal(typeof first.next, "string");
      await store.appendAction(entry("meanwhile", AT + 100_000));
      const second = await store.readActionPage({ limit: 3, before: first.next! });
      assert.deepEqual(names(second.entries), ["step 3", "step 2", "step 1"]);
      const last = await store.readActionPage({ limit: 3, before: second.next! });
      assert.deepEqual(names(last.entries), ["step 0"]);
      assert.equal(last.next, undefined, "the last page has no next");
      assert.deepEqual(await allPages(store, 4), [
        ["meanwhile", "step 6", "step 5", "step 4"],
        ["step 3", "step 2", "step 1", "step 0"],
      ]);
      const ids = (await store.readActions()).map((a) => a.id);
      assert.equal(first.entries[0]!.id, ids.at(-2), "a page's ids are the log's ids");
    });

    it("orders two entries of one millisecond as they were appended, the later first", async () => {
      const store = await fixture.create();
      await store.appendAction(entry("started", AT, { outcome: "started" }));
      await store.appendAction(entry("done", AT));
      assert.deepEqual(names((await store.readActionPage({ limit: 5 })).entries), [
        "done",
        "started",
      ]);
      assert.deepEqual(names(await store.readActions()), ["started", "done"]);
    });

    it("pages one incident's entries alone, newest first, with the fields they were written with", async () => {
      const store = await fixture.create();
      for (let i = 0; i < 5; i++) {
        await store.appendAction(
          entry(`a${i}`, AT + i * 10, { incident: "001800000000000-aaaa1111", group: "shop" }),
        );
        await store.appendAction(entry(`b${i}`, AT + i * 10 + 1, { incident: "other-incident" }));
        await store.appendAction(entry(`none${i}`, AT + i * 10 + 2));
      }
      assert.deepEqual(await allPages(store, 2, "001800000000000-aaaa1111"), [
        ["a4", "a3"],
        ["a2", "a1"],
        ["a0"],
      ]);
      const [newest] = (
        await store.readActionPage({ limit: 1, incident: "001800000000000-aaaa1111" })
      ).entries;
      const { id, ...fields } = newest!;
      assert.deepEqual(
        fields,
        entry("a4", AT + 40, { incident: "001800000000000-aaaa1111", group: "shop" }),
      );
      assert.equal(
        id,
        (await store.readActions()).find((a) => a.name === "a4")!.id,
        "an incident's entry has its id in the log",
      );
      assert.deepEqual(
        (await store.readActionPage({ limit: 5, incident: "no-such-incident" })).entries,
        [],
      );
    });

    it("counts refused calls per caller and minute, adding up across writes, newest minute first", async () => {
      const store = await fixture.create();
      const cap = { callersPerMinute: 5 };
      await store.addRefusedCalls([refused("anonymous", "203.0.113.9", { count: 2 })], cap);
      await store.addRefusedCalls(
        [
          refused("anonymous", "203.0.113.9", {
            count: 3,
            firstAt: MINUTE + 500,
            lastAt: MINUTE + 2_000,
            name: "api failover",
            reason: "403 Forbidden: needs Tandem.Operator",
            claimed: "mallory",
          }),
          refused("anonymous", "203.0.113.9", {
            minute: MINUTE + 60_000,
            firstAt: MINUTE + 61_000,
            lastAt: MINUTE + 61_000,
          }),
        ],
        cap,
      );
      const page = await store.readRefusedCalls({ limit: 10 });
      assert.deepEqual(page.entries.map(without), [
        refused("anonymous", "203.0.113.9", {
          minute: MINUTE + 60_000,
          firstAt: MINUTE + 61_000,
          lastAt: MINUTE + 61_000,
        }),
        refused("anonymous", "203.0.113.9", {
          count: 5,
          firstAt: MINUTE + 500,
          lastAt: MINUTE + 2_000,
          name: "api failover",
          reason: "403 Forbidden: needs Tandem.Operator",
          claimed: "mallory",
        }),
      ]);
      assert.equal(page.next, undefined);
      assert.deepEqual(await store.readActions(), [], "never in the action log");
    });

    it("admits at most callersPerMinute callers a minute, the first to come; the others share one row", async () => {
      const store = await fixture.create();
      const cap = { callersPerMinute: 2 };
      await store.addRefusedCalls([refused("anonymous", "198.51.100.1")], cap);
      await store.addRefusedCalls(
        [
          refused("anonymous", "198.51.100.2", { count: 4 }),
          refused("anonymous", "198.51.100.3", { count: 5, lastAt: MINUTE + 9_000 }),
          refused("ro@example.test", "198.51.100.4", { count: 6 }),
        ],
        cap,
      );
      // An admitted caller keeps its row; the minute after has room again.
      await store.addRefusedCalls(
        [
          refused("anonymous", "198.51.100.1", { count: 10 }),
          refused("anonymous", "198.51.100.4", { minute: MINUTE + 60_000 }),
        ],
        cap,
      );
      const rows = (await store.readRefusedCalls({ limit: 10 })).entries;
      const minute = (m: number) =>
        rows
          .filter((r) => r.minute === m)
          .map((r) => `${r.actor}@${r.from}: ${r.count}`)
          .sort();
      assert.deepEqual(minute(MINUTE + 60_000), ["anonymous@198.51.100.4: 1"]);
      assert.deepEqual(
        minute(MINUTE),
        ["anonymous@198.51.100.1: 11", "anonymous@198.51.100.2: 4", "others@: 11"],
        "two callers, in the order they came, and the others",
      );
      const others = rows.find((r) => r.actor === "others")!;
      assert.equal(others.lastAt, MINUTE + 9_000, "the others' row tells of their last call");
      const ids: string[] = [];
      let before: string | undefined;
      do {
        const page = await store.readRefusedCalls({
          limit: 1,
          ...(before === undefined ? {} : { before }),
        });
        ids.push(...page.entries.map((r) => r.id!));
        before = page.next;
      } while (before !== undefined);
      assert.equal(new Set(ids).size, 4, "one page at a time: every row once, others too");
      assert.ok(
        ids.every((id) => /^[0-9A-Za-z-]{1,80}$/.test(id)),
        "ids fit the API's cursor",
      );
    });

    it("counts a process's own overflow (actor others, no address) on the others row, with room or not", async () => {
      const store = await fixture.create();
      const cap = { callersPerMinute: 5 };
      await store.addRefusedCalls([refused(OTHERS, "", { count: 3 })], cap);
      await store.addRefusedCalls([refused(OTHERS, "", { count: 4 })], cap);
      await store.addRefusedCalls([refused("anonymous", "192.0.2.9")], cap);
      const rows = (await store.readRefusedCalls({ limit: 10 })).entries;
      assert.deepEqual(rows.map((r) => `${r.actor}@${r.from}: ${r.count}`).sort(), [
        "anonymous@192.0.2.9: 1",
        "others@: 7",
      ]);
      // Counted as others, it takes no caller's place: with room for one, a caller still has it.
      const one = { callersPerMinute: 1 };
      const later = { minute: MINUTE + 60_000 };
      await store.addRefusedCalls([refused(OTHERS, "", { ...later, count: 3 })], one);
      await store.addRefusedCalls([refused("anonymous", "192.0.2.8", later)], one);
      assert.deepEqual(
        (await store.readRefusedCalls({ limit: 10 })).entries
          .filter((r) => r.minute === later.minute)
          .map((r) => `${r.actor}@${r.from}: ${r.count}`)
          .sort(),
        ["anonymous@192.0.2.8: 1", "others@: 3"],
      );
    });

    it("pages refused counts: the next page starts after the last row", async () => {
      const store = await fixture.create();
      await store.addRefusedCalls(
        Array.from({ length: 5 }, (_, i) =>
          refused("anonymous", `192.0.2.${i}`, { minute: MINUTE + i * 60_000 }),
        ),
        { callersPerMinute: 3 },
      );
      const first = await store.readRefusedCalls({ limit: 2 });
      const second = await store.readRefusedCalls({ limit: 2, before: first.next! });
      const third = await store.readRefusedCalls({ limit: 2, before: second.next! });
      assert.deepEqual(
        [...first.entries, ...second.entries, ...third.entries].map((r) => r.from),
        ["192.0.2.4", "192.0.2.3", "192.0.2.2", "192.0.2.1", "192.0.2.0"],
      );
      assert.equal(third.next, undefined);
    });

    it("prunes what is older than the horizon, at most maxRows a partition per call, and says what went", async () => {
      const store = await fixture.create();
      const now = AT + 100 * DAY;
      const horizon = now - 90 * DAY;
      const incident = "001800000000000-bbbb2222";
      for (let i = 0; i < 3; i++)
        await store.appendAction(entry(`old ${i}`, AT + i * 1000, { incident }));
      await store.appendAction(entry("old, no incident", AT + 5000));
      await store.appendAction(entry("kept", horizon, { incident }));
      await store.appendAction(entry("new", now));
      await store.addRefusedCalls(
        [
          refused("anonymous", "192.0.2.1", { count: 7 }),
          refused("anonymous", "192.0.2.2", { count: 8, minute: MINUTE + 60_000 }),
          refused("anonymous", "192.0.2.3", {
            count: 9,
            minute: Math.floor(horizon / 60_000) * 60_000,
          }),
        ],
        { callersPerMinute: 5 },
      );

      const first = await store.pruneAudit({ before: horizon, maxRows: 3 });
      assert.equal(first.actions, 3);
      assert.equal(first.more, true, "a limit was reached");
      const second = await store.pruneAudit({ before: horizon, maxRows: 3 });
      assert.equal(first.actions + second.actions, 4);
      assert.deepEqual(
        [first.refusedRows, first.refusedCalls, second.refusedRows],
        [2, 15, 0],
        "both old minutes in the first pass: its limit allowed them",
      );
      assert.equal(second.moved, 0);
      const third = await store.pruneAudit({ before: horizon, maxRows: 3 });
      assert.deepEqual(third, {
        actions: 0,
        moved: 0,
        refusedRows: 0,
        refusedCalls: 0,
        more: false,
      });
      assert.equal(Math.min(first.oldest!, second.oldest ?? Infinity), MINUTE, "a minute's start");
      assert.equal(
        Math.max(first.newest!, second.newest ?? 0),
        MINUTE + 60_000,
        "the newest removed: the later old minute",
      );

      assert.deepEqual(names(await store.readActions()), ["kept", "new"]);
      assert.deepEqual(await allPages(store, 10, incident), [["kept"]]);
      assert.deepEqual(
        (await store.readRefusedCalls({ limit: 10 })).entries.map((r) => r.count),
        [9],
        "the minute that ends after the horizon stays",
      );
    });

    it("prunes refused-call minutes that ended by the horizon, others included, a limited number at a time", async () => {
      const store = await fixture.create();
      const horizon = MINUTE + 10 * 60_000;
      const cap = { callersPerMinute: 2 };
      // Not in time order: the minute kept comes first.
      await store.addRefusedCalls([refused("anonymous", "192.0.2.9", { minute: horizon })], cap);
      await store.addRefusedCalls(
        ["192.0.2.1", "192.0.2.2", "192.0.2.3"].map((from, i) =>
          refused("anonymous", from, { minute: horizon - 60_000, count: 10 ** i }),
        ),
        cap,
      );
      await store.addRefusedCalls(
        [refused("anonymous", "192.0.2.4", { minute: horizon - 5 * 60_000, count: 1000 })],
        cap,
      );
      const counts = async () =>
        (await store.readRefusedCalls({ limit: 10 })).entries.map((r) => r.count).sort();
      const first = await store.pruneAudit({ before: horizon, maxRows: 2 });
      assert.deepEqual([first.refusedRows, first.more], [2, true]);
      assert.equal((await counts()).length, 3, "what the limit left is still there");
      const second = await store.pruneAudit({ before: horizon, maxRows: 2 });
      assert.deepEqual([second.refusedRows, second.more], [2, false]);
      assert.equal(first.refusedCalls + second.refusedCalls, 1111);
      assert.deepEqual(await counts(), [1], "the minute that starts at the horizon stays");
      assert.equal(
        Math.min(first.oldest!, second.oldest!),
        horizon - 5 * 60_000,
        "the oldest minute's start",
      );
    });

    it("prunes one row a call when told to, never losing a row it did not count", async () => {
      const store = await fixture.create();
      const horizon = MINUTE + 10 * 60_000;
      await store.addRefusedCalls(
        [
          refused("anonymous", "192.0.2.1", { minute: horizon - 120_000 }),
          refused("anonymous", "192.0.2.2", { minute: horizon - 120_000 }),
          refused("anonymous", "192.0.2.3", { minute: horizon - 60_000 }),
          refused("anonymous", "192.0.2.4", { minute: horizon - 60_000 }),
        ],
        { callersPerMinute: 5 },
      );
      await store.appendAction(entry("a", horizon - 2));
      await store.appendAction(entry("b", horizon - 1));
      const left: number[] = [];
      for (let pass = 0; pass < 4; pass++) {
        const pruned = await store.pruneAudit({ before: horizon, maxRows: 1 });
        assert.equal(pruned.refusedRows, 1);
        left.push((await store.readRefusedCalls({ limit: 10 })).entries.length);
      }
      assert.deepEqual(left, [3, 2, 1, 0]);
      assert.deepEqual(await store.readActions(), []);
    });
  });
}
