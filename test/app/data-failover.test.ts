// The data step through the lease holder's runbook tick (issue 30): `shop` with one data store,
// `orders`, whose kind is a test's and whose lever is the memory one (its calls logged), built by
// the composition root from the provider registry. A holder that dies with its ask in flight is
// taken over, and the new holder waits for the ask on record instead of asking again; a refused
// data step pages a person and leaves traffic as the group's onDataFailure says.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryDataControl } from "../../src/adapters/data/memory.js";
import { ArmError } from "../../src/adapters/azure/arm.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { leaseTiming, tickLease } from "../../src/app/lease-keeper.js";
import type { DrillResult } from "../../src/app/planner.js";
import { drill } from "../../src/app/planner.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import { manualCommand } from "../../src/app/commands.js";
import type { Runtime } from "../../src/app/runtime.js";
import { compose } from "../../src/compose.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import { parseConfig } from "../../src/config/index.js";
import { primaryOf } from "../../src/core/index.js";
import type { Incident } from "../../src/core/index.js";
import type { DataControl } from "../../src/ports/data-control.js";
import { PROVIDERS, withProviders } from "../../src/providers/registry.js";
import { keptOf, regionEvidence } from "../helpers/evidence.js";
import { ManualClock } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";
import { testStore } from "../providers/test-store/index.js";

const raw = (
  onDataFailure: "shift-traffic" | "hold-traffic",
  stores: readonly string[],
): TandemConfigInput => ({
  observers: [{ region: "westeurope" }, { region: "northeurope" }, { region: "swedencentral" }],
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy: { intervalSeconds: 10, probeTimeoutSeconds: 5 },
  alerts: {
    channels: [
      { kind: "webhook", name: "ops", url: "https://127.0.0.1:9/hook", secret: "env:HOOK" },
    ],
  },
  groups: [
    {
      name: "shop",
      model: "active-passive",
      regions: [
        { name: "westeurope", role: "primary", probe: { url: "http://127.0.0.1:9/a" } },
        { name: "northeurope", role: "secondary", probe: { url: "http://127.0.0.1:9/b" } },
      ],
      data: stores.map((name) => ({ name, kind: "test-store", account: name })),
      dataPolicy: { onDataFailure },
    },
  ],
});

/** The memory lever behind a log of every failover asked of it; an ask may be held in flight. */
class LoggedData implements DataControl {
  readonly asked: string[] = [];
  /** While set, a failover is held here (in flight, not yet at Azure) until it resolves. */
  hold: Promise<void> | undefined;
  /** Stores whose reads are held here until the promise resolves (a lost server's slow read). */
  readonly slow = new Map<string, Promise<void>>();
  constructor(readonly base: MemoryDataControl) {}
  covers(group: string, store: string) {
    return this.base.covers(group, store);
  }
  async read(group: string, store: string) {
    await this.slow.get(store);
    return this.base.read(group, store);
  }
  /** While set, the next failover fails with this error (after it was asked). */
  fail: Error | undefined;
  async failover(group: string, store: string, region: string, mode: "planned" | "forced") {
    this.asked.push(`${store} ${region} ${mode}`);
    if (this.hold) await this.hold;
    const fail = this.fail;
    this.fail = undefined;
    if (fail) throw fail;
    return this.base.failover(group, store, region, mode);
  }
}

/** A memory store whose action log refuses the next `refuseIntents` intents of a data failover. */
class RefusingStore extends MemoryStateStore {
  refuseIntents = 0;
  override async appendAction(entry: Parameters<MemoryStateStore["appendAction"]>[0]) {
    if (
      this.refuseIntents > 0 &&
      entry.outcome === "started" &&
      entry.name.startsWith("data-failover")
    ) {
      this.refuseIntents--;
      throw new Error("503 ServerBusy");
    }
    return super.appendAction(entry);
  }
}

function world(
  onDataFailure: "shift-traffic" | "hold-traffic" = "shift-traffic",
  stores: readonly string[] = ["orders"],
  changeMs = 20_000,
) {
  const clock = new ManualClock();
  const memory = new MemoryDataControl(clock, { changeMs });
  for (const store of stores)
    memory.add("shop", store, "westeurope", ["westeurope", "northeurope"]);
  const data = new LoggedData(memory);
  const registry = withProviders(PROVIDERS, [testStore(data)]);
  const config = parseConfig(raw(onDataFailure, stores), "test", registry);
  return {
    clock,
    memory,
    data,
    registry,
    config,
    store: new RefusingStore(),
    router: shopRouter(),
    /** What the last tick said its group waits for. */
    waiting: [] as readonly string[],
  };
}
type World = ReturnType<typeof world>;

/** A holder process: its data lever built by the composition root from the registry. */
async function holder(w: World, instance: string): Promise<{ rt: Runtime; epoch: number }> {
  const rt = await compose({
    config: w.config,
    observer: "swedencentral",
    registry: w.registry,
    store: w.store,
    clock: w.clock,
    router: w.router,
    instance,
    env: { HOOK: `whsec_${Buffer.alloc(32, 7).toString("base64")}` },
  });
  let lease = await tickLease(rt);
  if (!lease.leader) {
    w.clock.advance(leaseTiming(rt).durationMs);
    lease = await tickLease(rt);
  }
  assert.ok(lease.leader, `${instance} holds the lease`);
  return { rt, epoch: lease.epoch! };
}

/** One tick of the holder (westeurope down unless told): its runbook steps; the incident. */
async function tick(
  w: World,
  h: { rt: Runtime; epoch: number },
  westeurope: "down" | "healthy" = "down",
): Promise<Incident | undefined> {
  w.clock.advance(10_000);
  assert.ok((await tickLease(h.rt)).leader);
  const evidence = regionEvidence({ westeurope, northeurope: "healthy" });
  const out = await runbookTick(
    h.rt,
    w.config.groups[0]!,
    evidence,
    keptOf(evidence),
    true,
    h.epoch,
    {
      deadline: w.clock.now() + 10_000,
      verdictChanged: true,
      operation: "test",
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  w.waiting = out.waiting ?? [];
  return out.incident;
}

async function untilClosed(w: World, h: { rt: Runtime; epoch: number }): Promise<Incident> {
  for (let i = 0; i < 20; i++) {
    const incident = await tick(w, h);
    if (incident && ["completed", "failed", "aborted"].includes(incident.step)) return incident;
  }
  assert.fail("the incident did not end within 20 ticks");
}

describe("the data step through the runbook tick", () => {
  it("a takeover in the middle of the data step waits for the ask on record: one failover call", async () => {
    const w = world();
    let release!: () => void;
    w.data.hold = new Promise((resolve) => (release = resolve));
    const a = await holder(w, "a");
    const asked = await tick(w, a);
    assert.equal(asked?.step, "moving-data");
    assert.deepEqual(w.data.asked, ["orders northeurope planned"], "the first holder asked");
    assert.equal((await w.memory.read("shop", "orders")).changing, false, "not at Azure yet");
    // The first holder dies with its ask in flight; the next one takes over.
    const b = await holder(w, "b");
    const waiting = await tick(w, b);
    assert.equal(waiting?.step, "moving-data");
    assert.match(waiting!.history.at(-1)!.note, /asked to make northeurope its primary/);
    release();
    const done = await untilClosed(w, b);
    assert.equal(done.step, "completed");
    assert.deepEqual(w.data.asked, ["orders northeurope planned"], "never asked twice");
    assert.equal(w.memory.peek("shop", "orders"), "northeurope");
    assert.equal(primaryOf(await w.router.read("shop")), "northeurope");
    const steps = done.history.map((h) => h.step).filter((s, i, all) => s !== all[i - 1]);
    assert.deepEqual(steps, [
      "detected",
      "confirmed",
      "moving-data",
      "shifting-traffic",
      "verifying",
      "completed",
    ]);
  });

  it("a store whose read is slow leaves only itself unread: the one that answered is asked in the same tick", async () => {
    const w = world("shift-traffic", ["orders", "reviews"]);
    // orders' server is lost and its read takes the SDK's whole backoff; reviews answers at once.
    let answer!: () => void;
    w.data.slow.set("orders", new Promise((resolve) => (answer = resolve)));
    const h = await holder(w, "a");
    let incident: Incident | undefined;
    for (let i = 0; i < 5 && incident?.step !== "moving-data"; i++) incident = await tick(w, h);
    assert.equal(incident?.step, "moving-data");
    assert.deepEqual(w.data.asked, ["reviews northeurope planned"], "reviews asked, orders not");
    assert.ok(
      w.waiting.some((n) => /data store orders still answering/.test(n)),
      w.waiting.join("\n"),
    );
    const tick2 = await tick(w, h);
    assert.match(tick2!.history.at(-1)!.note, /orders cannot be read/);
    assert.doesNotMatch(tick2!.history.at(-1)!.note, /reviews cannot be read/);
    answer();
    const done = await untilClosed(w, h);
    assert.equal(done.step, "completed");
    assert.deepEqual(w.data.asked, ["reviews northeurope planned", "orders northeurope planned"]);
  });

  for (const [policy, step, primary] of [
    ["shift-traffic", "completed", "northeurope"],
    ["hold-traffic", "failed", "westeurope"],
  ] as const) {
    it(`a refused data step pages a person with what to run, and traffic ${policy === "shift-traffic" ? "moves anyway" : "stays"} (${policy})`, async () => {
      const w = world(policy);
      // westeurope's copy is lost and the store does not allow data loss: nothing may move it.
      w.memory.set("shop", "orders", "westeurope", { reachable: false });
      const h = await holder(w, "a");
      const end = await untilClosed(w, h);
      assert.equal(end.step, step);
      assert.deepEqual(w.data.asked, [], "no failover asked of the store");
      assert.match(end.dataRefused?.["orders"] ?? "", /allowDataLoss/);
      assert.equal(primaryOf(await w.router.read("shop")), primary);
      const pages = (await w.store.readOutbox(["shop"]))
        .map((r) => r.row.alert)
        .filter((a) => a.type === "data.refused");
      assert.equal(pages.length, 1, "one page for the store");
      assert.equal(pages[0]!.severity, "critical");
      assert.match(
        pages[0]!.summary,
        /by hand: make northeurope the primary of orders, allowing data loss/,
      );
    });
  }

  // An ask whose answer is lost (the call's timeout, a dropped connection, the fence's abort, a
  // 5xx) may have reached Azure; SQL has no "in progress" flag to show it, so it is never asked
  // again: the step waits (and its timeout pages). Only a refusal Azure answered is asked again.
  for (const [what, error, asks] of [
    [
      "no answer (the call's timeout)",
      new ArmError("no answer within 30 s", undefined, undefined),
      1,
    ],
    ["a server error", new ArmError("500 InternalServerError", 500, undefined), 1],
    ["a 408", new ArmError("408 RequestTimeout", 408, undefined), 1],
    ["a 429", new ArmError("429 TooManyRequests", 429, undefined), 1],
    // A change under way, after the SDK retried a POST whose first answer was lost: maybe ours.
    ["a 409 (busy)", new ArmError("409 FailoverGroupBusy", 409, undefined), 1],
    ["a 412 (locked)", new ArmError("412 PreconditionFailed", 412, undefined), 1],
    // The SDK polls once before it returns: a 4xx on that GET came after Azure took the change.
    [
      "a 403 on the poll that followed the accepted change",
      new ArmError("403 AuthorizationFailed", 403, undefined, "GET"),
      1,
    ],
    ["a 400 Azure answered", new ArmError("400 BadRequest", 400, undefined), 2],
  ] as const) {
    it(`a failover that failed with ${what} is ${asks === 1 ? "never asked again" : "asked again after its backoff"}`, async () => {
      const w = world();
      w.data.fail = error;
      const h = await holder(w, "a");
      let last: Incident | undefined;
      for (let i = 0; i < 8; i++) last = await tick(w, h);
      assert.deepEqual(
        w.data.asked,
        Array(asks).fill("orders northeurope planned"),
        JSON.stringify(last?.history.map((l) => l.note)),
      );
      const lines = last?.history.map((l) => l.note) ?? [];
      if (asks === 1) {
        assert.equal(last?.step, "moving-data");
        assert.equal(last?.dataFailed, undefined);
        assert.equal(last?.attempts, undefined, "not counted as an attempt");
        // The incident itself says why it waits, once.
        assert.equal(
          lines.filter((n) =>
            /^data-failover orders .*failed: .*it may have reached Azure, so it is not asked again/.test(
              n,
            ),
          ).length,
          1,
          JSON.stringify(lines),
        );
      }
    });
  }

  it("a data failover the fence refused (the action log could not be written) was never sent: it is asked again after the backoff, not waited for", async () => {
    const w = world();
    const h = await holder(w, "a");
    // The ask's intent cannot be written to the action log: the fence sends nothing.
    w.store.refuseIntents = 1;
    let incident: Incident | undefined;
    for (let i = 0; i < 4 && !incident?.dataAsked?.["orders"]; i++) incident = await tick(w, h);
    assert.ok(incident?.dataAsked?.["orders"], "the ask was recorded");
    assert.equal(w.store.refuseIntents, 0, "its intent was refused");
    assert.deepEqual(w.data.asked, [], "and never sent");
    const done = await untilClosed(w, h);
    assert.equal(done.step, "completed", JSON.stringify(done.history.map((l) => l.note)));
    assert.deepEqual(w.data.asked, ["orders northeurope planned"], "asked once, after the backoff");
    assert.ok(
      done.history.some((l) =>
        /data-failover orders .*failed \(attempt 1\): not sent/.test(l.note),
      ),
      JSON.stringify(done.history.map((l) => l.note)),
    );
  });

  it("a data failover whose target the kept verdicts no longer vouch for when it is sent is not sent, and is asked again once they do", async () => {
    const w = world();
    const h = await holder(w, "a");
    // This process kept northeurope suspect since the tick began (answering a peer's request to
    // probe now, say): the tick's own verdicts still say healthy.
    const kept = (verdict: "suspect" | "healthy", etag?: string) =>
      w.store.writeRegionStates(
        "shop",
        {
          westeurope: { verdict: "down", since: 0, epoch: h.epoch, reason: "test" },
          northeurope: { verdict, since: 0, epoch: h.epoch, reason: "test" },
        },
        etag,
      );
    await kept("suspect");
    let incident: Incident | undefined;
    for (let i = 0; i < 4 && !incident?.dataAsked?.["orders"]; i++) incident = await tick(w, h);
    assert.ok(incident?.dataAsked?.["orders"], "the ask was recorded");
    assert.deepEqual(w.data.asked, [], "and not sent");
    const notes = () => JSON.stringify(incident?.history.map((l) => l.note));
    incident = await tick(w, h);
    assert.match(notes(), /northeurope is now kept suspect, so nothing was sent/);
    await kept("healthy", (await w.store.readRegionStates("shop")).etag);
    const done = await untilClosed(w, h);
    assert.equal(done.step, "completed", JSON.stringify(done.history.map((l) => l.note)));
    assert.deepEqual(w.data.asked, ["orders northeurope planned"], "sent once, when vouched for");
  });

  it("a person's override sends the data though the kept verdicts do not vouch for the target, once", async () => {
    const w = world();
    const h = await holder(w, "a");
    await w.store.writeRegionStates(
      "shop",
      {
        westeurope: { verdict: "healthy", since: 0, epoch: h.epoch, reason: "test" },
        northeurope: { verdict: "suspect", since: 0, epoch: h.epoch, reason: "test" },
      },
      undefined,
    );
    const caller = { name: "ops@contoso.com", via: "test" };
    const outcome = await manualCommand(
      h.rt,
      caller,
      "shop",
      { kind: "failover", to: "northeurope", override: true, by: caller.name, reason: "drill" },
      { dryRun: false },
    );
    assert.equal(outcome.kind, "accepted", JSON.stringify(outcome));
    let incident: Incident | undefined;
    for (let i = 0; i < 20 && !["completed", "failed"].includes(incident?.step ?? ""); i++)
      incident = await tick(w, h, "healthy");
    assert.equal(incident?.step, "completed", JSON.stringify(incident?.history.map((l) => l.note)));
    assert.deepEqual(w.data.asked, ["orders northeurope planned"], "sent once, on the override");
  });

  it("once its data was asked to move, a failover is not aborted by its source's recovery; one that then fails pages a person with the command to move the data back", async () => {
    // The store takes an hour to change; the group holds traffic when the data does not move.
    const w = world("hold-traffic", ["orders"], 3_600_000);
    const h = await holder(w, "a");
    for (let i = 0; i < 3 && w.data.asked.length === 0; i++) await tick(w, h);
    assert.deepEqual(w.data.asked, ["orders northeurope planned"]);
    // westeurope is back while the store changes, before traffic moved: the data may be primary
    // in northeurope already, so the failover goes on (aborting would strand it there).
    const back = await tick(w, h, "healthy");
    assert.equal(back?.step, "moving-data", JSON.stringify(back?.history.map((l) => l.note)));
    // The data timeout (wall clock) passes; hold-traffic fails the incident, data asked to move.
    w.clock.advance(600_000);
    const end = await tick(w, h);
    assert.equal(end?.step, "failed", JSON.stringify(end?.history.map((l) => l.note)));
    assert.equal(primaryOf(await w.router.read("shop")), "westeurope", "traffic held");
    const pages = (await w.store.readOutbox(["shop"]))
      .map((r) => r.row.alert)
      .filter((a) => a.type === "data.stranded");
    assert.equal(pages.length, 1, "one page for the store asked");
    assert.equal(pages[0]!.severity, "critical");
    assert.match(pages[0]!.summary, /orders was asked to make northeurope its primary/);
    assert.match(pages[0]!.summary, /move it back.*make westeurope the primary of orders/);
    // PagerDuty dedups by subject and keeps the first alert's urgency: the page is not folded
    // into the warning that the ask raised.
    const asked = (await w.store.readOutbox(["shop"]))
      .map((r) => r.row.alert)
      .find((a) => a.type === "data.failover-asked");
    assert.ok(asked, "the ask was alerted");
    assert.notEqual(pages[0]!.subject, asked.subject);
  });

  it("a drill predicts the data step from the kind's failoverMs, both ways, and moves nothing", async () => {
    const w = world();
    const h = await holder(w, "a");
    const outcome = await drill(h.rt, { name: "ops@contoso.com", via: "test" }, "shop", "game day");
    assert.equal(outcome.kind, "done", JSON.stringify(outcome));
    const result = (outcome as { detail: DrillResult }).detail;
    const moving = result.failover.steps.find((s) => s.step === "moving-data");
    // The test kind's failoverMs is 30 s; the plan reads once a tick (10 s).
    assert.ok(
      moving && moving.expectedSeconds >= 30 && moving.expectedSeconds <= 40,
      JSON.stringify(moving),
    );
    assert.ok(result.failover.assumptions.some((a) => a.includes("data store takes about 30 s")));
    const calls = (plan: DrillResult["failover"]) =>
      plan.calls.filter((c) => c.lever === "data").map((c) => c.change);
    assert.deepEqual(calls(result.failover), ["data-failover orders to northeurope (planned)"]);
    const back = result.failback as DrillResult["failover"];
    assert.deepEqual(calls(back), ["data-failover orders to westeurope (planned)"]);
    assert.deepEqual(w.data.asked, [], "a drill asks nothing of the real store");
    assert.equal(w.memory.peek("shop", "orders"), "westeurope");
  });
});
