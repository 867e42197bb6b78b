// The audit log's retention (ADR 0017): the lease holder prunes what is older than the horizon,
// a bounded number of rows a tick, beside its tick and never awaited by it, and records what a
// round removed; nobody else prunes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import {
  PRUNE_EVERY_MS,
  PRUNE_ROWS_PER_TICK,
  auditPruneSettled,
  startAuditPrune,
} from "../../src/app/audit-retention.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import { holderId } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Incident } from "../../src/core/incident.js";
import type { PruneQuery } from "../../src/ports/audit-store.js";
import type { Prober } from "../../src/ports/prober.js";
import type { StateStore } from "../../src/ports/state-store.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";

const DAY = 86_400_000;
const NOW = 1_900_000_000_000;
const prober: Prober = { probe: async () => ({ ok: true, latencyMs: 1, statusCode: 200 }) };

function config(retentionDays?: number): TandemConfigInput {
  const base = twoRegionConfig({
    westeurope: "http://127.0.0.1:9/w",
    northeurope: "http://127.0.0.1:9/n",
  });
  return {
    ...base,
    stateStore: {
      ...base.stateStore,
      ...(retentionDays === undefined ? {} : { auditRetentionDays: retentionDays }),
    },
  };
}

/** The store, with each prune call recorded under the name of the runtime that made it. */
function recording(store: MemoryStateStore, name: string, calls: string[]): StateStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === "pruneAudit")
        return (query: PruneQuery) => {
          calls.push(name);
          return target.pruneAudit(query);
        };
      const value = Reflect.get(target, property) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function seed(store: StateStore, count: number, at: number, name = "old") {
  for (let i = 0; i < count; i++)
    await store.appendAction({ at: at + i, actor: "w#1", epoch: 1, name, outcome: "done" });
}

async function one(retentionDays?: number) {
  const store = new MemoryStateStore();
  const clock = new ManualClock(NOW);
  const warnings: string[] = [];
  const infos: string[] = [];
  const rt = await runtimeFor(config(retentionDays), "westeurope", {
    store,
    clock,
    log: { info: (m) => infos.push(m), warn: (m) => warnings.push(m), error: () => {} },
  });
  return { store, clock, rt, warnings, infos };
}

const summaries = async (store: StateStore) =>
  (await store.readActions()).filter((a) => a.name === "audit: prune");

/** A completed automatic failover of shop, closed `daysAgo` days before NOW. */
const closed = (id: string, daysAgo: number): Incident => ({
  id,
  group: "shop",
  kind: "failover",
  trigger: "automatic",
  to: "northeurope",
  shift: { kind: "promote", region: "northeurope" },
  step: "completed",
  stepStartedAt: NOW - daysAgo * DAY,
  openedAt: NOW - daysAgo * DAY - 60_000,
  closedAt: NOW - daysAgo * DAY,
  reason: "westeurope is down",
  history: [],
});

describe("audit log retention", () => {
  it("only the lease holder prunes, beside its tick: the tick does not wait for it", async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock(NOW);
    const calls: string[] = [];
    const observers: Runtime[] = [];
    for (const [observer, instance] of [
      ["westeurope", "w"],
      ["northeurope", "n"],
    ] as const)
      observers.push(
        await runtimeFor(config(), observer, {
          store: recording(store, observer, calls),
          clock,
          prober,
          instance,
        }),
      );
    await seed(store, 3, NOW - 100 * DAY);
    await seed(store, 1, NOW - DAY, "recent");
    // Incidents the holder's tick reads: the pass deletes from those, reading none itself.
    await store.writeIncident(closed("gone", 200), undefined);
    await store.writeIncident(closed("last", 100), undefined);
    // The first holder's prune waits until released: ticks go on meanwhile.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const prune = store.pruneAudit.bind(store);
    store.pruneAudit = async (query) => {
      await held;
      return prune(query);
    };
    let holder: Runtime | undefined;
    for (let round = 0; round < 12; round++) {
      clock.advance(2000);
      for (const rt of observers) await runProbeTick(rt);
      for (const rt of observers) if ((await runOrchestrateTick(rt)).lease.leader) holder ??= rt;
    }
    assert.ok(holder, "someone took the lease");
    assert.deepEqual([...new Set(calls)], [holder.observer], "only the holder prunes");
    assert.equal(calls.length, 1, "one pass at a time: the ticks went on while it waited");
    release();
    await auditPruneSettled(holder);
    assert.deepEqual(
      (await store.readActions()).filter((a) => a.name !== "record-verdicts").map((a) => a.name),
      ["recent", "audit: prune"],
    );
    assert.deepEqual(
      (await store.readIncidents("shop")).map((i) => i.incident.id),
      ["last"],
      "the last closed incident stays",
    );
    const [summary] = await summaries(store);
    assert.equal(summary!.actor, holderId(holder));
    assert.equal(summary!.outcome, "done");
    assert.deepEqual(
      { ...JSON.parse(summary!.detail!), before: undefined },
      {
        retentionDays: 90,
        passes: 1,
        actions: 3,
        refusedRows: 0,
        refusedCalls: 0,
        incidents: 1,
        moved: 0,
        oldest: new Date(NOW - 100 * DAY).toISOString(),
        newest: new Date(NOW - 100 * DAY + 2).toISOString(),
        before: undefined,
      },
    );
  });

  it("removes a backlog PRUNE_ROWS_PER_TICK rows a pass, and says what the round removed once, at its end", async () => {
    const { store, rt, infos } = await one();
    await seed(store, PRUNE_ROWS_PER_TICK + 10, NOW - 200 * DAY);
    await store.addRefusedCalls(
      [
        {
          minute: NOW - 100 * DAY - ((NOW - 100 * DAY) % 60_000),
          actor: "anonymous",
          from: "192.0.2.1",
          count: 42,
          firstAt: NOW - 100 * DAY,
          lastAt: NOW - 100 * DAY,
          name: "api pause",
          reason: "401",
        },
      ],
      { callersPerMinute: 20 },
    );
    startAuditPrune(rt, 7);
    await auditPruneSettled(rt);
    assert.equal((await store.readActions()).length, 10, "one pass: a bounded number of rows");
    assert.deepEqual(await summaries(store), [], "the round is not over");
    startAuditPrune(rt, 7);
    await auditPruneSettled(rt);
    const [summary, ...more] = await summaries(store);
    assert.equal(more.length, 0);
    assert.equal(summary!.epoch, 7);
    assert.match(
      summary!.reason!,
      /^removed 510 audit entries, 0 closed incidents and 1 refused-call counts \(42 calls\) from before \S+ \(90 days\)$/,
    );
    const detail = JSON.parse(summary!.detail!);
    assert.deepEqual(
      [detail.passes, detail.actions, detail.refusedRows, detail.refusedCalls],
      [2, 510, 1, 42],
    );
    assert.equal(detail.before, new Date(NOW - 90 * DAY).toISOString());
    assert.deepEqual(
      [detail.oldest, detail.newest],
      [
        new Date(NOW - 200 * DAY).toISOString(),
        new Date(NOW - 100 * DAY - ((NOW - 100 * DAY) % 60_000)).toISOString(),
      ],
      "the oldest and the newest of both passes",
    );
    assert.deepEqual(infos, [`audit: ${summary!.reason}`]);
  });

  for (const removed of [
    { actions: 1, refusedRows: 1, moved: 0 },
    { actions: 2, refusedRows: 0, moved: 2 },
    { actions: 0, refusedRows: 3, moved: 0 },
  ])
    it(`a round that removed ${JSON.stringify(removed)} is said`, async () => {
      const { store, rt } = await one();
      store.pruneAudit = async () => ({
        ...removed,
        refusedCalls: removed.refusedRows,
        more: false,
      });
      startAuditPrune(rt, 2);
      await auditPruneSettled(rt);
      assert.equal((await summaries(store)).length, 1);
    });

  it("a round that only moved rows of the old layout is summed over its passes and said too", async () => {
    const { store, rt } = await one();
    const moves = [
      { moved: 3, more: true },
      { moved: 2, more: false },
    ];
    store.pruneAudit = async () => ({
      actions: 0,
      refusedRows: 0,
      refusedCalls: 0,
      ...moves.shift()!,
    });
    for (let pass = 0; pass < 2; pass++) {
      startAuditPrune(rt, 2);
      await auditPruneSettled(rt);
    }
    const [summary] = await summaries(store);
    assert.match(summary!.reason!, /; moved 5 entries of the old layout$/);
    const detail = JSON.parse(summary!.detail!);
    assert.deepEqual([detail.moved, detail.passes, detail.actions], [5, 2, 0]);
    assert.equal("oldest" in detail, false, "nothing deleted: no oldest or newest");
  });

  it("starts a round at most once an hour, and writes no summary when nothing was old enough", async () => {
    const calls: string[] = [];
    const store = new MemoryStateStore();
    const clock = new ManualClock(NOW);
    const rt = await runtimeFor(config(), "westeurope", {
      store: recording(store, "w", calls),
      clock,
    });
    await seed(store, 2, NOW - DAY, "recent");
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    clock.advance(PRUNE_EVERY_MS - 1);
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    assert.equal(calls.length, 1, "not again within the hour");
    clock.advance(1);
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    assert.equal(calls.length, 2, "again an hour after the last round ended");
    assert.deepEqual(await summaries(store), []);
  });

  it("deletes the closed incidents past the horizon that no rule needs, and says how many", async () => {
    const { store, rt } = await one(30);
    for (const [id, days] of [
      ["old-1", 60],
      ["old-2", 40],
      ["last", 35],
      ["recent", 10],
    ] as const)
      await store.writeIncident(closed(id, days), undefined);
    const deleteIncident = store.deleteIncident.bind(store);
    let first = true;
    // The first deletion finds its incident changed since the pass read it: it stays, no error.
    store.deleteIncident = async (group: string, id: string, etag: string) => {
      const read = first ? 'W/"changed since"' : etag;
      first = false;
      return deleteIncident(group, id, read);
    };
    startAuditPrune(rt, 3, (await store.readRunbookState()).incidents);
    await auditPruneSettled(rt);
    assert.deepEqual(
      (await store.readIncidents("shop")).map((s) => s.incident.id),
      ["old-1", "recent"],
      "old-1 changed since it was read; old-2 and last went; the recent one (the last) stays",
    );
    const [summary] = await summaries(store);
    assert.match(summary!.reason!, /^removed 0 audit entries, 2 closed incidents and /);
    assert.equal(JSON.parse(summary!.detail!).incidents, 2);
  });

  it("keeps entries for stateStore.auditRetentionDays", async () => {
    const { store, rt } = await one(30);
    await seed(store, 1, NOW - 31 * DAY, "31 days");
    await seed(store, 1, NOW - 29 * DAY, "29 days");
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    assert.deepEqual(
      (await store.readActions()).map((a) => a.name),
      ["29 days", "audit: prune"],
    );
    assert.equal(JSON.parse((await summaries(store))[0]!.detail!).retentionDays, 30);
  });

  it("a pass that fails is reported and the next tick tries again", async () => {
    const { store, rt, warnings } = await one();
    await seed(store, 1, NOW - 100 * DAY);
    const prune = store.pruneAudit.bind(store);
    let fail = true;
    store.pruneAudit = async (query) => {
      if (fail) throw new Error("503 ServerBusy");
      return prune(query);
    };
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    assert.deepEqual(warnings, [
      "audit: pruning the audit log failed (next tick tries again): 503 ServerBusy",
    ]);
    fail = false;
    startAuditPrune(rt, 1);
    await auditPruneSettled(rt);
    assert.deepEqual(
      (await store.readActions()).map((a) => a.name),
      ["audit: prune"],
    );
  });
});
