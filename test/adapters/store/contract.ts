// The behaviour every StateStore must have. Run against each implementation (memory, Azurite).
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { Heartbeat, Incident, LeaseRecord, Observation } from "../../../src/core/index.js";
import type { Alert } from "../../../src/core/alerts.js";
import { isStoreError } from "../../../src/ports/state-store.js";
import type { StateStore } from "../../../src/ports/state-store.js";
import { auditStoreContract } from "./audit-contract.js";
import { rollupStoreContract } from "./rollup-contract.js";
import { regionFailover } from "../../helpers/runbook-fixtures.js";

export interface StoreFixture {
  /** A fresh, empty, initialised store. */
  create(): Promise<StateStore>;
  close?(): Promise<void>;
}

const AT = 1_800_000_000_123;

function observation(
  observer: string,
  group: string,
  target: string,
  extra: Partial<Observation> = {},
): Observation {
  return {
    observer,
    group,
    target,
    tick: { instance: "i1", seq: 7 },
    ok: true,
    consecutiveFailures: 0,
    consecutiveSuccesses: 1,
    failuresBefore: 0,
    latencyMs: 12.5,
    at: AT,
    ...extra,
  };
}

function beat(observer: string, at: number): Heartbeat {
  return {
    observer,
    tick: { instance: "i1", seq: 3 },
    at,
    version: "0.1.0",
    tickMs: 20,
    impaired: false,
  };
}

function lease(holder: string, epoch: number, writeId = `w-${holder}-${epoch}`): LeaseRecord {
  return { holder, epoch, durationMs: 30_000, writeId, renewedAt: AT };
}

const isConflict = (error: unknown) => isStoreError(error) && error.kind === "conflict";

function incident(id: string, group = "shop", steps = 1): Incident {
  const history = Array.from({ length: steps }, (_, i) => ({
    step: i === 0 ? ("detected" as const) : ("confirmed" as const),
    at: AT + i,
    epoch: 1,
    note: `line ${i}`,
  }));
  return regionFailover({
    id,
    group,
    step: history.at(-1)!.step,
    stepStartedAt: AT,
    openedAt: AT,
    history,
  });
}

function alert(key: string, extra: Partial<Alert> = {}): Alert {
  return {
    key,
    type: "region.down",
    severity: "critical",
    at: AT,
    observer: "westeurope",
    subject: `subject:${key}`,
    title: `title ${key}`,
    summary: "summary",
    ...extra,
  };
}

const keys = (rows: { row: { alert: Alert } }[]) => rows.map((r) => r.row.alert.key);

const sortObs = (list: Observation[]) =>
  [...list].sort((a, b) => `${a.target}|${a.observer}`.localeCompare(`${b.target}|${b.observer}`));

/** Writes observations as production does: each observer's in its probe tick, with its heartbeat. */
async function record(store: StateStore, observations: readonly Observation[], at = AT) {
  const observers = [...new Set(observations.map((o) => o.observer))];
  for (const observer of observers)
    await store.recordTick(
      beat(observer, at),
      observations.filter((o) => o.observer === observer),
    );
}

/** A group's observations, read as production reads them (all of them, in one call). */
const observationsOf = async (store: StateStore, group: string) =>
  (await store.readAllObservations()).observations.filter((o) => o.group === group);

const heartbeatsOf = async (store: StateStore) => (await store.readAllObservations()).heartbeats;

export function stateStoreContract(name: string, fixture: StoreFixture): void {
  describe(`StateStore contract: ${name}`, () => {
    after(async () => fixture.close?.());

    it("starts empty", async () => {
      const store = await fixture.create();
      assert.deepEqual(await observationsOf(store, "shop"), []);
      assert.deepEqual(await heartbeatsOf(store), []);
    });

    it("can be initialised again without losing rows", async () => {
      const store = await fixture.create();
      await store.recordHeartbeat(beat("a", AT));
      await store.initialise();
      assert.equal((await heartbeatsOf(store)).length, 1);
    });

    it("returns an observation exactly as written, failure details included", async () => {
      const store = await fixture.create();
      const failed = observation("westeurope", "shop", "northeurope", {
        ok: false,
        consecutiveFailures: 4,
        consecutiveSuccesses: 0,
        statusCode: 503,
        error: { kind: "http-status", message: "answered 503, expected 2xx" },
        latencyMs: 7,
      });
      await record(store, [failed]);
      assert.deepEqual(await observationsOf(store, "shop"), [failed]);
    });

    it("keeps one row per observer and target: a new observation replaces the old", async () => {
      const store = await fixture.create();
      await record(store, [observation("a", "shop", "westeurope", { consecutiveSuccesses: 1 })]);
      await record(store, [
        observation("a", "shop", "westeurope", { consecutiveSuccesses: 2, at: AT + 10_000 }),
        observation("b", "shop", "westeurope"),
      ]);
      const rows = sortObs(await observationsOf(store, "shop"));
      assert.deepEqual(
        rows.map((o) => [o.observer, o.consecutiveSuccesses, o.at]),
        [
          ["a", 2, AT + 10_000],
          ["b", 1, AT],
        ],
      );
    });

    it("writes and reads more observations than one batch holds", async () => {
      const store = await fixture.create();
      const many = Array.from({ length: 250 }, (_, i) =>
        observation("a", "big", `region-${String(i).padStart(3, "0")}`),
      );
      await record(store, many);
      assert.deepEqual(sortObs(await observationsOf(store, "big")), sortObs(many));
    });

    it("keeps one heartbeat per observer, the latest", async () => {
      const store = await fixture.create();
      const beats: Heartbeat[] = [
        beat("westeurope", AT),
        { ...beat("northeurope", AT + 1), impaired: true },
        { ...beat("westeurope", AT + 10_000), version: "0.2.0", tick: { instance: "i2", seq: 1 } },
      ];
      for (const beat of beats) await store.recordHeartbeat(beat);
      const read = (await heartbeatsOf(store)).sort((a, b) => a.observer.localeCompare(b.observer));
      assert.deepEqual(read, [beats[1], beats[2]]);
    });

    it("writes an observer's tick, heartbeat first, only over the heartbeat's version read", async () => {
      const store = await fixture.create();
      const mine = Array.from({ length: 150 }, (_, i) =>
        observation("westeurope", `g${String(i).padStart(3, "0")}`, "northeurope"),
      );
      const first = await store.readObserver("westeurope");
      assert.deepEqual(first, { observations: [] }, "nothing yet, and no version");
      const v1 = await store.recordTick(beat("westeurope", AT), mine, { expected: {} });
      await assert.rejects(
        store.recordTick(beat("westeurope", AT), [], { expected: {} }),
        isConflict,
        "a first tick when there is one already",
      );
      const read = await store.readObserver("westeurope");
      assert.equal(read.version, v1);
      assert.deepEqual(read.heartbeat, beat("westeurope", AT));
      assert.deepEqual(sortObs(read.observations), sortObs(mine));
      const v2 = await store.recordTick(
        beat("westeurope", AT + 10_000),
        [observation("westeurope", "g000", "northeurope", { at: AT + 10_000 })],
        { expected: { etag: v1 } },
      );
      assert.notEqual(v2, v1);
      await assert.rejects(
        store.recordTick(
          beat("westeurope", AT + 20_000),
          [observation("westeurope", "g000", "northeurope", { at: AT + 20_000 })],
          { expected: { etag: v1 } },
        ),
        isConflict,
        "a stale version: another process of the observer wrote since",
      );
      const after = await store.readObserver("westeurope");
      assert.equal(after.heartbeat?.at, AT + 10_000, "the refused tick wrote nothing");
      assert.equal(
        after.observations.find((o) => o.group === "g000")?.at,
        AT + 10_000,
        "nor its observations",
      );
      assert.equal(
        after.observations.length,
        mine.length,
        "a tick that probed one target leaves the others' last observations as they were",
      );
      await assert.rejects(
        store.recordTick(beat("westeurope", AT), [observation("northeurope", "g000", "x")]),
        (e: unknown) => isStoreError(e),
        "a tick writes only its own observer's rows",
      );
    });

    it("reads every observer's heartbeat and observations of every group in one call", async () => {
      const store = await fixture.create();
      await store.recordTick(beat("westeurope", AT), [
        observation("westeurope", "shop", "northeurope"),
        observation("westeurope", "catalog", "northeurope"),
      ]);
      await store.recordTick(beat("northeurope", AT + 1), [
        observation("northeurope", "shop", "westeurope"),
      ]);
      const all = await store.readAllObservations();
      assert.deepEqual(all.heartbeats.map((h) => h.observer).sort(), ["northeurope", "westeurope"]);
      assert.deepEqual(all.observations.map((o) => `${o.observer}/${o.group}/${o.target}`).sort(), [
        "northeurope/shop/westeurope",
        "westeurope/catalog/northeurope",
        "westeurope/shop/northeurope",
      ]);
      assert.deepEqual(
        (await store.readObserver("northeurope")).observations.map((o) => o.group),
        ["shop"],
      );
    });

    it("reads the kept verdicts, incidents and lever views of every group in one call", async () => {
      const store = await fixture.create();
      const down = { verdict: "down" as const, since: AT, epoch: 1, reason: "down" };
      await store.writeRegionStates("shop", { westeurope: down }, undefined, {
        alerts: [alert("region|down", { group: "shop" })],
      });
      // A group whose name reads like an outbox row's key is still a group.
      await store.writeRegionStates("alert-x", { westeurope: down }, undefined);
      await store.writeIncident(incident("000000000000002-bbbb"), undefined, {
        alerts: [alert("incident|detected", { group: "shop" })],
      });
      await store.writeIncident(incident("000000000000001-aaaa"), undefined);
      await store.writeIncident(incident("000000000000003-cccc", "catalog"), undefined);
      await store.writeLeverView("shop", { readAt: AT, epoch: 1, clusters: {} });
      const state = await store.readRunbookState();
      assert.deepEqual(Object.keys(state.kept).sort(), ["alert-x", "shop"]);
      assert.deepEqual(state.kept["shop"]?.states, { westeurope: down });
      assert.equal(state.kept["shop"]?.etag, (await store.readRegionStates("shop")).etag);
      assert.deepEqual(
        Object.fromEntries(
          Object.entries(state.incidents).map(([g, list]) => [g, list.map((i) => i.incident.id)]),
        ),
        {
          shop: ["000000000000001-aaaa", "000000000000002-bbbb"],
          catalog: ["000000000000003-cccc"],
        },
      );
      assert.deepEqual(
        state.incidents["shop"]?.map((i) => i.etag),
        (await store.readIncidents("shop")).map((i) => i.etag),
        "the versions, for conditional writes",
      );
      assert.deepEqual(Object.keys(state.leverViews), ["shop"]);
      assert.deepEqual(await store.readLeverViews(), state.leverViews);
    });

    it("keeps times to the millisecond", async () => {
      const store = await fixture.create();
      const at = 1_799_999_999_999;
      await record(store, [observation("a", "shop", "westeurope", { at })], at);
      assert.equal((await observationsOf(store, "shop"))[0]?.at, at);
      assert.equal((await heartbeatsOf(store))[0]?.at, at);
    });

    it("does not share rows between two stores", async () => {
      const one = await fixture.create();
      const two = await fixture.create();
      await record(one, [observation("a", "shop", "westeurope")]);
      assert.deepEqual(await observationsOf(two, "shop"), []);
    });

    it("has no lease until one is created, then returns it with its version", async () => {
      const store = await fixture.create();
      assert.equal(await store.readLease(), undefined);
      const etag = await store.createLease(lease("a#1", 1));
      assert.deepEqual(await store.readLease(), { record: lease("a#1", 1), etag });
    });

    it("refuses to create a lease that exists, as a conflict", async () => {
      const store = await fixture.create();
      await store.createLease(lease("a#1", 1));
      await assert.rejects(store.createLease(lease("b#1", 1)), isConflict);
      assert.equal((await store.readLease())?.record.holder, "a#1");
    });

    it("replaces the lease only at the version read, and each write makes a new version", async () => {
      const store = await fixture.create();
      const first = await store.createLease(lease("a#1", 1));
      const second = await store.replaceLease(lease("a#1", 1, "w2"), first);
      assert.notEqual(second, first);
      await assert.rejects(store.replaceLease(lease("b#1", 2), first), isConflict);
      const third = await store.replaceLease(lease("b#1", 2), second);
      assert.deepEqual(await store.readLease(), { record: lease("b#1", 2), etag: third });
    });

    it("appends actions and returns them oldest first, never merging two at the same time", async () => {
      const store = await fixture.create();
      const base = { actor: "a#1", epoch: 1, name: "record-verdicts", group: "shop" };
      await store.appendAction({ ...base, at: AT + 5, outcome: "done" });
      await store.appendAction({ ...base, at: AT, outcome: "refused", reason: "stale epoch 1" });
      await store.appendAction({ ...base, at: AT, outcome: "done" });
      const actions = await store.readActions();
      assert.equal(actions.length, 3);
      assert.deepEqual(
        actions.map((a) => a.at),
        [AT, AT, AT + 5],
      );
      const { id, ...refused } = actions.find((a) => a.outcome === "refused")!;
      assert.deepEqual(refused, { ...base, at: AT, outcome: "refused", reason: "stale epoch 1" });
      const ids = actions.map((a) => a.id!);
      assert.equal(typeof id, "string");
      assert.equal(new Set(ids).size, 3, "every entry has its own id");
      assert.deepEqual([...ids].sort().reverse(), ids, "ids sort newest first");
    });

    it("keeps the region verdicts of each group, each write conditional on the version read", async () => {
      const store = await fixture.create();
      assert.deepEqual(await store.readRegionStates("shop"), { states: {} });
      const down = {
        verdict: "down" as const,
        since: AT,
        epoch: 2,
        reason: "every observer saw it fail",
      };
      await store.writeRegionStates("shop", { westeurope: down }, undefined);
      await assert.rejects(
        store.writeRegionStates("shop", { westeurope: down }, undefined),
        isConflict,
      );
      const first = await store.readRegionStates("shop");
      assert.deepEqual(first.states, { westeurope: down });
      const recovering = {
        verdict: "recovering" as const,
        since: AT + 1,
        epoch: 2,
        reason: "passing again",
        recoveringSince: AT + 1,
      };
      await store.writeRegionStates("shop", { westeurope: recovering }, first.etag);
      await assert.rejects(
        store.writeRegionStates("shop", { westeurope: down }, first.etag),
        isConflict,
      );
      assert.deepEqual((await store.readRegionStates("shop")).states, { westeurope: recovering });
      assert.deepEqual(await store.readRegionStates("catalog"), { states: {} });
    });

    it("keeps the highest epoch granted as a floor, through creates and replaces", async () => {
      const store = await fixture.create();
      assert.equal(await store.readEpochFloor(), 0);
      const etag = await store.createLease(lease("a#1", 3));
      assert.equal(await store.readEpochFloor(), 3);
      await store.replaceLease(lease("b#1", 4), etag);
      assert.equal(await store.readEpochFloor(), 4);
      await assert.rejects(store.replaceLease(lease("c#1", 9), etag), isConflict);
      assert.equal(await store.readEpochFloor(), 4, "a refused write does not raise the floor");
    });

    it("pause flags: absent at first, written over the version read, and a stale write is a conflict", async () => {
      const store = await fixture.create();
      const first = await store.readPause();
      assert.deepEqual([first.all, first.groups, first.etag], [false, [], undefined]);
      await store.writePause({ all: false, groups: ["shop"] }, { expected: {} });
      await assert.rejects(
        store.writePause({ all: true, groups: [] }, { expected: {} }),
        (e: unknown) => isStoreError(e) && e.kind === "conflict",
        "creating when a row exists",
      );
      const read = await store.readPause();
      assert.deepEqual(read.groups, ["shop"]);
      await store.writePause({ all: true, groups: ["shop"] }, { expected: { etag: read.etag! } });
      await assert.rejects(
        store.writePause({ all: false, groups: [] }, { expected: { etag: read.etag! } }),
        (e: unknown) => isStoreError(e) && e.kind === "conflict",
        "writing over a version that changed",
      );
      assert.equal((await store.readPause()).all, true);
      await store.writePause({ all: false, groups: [] });
      assert.equal((await store.readPause()).all, false, "an unconditional write replaces");
    });

    it("reads one incident by group and id, with its version, in one read", async () => {
      const store = await fixture.create();
      await store.writeIncident(incident("000000000000001-aaaa"), undefined);
      await store.writeIncident(incident("000000000000002-bbbb", "catalog"), undefined);
      const [listed] = await store.readIncidents("shop");
      assert.deepEqual(await store.readIncident("shop", "000000000000001-aaaa"), listed);
      assert.equal(await store.readIncident("catalog", "000000000000001-aaaa"), undefined);
      assert.equal(await store.readIncident("shop", "000000000000009-none"), undefined);
      assert.equal(
        (await store.readIncident("catalog", "000000000000002-bbbb"))?.incident.group,
        "catalog",
      );
    });

    // A data step waiting on a slow ARM notes most ticks: an incident's history can outgrow one
    // Table String property (64 KiB; Azurite refused such a row with 400, and the incident could
    // never be written again). Non-ASCII notes make the UTF-16 size count.
    it("writes and reads back an incident whose JSON outgrows one property, and rewrites it longer", async () => {
      const store = await fixture.create();
      const long = (lines: number): Incident => {
        const base = incident("000000000000001-aaaa");
        return {
          ...base,
          history: Array.from({ length: lines }, (_, i) => ({
            step: "detected" as const,
            at: AT + i,
            epoch: 1,
            note: `line ${i}: moving data to northeurope — products cannot be read; reviews' copy in northeurope cannot be reached either ✓`,
          })),
        };
      };
      const first = long(400);
      assert.ok(JSON.stringify(first).length > 40_000);
      await store.writeIncident(first, undefined);
      const read = await store.readIncident("shop", first.id);
      assert.deepEqual(read?.incident, first);
      const longer = long(1200);
      await store.writeIncident(longer, read!.etag);
      assert.deepEqual((await store.readIncidents("shop"))[0]?.incident, longer);
    });

    it("deletes an incident at the version read; one changed since stays, one gone is no error", async () => {
      const store = await fixture.create();
      await store.writeIncident(incident("000000000000001-aaaa"), undefined, {
        alerts: [alert("incident|detected", { group: "shop", at: AT + 1 })],
      });
      await store.writeIncident(incident("000000000000002-bbbb"), undefined);
      const [first, second] = await store.readIncidents("shop");
      await store.writeIncident(incident("000000000000002-bbbb", "shop", 2), second!.etag);
      await assert.rejects(
        store.deleteIncident("shop", "000000000000002-bbbb", second!.etag),
        isConflict,
      );
      await store.deleteIncident("shop", "000000000000001-aaaa", first!.etag);
      await store.deleteIncident("shop", "000000000000001-aaaa", first!.etag);
      assert.deepEqual(
        (await store.readIncidents("shop")).map((s) => s.incident.id),
        ["000000000000002-bbbb"],
      );
      assert.deepEqual(
        keys(await store.readOutbox(["shop"])),
        ["incident|detected"],
        "its alerts are the outbox's to keep",
      );
    });

    it("writes an incident and its alerts in one write: a refused write adds neither", async () => {
      const store = await fixture.create();
      await store.writeIncident(incident("000000000000001-aaaa"), undefined, {
        alerts: [alert("incident|detected", { group: "shop", at: AT + 1 })],
      });
      const [stored] = await store.readIncidents("shop");
      assert.equal(stored?.incident.id, "000000000000001-aaaa", "alert rows are not incidents");
      await assert.rejects(
        store.writeIncident(incident("000000000000001-aaaa", "shop", 2), 'W/"stale"', {
          alerts: [alert("incident|started", { group: "shop" })],
        }),
        isConflict,
      );
      await store.writeIncident(incident("000000000000001-aaaa", "shop", 2), stored!.etag, {
        alerts: [alert("incident|started", { group: "shop", at: AT + 2 })],
      });
      assert.deepEqual(keys(await store.readOutbox(["shop"])), [
        "incident|detected",
        "incident|started",
      ]);
      assert.deepEqual(
        (await store.readIncidents("shop")).map((s) => s.incident.history.length),
        [2],
        "still one incident, now with two lines",
      );
      assert.deepEqual(await store.readOutbox(["catalog"]), [], "another group's outbox");
    });

    it("writes kept verdicts and their alerts in one write: a refused write adds neither", async () => {
      const store = await fixture.create();
      const down = { verdict: "down" as const, since: AT, epoch: 1, reason: "down" };
      await store.writeRegionStates("shop", { westeurope: down }, undefined, {
        alerts: [alert("down-1")],
      });
      await assert.rejects(
        store.writeRegionStates("shop", { westeurope: down }, undefined, {
          alerts: [alert("down-2")],
        }),
        isConflict,
      );
      assert.deepEqual(keys(await store.readOutbox([])), ["down-1"]);
      assert.deepEqual((await store.readRegionStates("shop")).states, { westeurope: down });
    });

    it("adds an enqueued alert once: the same key again leaves the row as it is, sent or not", async () => {
      const store = await fixture.create();
      await store.enqueueAlerts([alert("stale|beat-7"), alert("lease|2", { at: AT - 5 })]);
      await store.enqueueAlerts([alert("stale|beat-7", { title: "again" })]);
      const rows = await store.readOutbox([]);
      assert.deepEqual(keys(rows), ["lease|2", "stale|beat-7"], "oldest alert first");
      const stale = rows.find((r) => r.row.alert.key === "stale|beat-7")!;
      assert.equal(stale.row.alert.title, "title stale|beat-7");
      await store.updateOutbox(stale.ref, { ...stale.row, done: true, doneAt: AT }, stale.etag);
      await store.enqueueAlerts([alert("stale|beat-7")]);
      assert.deepEqual(keys(await store.readOutbox([])), ["lease|2"], "a done row is not re-added");
    });

    it("claims and marks an outbox row only at the version read", async () => {
      const store = await fixture.create();
      await store.enqueueAlerts([alert("a")]);
      const [read] = await store.readOutbox([]);
      const claimed = await store.updateOutbox(
        read!.ref,
        { ...read!.row, claim: { holder: "westeurope#1", epoch: 3 } },
        read!.etag,
      );
      await assert.rejects(
        store.updateOutbox(
          read!.ref,
          { ...read!.row, claim: { holder: "northeurope#1", epoch: 3 } },
          read!.etag,
        ),
        isConflict,
        "a second claim at the same version",
      );
      const sent = {
        ...read!.row,
        claim: { holder: "westeurope#1", epoch: 3 },
        deliveries: { ops: { state: "sent" as const, attempts: 1, at: AT, status: 202 } },
        done: true,
        doneAt: AT,
      };
      await store.updateOutbox(read!.ref, sent, claimed);
      assert.deepEqual(await store.readOutbox([]), [], "a done row is not unsent");
      assert.equal(await store.pruneOutbox([], AT), 0, "marked at AT: not before AT");
      assert.equal(await store.pruneOutbox([], AT + 1), 1);
    });

    it("keeps one record per alert channel", async () => {
      const store = await fixture.create();
      assert.deepEqual(await store.readAlertChannels(), {});
      const record = {
        delivered: 3,
        failed: 1,
        failing: 0,
        lastDelivery: { at: AT, type: "region.down", status: 202 },
        disabled: { at: AT, reason: "410 Gone", fingerprint: "abc" },
      };
      await store.writeAlertChannel("ops", record);
      await store.writeAlertChannel("pager", { delivered: 0, failed: 0, failing: 0 });
      await store.enqueueAlerts([alert("x")]);
      assert.deepEqual(await store.readAlertChannels(), {
        ops: record,
        pager: { delivered: 0, failed: 0, failing: 0 },
      });
    });

    it("lever views: none at first, one per group read in one call, each write replacing the last", async () => {
      const store = await fixture.create();
      assert.deepEqual(await store.readLeverViews(), {});
      const view = {
        routing: {
          regions: [
            { region: "westeurope", enabled: true, priority: 1, weight: 10 },
            { region: "northeurope", enabled: false, priority: 2 },
          ],
          propagating: true,
        },
        clusters: {
          northeurope: { power: "Stopped" as const, nodePools: [{ name: "user", count: 0 }] },
        },
        readAt: 1_800_000_000_123,
        epoch: 4,
        problems: ["northeurope's cluster cannot be read: 429"],
      };
      await store.writeLeverView("shop", view);
      await store.writeLeverView("catalog", { clusters: {}, readAt: 1_800_000_000_000, epoch: 3 });
      assert.deepEqual(await store.readLeverViews(), {
        shop: view,
        catalog: { clusters: {}, readAt: 1_800_000_000_000, epoch: 3 },
      });
      const newer = { ...view, readAt: view.readAt + 10_000, epoch: 5 };
      await store.writeLeverView("shop", newer);
      assert.deepEqual((await store.readLeverViews())["shop"], newer);
    });

    it("readiness: none at first; each group's report and last drill read in one call, each write replacing the last", async () => {
      const store = await fixture.create();
      assert.deepEqual(await store.readReadiness(), { reports: {}, drills: {} });
      const report = {
        group: "shop",
        at: 1_800_000_000_123,
        verdict: "not-ready" as const,
        settled: "not-ready" as const,
        primary: "westeurope",
        standbys: ["northeurope"],
        checks: [
          {
            check: "capacity" as const,
            region: "northeurope",
            verdict: "not-ready" as const,
            evidence: "pool user reaches 4 of westeurope's 6",
            fix: "Raise maxCount",
          },
        ],
        startedAt: { northeurope: 1_799_000_000_000 },
      };
      const drill = {
        at: 1_800_000_000_000,
        expectedSeconds: 312,
        outcome: "completed",
        to: "northeurope",
        by: "ops",
      };
      await store.writeReadiness(report);
      await store.writeReadiness({ ...report, group: "catalog", checks: [] });
      await store.recordDrill("shop", drill);
      assert.deepEqual(await store.readReadiness(), {
        reports: { shop: report, catalog: { ...report, group: "catalog", checks: [] } },
        drills: { shop: drill },
      });
      await store.writeReadiness({ ...report, verdict: "ready", settled: "ready", checks: [] });
      await store.recordDrill("shop", { ...drill, expectedSeconds: 200 });
      const after = await store.readReadiness();
      assert.equal(after.reports["shop"]?.verdict, "ready");
      assert.equal(after.drills["shop"]?.expectedSeconds, 200);
    });
  });
  auditStoreContract(name, fixture);
  rollupStoreContract(name, fixture);
}
