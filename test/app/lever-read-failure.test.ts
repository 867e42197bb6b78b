// A failed read of a lever is not a fresh one: the view keeps what was last read (with its age and
// the error), the runbook never decides on the older routing, and a region judged down with no
// incident is read again at the next tick rather than at the slow reconcile. Found in the sandbox:
// one 500 on the read a verdict change triggered held the failover back for five minutes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { merged } from "../../src/app/lever-view.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { LeverView } from "../../src/core/index.js";
import { LEVER_ALLOWANCE_MS } from "../../src/core/index.js";
import { downTick, failFirst, openWithFailedChange, shopHolder } from "../helpers/shop-runbook.js";

const routing = {
  regions: [
    { region: "westeurope", enabled: true, priority: 1 },
    { region: "northeurope", enabled: true, priority: 2 },
  ],
};

describe("the lever view a read leaves", () => {
  const stored: LeverView = { routing, clusters: {}, readAt: 1000, epoch: 2 };
  const read = (ok: boolean) => ({
    ...(ok ? { routing } : {}),
    clusters: {},
    needs: { routing: true, clusters: [] },
    startedAt: 5000,
    endedAt: 9000,
    problems: ok ? [] : ["shop: the traffic lever cannot be read: 500 InternalServerError"],
  });

  it("after a read that answered: the new routing, read at its start, in this epoch", () => {
    assert.deepEqual(merged(stored, read(true), 3), {
      routing,
      clusters: {},
      readAt: 5000,
      epoch: 3,
    });
  });

  it("after a failed read: the last good view with its own time, and the failure beside it", () => {
    assert.deepEqual(merged(stored, read(false), 3), {
      ...stored,
      problems: ["shop: the traffic lever cannot be read: 500 InternalServerError"],
      failedAt: 5000,
    });
  });

  it("after a failed first read: no routing, and the failure", () => {
    const view = merged(undefined, read(false), 3);
    assert.equal(view.routing, undefined);
    assert.equal(view.failedAt, 5000);
  });
});

describe("the runbook after a failed lever read", () => {
  it("a 500 on the read the verdict change triggered: the next tick reads again and opens the failover", async () => {
    const w = await shopHolder();
    const reads = failFirst(w, "read");

    const first = await downTick(w, true);
    assert.equal(first.incident, undefined, "no failover without knowing where traffic goes");
    assert.ok(first.problems.some((p) => /traffic lever cannot be read: 500/.test(p)));
    const view = (await w.store.readLeverViews())["shop"];
    assert.equal(view?.routing, undefined);
    assert.ok(view?.failedAt !== undefined, "the view says its read failed");

    // No verdict changes now: only the down region with a view that cannot say where traffic goes.
    const second = await downTick(w);
    assert.equal(reads(), 2, "read again at once, not at the slow reconcile");
    assert.equal(second.incident?.kind, "failover", JSON.stringify(second.problems));
    assert.equal(second.incident?.from, "westeurope");
  });

  it("an open incident whose reads keep failing changes nothing, keeps the last good view, and ends when its time is up", async () => {
    const w = await shopHolder({ stepTimeoutSeconds: 10 });
    // Opened, and its first change failed: the incident stays at shifting-traffic, then no read
    // answers any more.
    await openWithFailedChange(w);
    assert.deepEqual(w.router.changes, []);
    w.router.fault = (call) => (call === "read" ? new Error("503 ServiceUnavailable") : undefined);
    let last;
    // Failed reads and their backoffs are mostly ARM's time, so the step lasts far longer than its
    // 10 s; but no longer than its ceiling on wall time: the timeout plus LEVER_ALLOWANCE_MS.
    const ticks = (10_000 + LEVER_ALLOWANCE_MS) / w.intervalMs + 10;
    for (let i = 0; i < ticks && !["failed", "completed"].includes(last?.incident?.step ?? ""); i++)
      last = await downTick(w);
    const view = (await w.store.readLeverViews())["shop"];
    assert.deepEqual(view?.routing?.regions, routing.regions, "the last good view is kept");
    assert.deepEqual(
      w.router.changes,
      [],
      "nothing was changed on a routing that could not be read",
    );
    const incident = (await w.store.readIncidents("shop"))[0]!.incident;
    assert.equal(incident.step, "failed", "it does not stay open for ever");
    const seconds = Number(
      /could not be read for (\d+) s/.exec(incident.history.at(-1)!.note)?.[1],
    );
    assert.ok(seconds > 10 && seconds <= 10 + LEVER_ALLOWANCE_MS / 1000 + 2, `${seconds} s`);
  });

  it("a Retry-After of a day holds the next read back three intervals at most", async () => {
    const w = await shopHolder();
    const day = w.clock.now() + 86_400_000;
    const rt: Runtime = {
      ...w.rt,
      levers: {
        ...w.rt.levers,
        armBudget: { remainingReads: () => undefined, throttledUntil: () => day },
      },
    };
    const ww = { ...w, rt };
    w.router.fault = (call) => (call === "read" ? new Error("429 TooManyRequests") : undefined);
    await downTick(ww, true);
    const waited = await downTick(ww);
    const note = (waited.waiting ?? []).find((n) => /next one waits/.test(n));
    const seconds = Number(/waits (\d+) s/.exec(note ?? "")?.[1]);
    assert.ok(seconds <= (3 * w.intervalMs) / 1000, `waits ${seconds} s: ${note}`);
  });
});
