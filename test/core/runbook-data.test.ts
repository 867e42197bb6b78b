// The runbook's data step (issue 30): a group's data stores move their primary with its traffic,
// before it (the default) or after it. Each rule has a scenario: planned only to a copy that has
// caught up, forced only with allowDataLoss and the primary's copy unreachable, asked once per
// store per incident (a takeover waits), refused with what to run by hand and traffic as the
// group's onDataFailure says, failback of data only when the group or a person says so.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type {
  DataPolicy,
  DataState,
  Incident,
  RunbookGroup,
  RunbookResult,
  RunbookStore,
  Step,
} from "../../src/core/index.js";
import { runbookStep } from "../../src/core/index.js";
import { DATA_ASKS_MAX, dataEvents } from "../../src/core/runbook-data-steps.js";
import { TEST_POLICY } from "../helpers/runbook-policy.js";
import { failover, routing, shop, situationAt, WEU_DOWN } from "../helpers/runbook-fixtures.js";

const NOW = 10_000_000;
const situation = situationAt(NOW, 3);

/** shop with one store, "orders" (and its manual commands), under `policy`. */
function withData(policy?: Partial<DataPolicy>, allowDataLoss = false): RunbookGroup {
  return {
    ...shop(),
    data: [
      {
        name: "orders",
        allowDataLoss,
        byHand: {
          neu: { planned: "move-orders neu", forced: "move-orders neu --lose-data" },
          weu: { planned: "move-orders weu", forced: "move-orders weu --lose-data" },
        },
      },
    ],
    ...(policy
      ? {
          dataPolicy: {
            order: "before-traffic",
            onDataFailure: "shift-traffic",
            failback: "manual",
            ...policy,
          },
        }
      : {}),
  };
}

/** shop with two stores neither of which allows data loss, `orders` (with `byHand`) and `carts`. */
const ordersAndCarts = (byHand?: RunbookStore["byHand"]): RunbookGroup => ({
  ...withData(),
  data: [
    { name: "orders", allowDataLoss: false, ...(byHand ? { byHand } : {}) },
    { name: "carts", allowDataLoss: false },
  ],
});

/** A store whose primary is `primary`; `neu` and `weu` copies as given. */
function store(
  primary: string | undefined,
  over: {
    weu?: Partial<DataState["regions"][string]>;
    neu?: Partial<DataState["regions"][string]>;
    changing?: boolean;
  } = {},
): DataState {
  return {
    ...(primary ? { primary } : {}),
    changing: over.changing ?? false,
    regions: {
      weu: { reachable: true, caughtUp: primary !== "weu", ...over.weu },
      neu: { reachable: true, caughtUp: primary !== "neu", replication: "CATCH_UP", ...over.neu },
    },
  };
}

/** An automatic failover of shop from weu to neu at `step` since NOW. */
const at = (step: Step, over: Partial<Incident> = {}): Incident =>
  failover({
    step,
    stepStartedAt: NOW,
    openedAt: NOW,
    history: [{ step, at: NOW, epoch: 3, note: "earlier" }],
    ...over,
  });

/** An automatic failback of shop from neu to weu at `step` since NOW. */
const automaticFailback = (step: Step): Incident =>
  at(step, {
    kind: "failback",
    trigger: "automatic",
    from: "neu",
    to: "weu",
    shift: { kind: "promote", region: "weu" },
  });

const step = (
  group: RunbookGroup,
  incident: Incident,
  data: Record<string, DataState | undefined>,
  over = {},
) =>
  runbookStep(
    group,
    situation({ kept: WEU_DOWN, open: incident, data, ...over }),
    TEST_POLICY,
    "new",
  );

const after = (r: RunbookResult, before: Incident) => r.incident ?? before;

describe("runbook: the data step's place", () => {
  it("a confirmed failover of a group with data moves the data before traffic (default)", () => {
    const r = step(withData(), at("confirmed"), {});
    assert.equal(after(r, at("confirmed")).step, "moving-data");
    assert.deepEqual(r.effects, []);
  });

  it("a group without data shifts traffic straight after confirmation", () => {
    const r = step(shop(), at("confirmed"), {});
    assert.equal(after(r, at("confirmed")).step, "shifting-traffic");
  });

  it("with after-traffic, verification moves on to the data step, then completes", () => {
    const group = withData({ order: "after-traffic" });
    const confirmed = step(group, at("confirmed"), {});
    assert.equal(after(confirmed, at("confirmed")).step, "shifting-traffic");
    const verifying = at("verifying");
    const verified = step(group, verifying, {}, { routing: routing(["neu", "weu"]) });
    assert.equal(after(verified, verifying).step, "moving-data");
    const moving = at("moving-data");
    const done = step(group, moving, { orders: store("neu") });
    assert.equal(after(done, moving).step, "completed");
  });
});

describe("runbook: moving data safely", () => {
  const moving = at("moving-data");

  it("asks for a planned failover to a copy that has caught up, and records the ask", () => {
    const r = step(withData(), moving, { orders: store("weu") });
    assert.deepEqual(r.effects, [
      { kind: "data-failover", store: "orders", region: "neu", mode: "planned" },
    ]);
    assert.deepEqual(after(r, moving).dataAsked, {
      orders: { region: "neu", mode: "planned", at: NOW, epoch: 3 },
    });
    assert.equal(after(r, moving).step, "moving-data");
  });

  it("never asks twice: an ask on record (a takeover's) waits for Azure", () => {
    const asked = at("moving-data", {
      dataAsked: { orders: { region: "neu", mode: "planned", at: NOW - 1, epoch: 2 } },
    });
    const r = step(withData(), asked, { orders: store("weu") });
    assert.deepEqual(r.effects, []);
    assert.match(after(r, asked).history.at(-1)!.note, /asked to make neu its primary/);
  });

  it("asks again only after an ask known to have failed, once its backoff is over", () => {
    const failed = at("moving-data", {
      dataAsked: { orders: { region: "neu", mode: "planned", at: NOW - 5000, epoch: 3 } },
    });
    const r = runbookStep(
      withData(),
      situation({
        kept: WEU_DOWN,
        open: failed,
        data: { orders: store("weu") },
        failure: { change: "data-failover orders", error: "500", at: NOW - 1000, store: "orders" },
      }),
      TEST_POLICY,
      "new",
    );
    assert.deepEqual(r.effects, [], "not during the backoff");
    const retrying = after(r, failed);
    assert.equal(retrying.dataFailed?.["orders"], NOW - 1000);
    const later = runbookStep(
      withData(),
      situationAt(
        retrying.retryAt!,
        3,
      )({ kept: WEU_DOWN, open: retrying, data: { orders: store("weu") } }),
      TEST_POLICY,
      "new",
    );
    assert.equal(later.effects.length, 1, "asked again after the backoff");
  });

  it("a new ask clears its store's failure, so a holder's clock ahead never makes a second ask", () => {
    // The last ask failed, recorded by a holder whose clock runs a minute ahead of this one's.
    const failed = at("moving-data", {
      dataAsked: { orders: { region: "neu", mode: "planned", at: NOW - 5000, epoch: 2 } },
      dataFailed: { orders: NOW + 60_000 },
    });
    const again = step(withData(), failed, { orders: store("weu") });
    assert.equal(again.effects.length, 1, "asked again: the last ask failed");
    const asked = after(again, failed);
    assert.equal(asked.dataFailed, undefined, "cleared in the write of the new ask");
    const next = step(withData(), asked, { orders: store("weu") });
    assert.deepEqual(next.effects, [], "the new ask is waited for");
  });

  it("a record of asks that could not be read back counts as asked: it waits", () => {
    const unreadable = at("moving-data", { dataAskedUnreadable: true });
    const r = step(withData(), unreadable, { orders: store("weu") });
    assert.deepEqual(r.effects, []);
    assert.match(after(r, unreadable).history.at(-1)!.note, /could not be read back/);
  });

  it("asks one store a tick, so no ask is recorded that the tick cannot send", () => {
    const two = ordersAndCarts();
    const first = step(two, moving, { orders: store("weu"), carts: store("weu") });
    assert.deepEqual(
      first.effects.map((e) => e.kind === "data-failover" && e.store),
      ["orders"],
    );
    const next = after(first, moving);
    assert.deepEqual(Object.keys(next.dataAsked ?? {}), ["orders"]);
    const second = step(two, next, {
      orders: store("weu", { changing: true }),
      carts: store("weu"),
    });
    assert.deepEqual(
      second.effects.map((e) => e.kind === "data-failover" && e.store),
      ["carts"],
    );
  });

  it("waits while a change of primary is under way, and for a store it cannot read", () => {
    for (const data of [{ orders: store("weu", { changing: true }) }, { orders: undefined }, {}]) {
      const r = step(withData(), moving, data);
      assert.deepEqual(r.effects, [], JSON.stringify(data));
      assert.equal(after(r, moving).step, "moving-data");
    }
  });

  it("waits for a copy that has not caught up, never forcing it while the primary answers", () => {
    const r = step(withData(undefined, true), moving, {
      orders: store("weu", { neu: { caughtUp: false, replication: "SEEDING", lagSeconds: 12 } }),
    });
    assert.deepEqual(r.effects, []);
    assert.match(
      after(r, moving).history.at(-1)!.note,
      /neu has not caught up \(SEEDING, 12 s behind\)/,
    );
  });

  it("forces a failover only when the store allows data loss and its primary is unreachable", () => {
    const lost = { orders: store("weu", { weu: { reachable: false }, neu: { caughtUp: false } }) };
    const allowed = step(withData(undefined, true), moving, lost);
    assert.deepEqual(allowed.effects, [
      { kind: "data-failover", store: "orders", region: "neu", mode: "forced" },
    ]);
    const refused = step(withData(), moving, lost);
    assert.deepEqual(refused.effects, []);
    assert.equal(refused.refusal?.rule, "data-loss");
  });

  it("forces only when the observers keep the primary's region down, never in a practice", () => {
    const lost = { orders: store("weu", { weu: { reachable: false }, neu: { caughtUp: false } }) };
    // A person's failover (an automatic one would end: its source is no longer down).
    const manual = at("moving-data", { trigger: "manual" });
    const suspect = step(withData(undefined, true), manual, lost, {
      kept: { weu: "suspect", neu: "healthy" },
    });
    assert.deepEqual(suspect.effects, [], "one read of one server is not enough");
    assert.equal(after(suspect, manual).step, "moving-data");
    assert.match(after(suspect, manual).history.at(-1)!.note, /weu is suspect, not down/);
    const down = step(withData(undefined, true), manual, lost);
    assert.equal(down.effects.length, 1, "forced once the observers keep weu down");
    const practice = at("moving-data", { trigger: "practice" });
    const drill = step(withData(undefined, true), practice, lost);
    assert.deepEqual(drill.effects, []);
    assert.equal(drill.refusal?.rule, "data-loss");
    assert.match(
      after(drill, practice).dataRefused?.["orders"] ?? "",
      /practice failover never forces/,
    );
  });

  it("moves on to the traffic once the target is the primary, refusing and telling nothing", () => {
    const r = step(withData(), moving, { orders: store("neu") });
    const next = after(r, moving);
    assert.equal(next.step, "shifting-traffic");
    assert.equal(r.refusal, undefined);
    assert.equal(next.dataRefused, undefined);
    assert.match(next.history.at(-1)!.note, /^neu is the primary of orders; shifting traffic/);
    const later = step(withData({ order: "after-traffic" }), moving, { orders: store("neu") });
    assert.equal(after(later, moving).step, "completed");
    assert.match(after(later, moving).history.at(-1)!.note, /neu is the primary of orders$/);
  });

  it("data first: does not ask while the target is not healthy, and says why", () => {
    for (const neu of ["suspect", "down", "recovering"] as const) {
      const r = step(withData(), moving, { orders: store("weu") }, { kept: { weu: "down", neu } });
      assert.deepEqual(r.effects, [], neu);
      assert.equal(after(r, moving).dataAsked, undefined, neu);
      assert.equal(after(r, moving).step, "moving-data", neu);
      assert.match(after(r, moving).history.at(-1)!.note, new RegExp(`neu is ${neu}, not healthy`));
    }
    const overridden = step(
      withData(),
      at("moving-data", { override: true }),
      { orders: store("weu") },
      { kept: { weu: "down", neu: "suspect" } },
    );
    assert.equal(overridden.effects.length, 1, "a person's override asks all the same");
  });

  it("data after traffic, and an automatic failback carrying it: no ask while the target is not healthy", () => {
    const back = automaticFailback("moving-data");
    const cases = [
      // Traffic moved to neu and was verified; neu turned sick before its data was asked.
      {
        group: withData({ order: "after-traffic" }),
        incident: moving,
        data: store("weu"),
        target: "neu",
        other: "weu",
      },
      // The dwell passed and weu's traffic returned; weu turned sick before its data was asked.
      {
        group: withData({ failback: "with-traffic" }),
        incident: back,
        data: store("neu"),
        target: "weu",
        other: "neu",
      },
    ];
    for (const { group, incident, data, target, other } of cases)
      for (const health of ["suspect", "down", "recovering"] as const) {
        const r = step(
          group,
          incident,
          { orders: data },
          { kept: { [target]: health, [other]: "healthy" } },
        );
        const said = `${incident.kind} to ${target}, ${health}`;
        assert.deepEqual(r.effects, [], said);
        assert.equal(after(r, incident).dataAsked, undefined, said);
        assert.equal(after(r, incident).step, "moving-data", said);
        assert.match(
          after(r, incident).history.at(-1)!.note,
          new RegExp(`not asked, ${target} is ${health}, not healthy`),
          said,
        );
      }
  });

  it("aborts before asking when the source is no longer down", () => {
    const r = step(
      withData(),
      moving,
      { orders: store("weu") },
      { kept: { weu: "recovering", neu: "healthy" } },
    );
    assert.equal(after(r, moving).step, "aborted");
    assert.deepEqual(r.effects, []);
  });
});

describe("runbook: a refused data step", () => {
  const moving = at("moving-data");
  const lost = { orders: store("weu", { weu: { reachable: false } }) };

  it("says why and what to run by hand, and shifts traffic anyway by default", () => {
    const r = step(withData(), moving, lost);
    const next = after(r, moving);
    assert.equal(next.step, "shifting-traffic");
    assert.match(
      next.dataRefused?.["orders"] ?? "",
      /cannot be reached.*allowDataLoss.*by hand: move-orders neu --lose-data/,
    );
    assert.match(
      next.history.at(-1)!.note,
      /traffic moves anyway \(onDataFailure: shift-traffic\)/,
    );
  });

  it("holds traffic and fails the incident with hold-traffic", () => {
    const r = step(withData({ onDataFailure: "hold-traffic" }), moving, lost);
    assert.equal(after(r, moving).step, "failed");
    assert.match(after(r, moving).history.at(-1)!.note, /traffic held/);
  });

  it("after traffic: completes with the store named as not moved", () => {
    const r = step(withData({ order: "after-traffic" }), moving, lost);
    assert.equal(after(r, moving).step, "completed");
    assert.ok(after(r, moving).dataRefused?.["orders"]);
  });

  it("reports stores not moved within the data timeout, with the planned command", () => {
    const r = runbookStep(
      withData(),
      situationAt(
        NOW + 61_000,
        3,
      )({ kept: WEU_DOWN, open: moving, data: { orders: store("weu", { changing: true }) } }),
      TEST_POLICY,
      "new",
    );
    assert.equal(after(r, moving).step, "shifting-traffic");
    assert.match(
      after(r, moving).dataRefused?.["orders"] ?? "",
      /within 60 s.*by hand: move-orders neu$/,
    );
  });
});

describe("runbook: paused in the data step", () => {
  it("waits out the data timeout, not the step timeout, then fails", () => {
    const policy = { ...TEST_POLICY, dataTimeoutMs: 300_000 };
    const moving = at("moving-data", {
      dataAsked: { orders: { region: "neu", mode: "planned", at: NOW, epoch: 3 } },
    });
    const paused = (now: number) =>
      runbookStep(
        withData(),
        situationAt(now, 3)({ kept: WEU_DOWN, open: moving, paused: true }),
        policy,
        "new",
      );
    const early = paused(NOW + 120_000);
    assert.equal(after(early, moving).step, "moving-data", "past stepTimeoutMs, within the data's");
    assert.equal(early.refusal?.rule, "automation-paused");
    const late = paused(NOW + 301_000);
    assert.equal(after(late, moving).step, "failed");
    assert.match(after(late, moving).history.at(-1)!.note, /within 300 s/);
    const pages = dataEvents(moving, after(late, moving), withData().data);
    assert.deepEqual(
      pages.map((e) => e.type === "data.stranded" && e.reason.includes("move-orders weu")),
      [true],
      "the ask on record pages, with the command to move the store back",
    );
  });
});

describe("runbook: data on failback", () => {
  const failback = (trigger: Incident["trigger"]) =>
    at("confirmed", {
      kind: "failback",
      trigger,
      from: "neu",
      to: "weu",
      shift: { kind: "promote", region: "weu" },
    });
  const healthy = { kept: { weu: "healthy", neu: "healthy" } } as const;
  const next = (group: RunbookGroup, i: Incident) =>
    after(runbookStep(group, situation({ ...healthy, open: i }), TEST_POLICY, "new"), i).step;

  it("an automatic failback leaves the data where it is unless the group says with-traffic", () => {
    assert.equal(next(withData(), failback("automatic")), "shifting-traffic");
    assert.equal(
      next(withData({ failback: "with-traffic" }), failback("automatic")),
      "moving-data",
    );
  });

  it("a person's failback moves the data back", () => {
    assert.equal(next(withData(), failback("manual")), "moving-data");
  });
});

// Rules `npm run mutate -- --mutate src/core/runbook-data-steps.ts` found untested.
describe("runbook: what a store's read does not allow", () => {
  const moving = at("moving-data");

  it("waits, asking nothing, while the store cannot tell which copy is its primary", () => {
    const r = step(withData(undefined, true), moving, { orders: store(undefined) });
    assert.deepEqual(r.effects, []);
    assert.equal(after(r, moving).step, "moving-data");
    assert.match(after(r, moving).history.at(-1)!.note, /orders: its primary cannot be told/);
  });

  it("refuses a store with no copy in the target region, saying so", () => {
    const only: DataState = {
      primary: "weu",
      changing: false,
      regions: { weu: store("weu").regions["weu"]! },
    };
    const r = step(withData(), moving, { orders: only });
    assert.deepEqual(r.effects, []);
    assert.equal(r.refusal?.rule, "data-loss");
    assert.match(after(r, moving).dataRefused?.["orders"] ?? "", /orders has no copy in neu/);
  });

  it("never forces onto a copy that cannot be reached either, even with allowDataLoss", () => {
    const bothLost = store("weu", {
      weu: { reachable: false },
      neu: { reachable: false, caughtUp: false },
    });
    const r = step(withData(undefined, true), moving, { orders: bothLost });
    assert.deepEqual(r.effects, []);
    assert.match(after(r, moving).history.at(-1)!.note, /copy in neu cannot be reached either/);
  });

  it("a person's failover goes on to the data when the source is healthy (only an automatic one's reason must still hold)", () => {
    const manual = at("moving-data", { trigger: "manual", requestedBy: "ops" });
    const r = step(
      withData(),
      manual,
      { orders: store("weu") },
      { kept: { weu: "healthy", neu: "healthy" } },
    );
    assert.equal(after(r, manual).step, "moving-data");
    assert.deepEqual(r.effects, [
      { kind: "data-failover", store: "orders", region: "neu", mode: "planned" },
    ]);
  });

  it("moves on only when every store is in the target region, not the first", () => {
    const two = ordersAndCarts();
    const asked = at("moving-data", {
      dataAsked: { carts: { region: "neu", mode: "planned", at: NOW - 1, epoch: 3 } },
    });
    const r = step(two, asked, { orders: store("neu"), carts: store("weu") });
    assert.equal(after(r, asked).step, "moving-data");
    assert.deepEqual(r.effects, []);
  });

  it("an automatic failback with the data moves it though the region it leaves is healthy", () => {
    const back = automaticFailback("moving-data");
    const r = step(
      withData({ failback: "with-traffic" }),
      back,
      { orders: store("neu") },
      { kept: { weu: "healthy", neu: "healthy" } },
    );
    assert.equal(after(r, back).step, "moving-data");
    assert.deepEqual(r.effects, [
      { kind: "data-failover", store: "orders", region: "weu", mode: "planned" },
    ]);
  });
});

describe("runbook: the data events an incident's new version tells of", () => {
  const ask = { region: "neu", mode: "planned" as const, at: NOW, epoch: 3 };

  it("each new ask and each new refusal once; nothing already on the earlier version", () => {
    const before = at("moving-data", { dataAsked: { orders: ask } });
    const after = at("moving-data", {
      dataAsked: { orders: ask, carts: { ...ask, mode: "forced", at: NOW + 1 } },
      dataRefused: { lines: "lines has no copy in neu" },
    });
    assert.deepEqual(dataEvents(before, after), [
      {
        type: "data.failover-asked",
        group: "shop",
        incident: after.id,
        store: "carts",
        region: "neu",
        mode: "forced",
        askedAt: NOW + 1,
      },
      {
        type: "data.refused",
        group: "shop",
        incident: after.id,
        store: "lines",
        region: "neu",
        reason: "lines has no copy in neu",
      },
    ]);
    assert.deepEqual(dataEvents(after, after), [], "a rewrite repeats none");
  });

  it("a store asked again (after a failed ask) is told again; a first version tells all", () => {
    const before = at("moving-data", { dataAsked: { orders: ask } });
    const again = at("moving-data", { dataAsked: { orders: { ...ask, at: NOW + 5000 } } });
    assert.equal(dataEvents(before, again).length, 1);
    assert.equal(dataEvents(undefined, before).length, 1);
  });
});

describe("runbook: stranded data when the record of asks did not read back", () => {
  it("an incident that ends with its asks unreadable pages for every store it may have asked", () => {
    const before = at("moving-data", { dataAskedUnreadable: true });
    const ended = at("failed", { dataAskedUnreadable: true });
    const pages = dataEvents(before, ended, withData().data);
    assert.deepEqual(
      pages.map((e) => e.type === "data.stranded" && e.store),
      ["orders"],
    );
    assert.match(
      pages[0]!.type === "data.stranded" ? pages[0]!.reason : "",
      /orders may have been asked to make neu its primary.*did not read back/,
    );
  });
});

// A third reading's findings (2026-12-07): each rule below was missing before.
describe("runbook: the data step under a sick control plane and a flickering source", () => {
  const moving = at("moving-data");
  const lost = { orders: store("weu", { weu: { reachable: false } }) };

  it("a primary that one read finds unreachable, while the observers do not keep its region down, is waited for, not refused", () => {
    // A person's failover (an automatic one would abort: its source is not down).
    const manual = at("moving-data", { trigger: "manual", requestedBy: "ops" });
    for (const weu of ["healthy", "suspect", "recovering"] as const) {
      const r = step(withData(), manual, lost, { kept: { weu, neu: "healthy" } });
      assert.deepEqual(r.effects, [], weu);
      assert.equal(r.refusal, undefined, weu);
      assert.equal(after(r, manual).dataRefused, undefined, weu);
      assert.match(after(r, manual).history.at(-1)!.note, new RegExp(`weu is ${weu}, not down`));
    }
  });

  it("a read that says nothing of the primary's copy decides nothing: no forced failover on it", () => {
    const partial: DataState = {
      primary: "weu",
      changing: false,
      regions: { neu: { reachable: true, caughtUp: true, replication: "CATCH_UP" } },
    };
    const r = step(withData(undefined, true), moving, { orders: partial });
    assert.deepEqual(r.effects, []);
    assert.equal(after(r, moving).step, "moving-data");
    assert.match(
      after(r, moving).history.at(-1)!.note,
      /says nothing of its primary's copy in weu/,
    );
  });

  it("a store that refused DATA_ASKS_MAX asks is given up with what to run by hand; failures that may pass, and another store's refusals, do not count", () => {
    /** orders' last ask failed for sure; `lines` are this step's failed-ask lines. */
    const failed = (lines: { store: string; refused: boolean }[]) =>
      at("moving-data", {
        attempts: lines.length,
        dataAsked: { orders: { region: "neu", mode: "planned", at: NOW - 5000, epoch: 3 } },
        dataFailed: { orders: NOW - 4000 },
        history: [
          { step: "moving-data", at: NOW, epoch: 3, note: "earlier" },
          ...lines.map((l, k) => ({
            step: "moving-data" as const,
            at: NOW + k,
            epoch: 3,
            note: `data-failover ${l.store} to neu (planned) failed (attempt ${k + 1}): ${l.refused ? "refused" : "not sent, could not be read"}`,
            attempt: k + 1,
            ...(l.refused ? { refused: true as const } : {}),
          })),
        ],
      });
    const refusedBy = (n: number) =>
      Array.from({ length: n }, () => ({ store: "orders", refused: true }));
    const two = ordersAndCarts({ neu: { planned: "move-orders neu", forced: "x" } });
    const data = { orders: store("weu"), carts: store("neu") };
    const ask = (i: Incident) => step(two, i, data);
    assert.equal(
      ask(failed(refusedBy(DATA_ASKS_MAX - 1))).effects.length,
      1,
      "asked again below the limit",
    );
    const passing = Array.from({ length: 5 }, () => ({ store: "orders", refused: false }));
    assert.equal(
      ask(failed(passing)).effects.length,
      1,
      "reads that failed before sending do not count",
    );
    const others = Array.from({ length: 5 }, () => ({ store: "carts", refused: true }));
    assert.equal(ask(failed(others)).effects.length, 1, "nor another store's refusals");
    const given = failed(refusedBy(DATA_ASKS_MAX));
    const r = ask(given);
    assert.deepEqual(r.effects, []);
    assert.equal(r.refusal?.rule, "data-loss");
    const next = after(r, given);
    assert.equal(next.step, "shifting-traffic", "traffic goes as onDataFailure says");
    assert.match(
      next.dataRefused?.["orders"] ?? "",
      /orders refused 3 asks .*by hand: move-orders neu$/,
    );
  });

  it("the data timeout runs on the wall clock: time spent waiting on ARM counts", () => {
    const slow = at("moving-data", { leverMs: 590_000 });
    const data = { orders: store("weu", { changing: true }) };
    const within = runbookStep(
      withData(),
      situationAt(NOW + 599_000, 3)({ kept: WEU_DOWN, open: slow, data }),
      { ...TEST_POLICY, dataTimeoutMs: 600_000 },
      "new",
    );
    assert.equal(after(within, slow).step, "moving-data");
    const at600 = runbookStep(
      withData(),
      situationAt(NOW + 600_000, 3)({ kept: WEU_DOWN, open: slow, data }),
      { ...TEST_POLICY, dataTimeoutMs: 600_000 },
      "new",
    );
    assert.equal(after(at600, slow).step, "moving-data", "not past the timeout at exactly its end");
    const past = runbookStep(
      withData(),
      situationAt(NOW + 601_000, 3)({ kept: WEU_DOWN, open: slow, data }),
      { ...TEST_POLICY, dataTimeoutMs: 600_000 },
      "new",
    );
    assert.equal(after(past, slow).step, "shifting-traffic");
    assert.match(after(past, slow).dataRefused?.["orders"] ?? "", /within 600 s/);
  });

  it("a practice whose data does not move holds traffic whatever onDataFailure says", () => {
    const practice = at("moving-data", { trigger: "practice" });
    const r = step(withData(undefined, true), practice, lost);
    assert.equal(after(r, practice).step, "failed");
    assert.match(
      after(r, practice).history.at(-1)!.note,
      /a practice never moves traffic without its data/,
    );
  });

  it("once a store was asked, the source's recovery no longer aborts: traffic follows the data; nothing asked, it aborts", () => {
    const recovered = { kept: { weu: "recovering", neu: "healthy" } } as const;
    const asked = {
      dataAsked: { orders: { region: "neu", mode: "forced" as const, at: NOW - 1, epoch: 3 } },
    };
    const waiting = at("moving-data", asked);
    const r = step(withData(), waiting, { orders: store("weu", { changing: true }) }, recovered);
    assert.equal(after(r, waiting).step, "moving-data");
    const done = step(withData(), waiting, { orders: store("neu") }, recovered);
    assert.equal(after(done, waiting).step, "shifting-traffic");
    const shifting = at("shifting-traffic", asked);
    const shift = step(
      withData(),
      shifting,
      { orders: store("neu") },
      { ...recovered, routing: routing(["weu", "neu"]) },
    );
    assert.deepEqual(
      shift.effects,
      [{ kind: "promote", region: "neu" }],
      "traffic follows the data",
    );
    const unread = at("shifting-traffic", { dataAskedUnreadable: true });
    const maybe = step(withData(), unread, {}, { ...recovered, routing: routing(["weu", "neu"]) });
    assert.deepEqual(
      maybe.effects,
      [{ kind: "promote", region: "neu" }],
      "a record that did not read back counts as asked",
    );
    const nothing = at("shifting-traffic");
    const aborts = step(
      withData(),
      nothing,
      {},
      { ...recovered, routing: routing(["weu", "neu"]) },
    );
    assert.equal(after(aborts, nothing).step, "aborted");
  });
});

// The simulator's findings (test/sim, six-minute sweeps; 2026-12-07).
describe("runbook: several stores, one refused; a target the kept verdict does not vouch for", () => {
  const two = (onDataFailure: DataPolicy["onDataFailure"] = "shift-traffic"): RunbookGroup => ({
    ...withData({ onDataFailure }),
    data: [
      { name: "orders", allowDataLoss: false },
      { name: "reviews", allowDataLoss: true },
    ],
  });
  const lostBoth = {
    orders: store("weu", { weu: { reachable: false } }),
    reviews: store("weu", { weu: { reachable: false } }),
  };

  it("one store refused, the others still follow where traffic goes anyway: the refused one is told once, the others asked", () => {
    const moving = at("moving-data");
    const first = step(two(), moving, lostBoth);
    const told = after(first, moving);
    assert.equal(told.step, "moving-data", "the step goes on for reviews");
    assert.equal(first.refusal?.rule, "data-loss");
    assert.match(told.dataRefused?.["orders"] ?? "", /allowDataLoss/);
    assert.deepEqual(
      dataEvents(moving, told).map((e) => `${e.type} ${(e as any).store}`),
      ["data.refused orders"],
    );
    const asked = step(two(), told, lostBoth);
    assert.deepEqual(asked.effects, [
      { kind: "data-failover", store: "reviews", region: "neu", mode: "forced" },
    ]);
    const moved = after(asked, told);
    const done = step(two(), moved, { orders: lostBoth.orders, reviews: store("neu") });
    const end = after(done, moved);
    assert.equal(end.step, "shifting-traffic");
    assert.match(end.history.at(-1)!.note, /the data of orders did not move.*traffic moves anyway/);
    assert.equal(done.refusal, undefined, "orders' refusal is not refused (audited) again");
    assert.deepEqual(dataEvents(moved, end), [], "nor told again");
  });

  it("with hold-traffic one refused store ends the step at once, the others not asked", () => {
    const moving = at("moving-data");
    const r = step(two("hold-traffic"), moving, lostBoth);
    assert.equal(after(r, moving).step, "failed");
    assert.deepEqual(r.effects, []);
  });

  it("a store that says it cannot be moved (multi-region writes: its writes follow traffic) counts as in place, never refused", () => {
    const moving = at("moving-data");
    const multi: DataState = {
      changing: false,
      regions: {
        weu: { reachable: true, caughtUp: false, replication: "MultiRegionWrites" },
        neu: { reachable: true, caughtUp: false, replication: "MultiRegionWrites" },
      },
      unmovable: "the account takes writes in every region",
    };
    for (const onDataFailure of ["shift-traffic", "hold-traffic"] as const) {
      const r = step(withData({ onDataFailure }), moving, { orders: multi });
      assert.deepEqual(r.effects, [], onDataFailure);
      assert.equal(r.refusal, undefined, onDataFailure);
      assert.equal(after(r, moving).step, "shifting-traffic", onDataFailure);
    }
  });

  it("a target healthy in this tick's evidence but not in the kept verdict is not asked to take the data", () => {
    const moving = at("moving-data");
    for (const kept of ["down", "suspect"] as const) {
      const r = step(
        withData(),
        moving,
        { orders: store("weu") },
        {
          kept: { weu: "down", neu: kept },
          evidence: { weu: "down", neu: "healthy" },
        },
      );
      assert.deepEqual(r.effects, [], kept);
      assert.match(
        after(r, moving).history.at(-1)!.note,
        new RegExp(`neu is kept ${kept}, not healthy`),
      );
    }
    const recovering = (dwelling: string[]) =>
      step(
        withData(),
        moving,
        { orders: store("weu") },
        {
          kept: { weu: "down", neu: "recovering" },
          evidence: { weu: "down", neu: "healthy" },
          dwelling,
        },
      );
    assert.deepEqual(recovering([]).effects, [], "recovering short of its dwell does not");
    assert.match(
      after(recovering([]), moving).history.at(-1)!.note,
      /neu is kept recovering short of its dwell, not healthy/,
    );
    assert.equal(recovering(["neu"]).effects.length, 1, "recovering in its dwell vouches for it");
  });
});

// A second reading of the afternoon's changes (2026-12-07).
describe("runbook: asks known not to have started, refusals on a failed tick, a paused data step", () => {
  const failedAsk = {
    dataAsked: { orders: { region: "neu", mode: "planned" as const, at: NOW - 5000, epoch: 3 } },
    dataFailed: { orders: NOW - 4000 },
  };
  const recovered = { kept: { weu: "recovering", neu: "healthy" } } as const;

  it("an ask known not to have started does not hold off the abort when the source recovers, nor pages as stranded", () => {
    const moving = at("moving-data", failedAsk);
    const r = step(withData(), moving, { orders: store("weu") }, recovered);
    assert.equal(after(r, moving).step, "aborted");
    assert.deepEqual(r.effects, []);
    const shifting = at("shifting-traffic", failedAsk);
    const shift = step(
      withData(),
      shifting,
      { orders: store("weu") },
      {
        ...recovered,
        routing: routing(["weu", "neu"]),
      },
    );
    assert.equal(after(shift, shifting).step, "aborted");
    assert.deepEqual(
      dataEvents(moving, after(r, moving), withData().data).filter(
        (e) => e.type === "data.stranded",
      ),
      [],
      "nothing was sent: nothing to move back",
    );
  });

  it("a store refused on the tick another store's ask failed is recorded on that tick (its page goes with the refusal)", () => {
    const two = ordersAndCarts();
    const asked = at("moving-data", {
      dataAsked: { orders: { region: "neu", mode: "planned", at: NOW - 5000, epoch: 3 } },
    });
    const r = runbookStep(
      two,
      situation({
        kept: WEU_DOWN,
        open: asked,
        data: { orders: store("weu"), carts: store("weu", { weu: { reachable: false } }) },
        failure: {
          change: "data-failover orders to neu (planned)",
          error: "400",
          at: NOW - 1000,
          store: "orders",
          storeRefused: true,
        },
      }),
      TEST_POLICY,
      "new",
    );
    const next = after(r, asked);
    assert.match(next.dataRefused?.["carts"] ?? "", /allowDataLoss/);
    assert.equal(next.dataFailed?.["orders"], NOW - 1000);
    assert.equal(next.history.at(-1)?.refused, true, "the failed ask's line counts as refused");
  });

  it("paused in the data step, its timeout is on the wall clock too", () => {
    const slow = at("moving-data", { leverMs: 590_000 });
    const r = runbookStep(
      withData(),
      situationAt(
        NOW + 601_000,
        3,
      )({
        kept: WEU_DOWN,
        open: slow,
        paused: true,
        data: { orders: store("weu", { changing: true }) },
      }),
      { ...TEST_POLICY, dataTimeoutMs: 600_000 },
      "new",
    );
    assert.equal(after(r, slow).step, "failed");
  });
});
