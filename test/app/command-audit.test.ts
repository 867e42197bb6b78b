// An operator's command is audited from its events (ADR 26): every row names one command event of
// the run, of the outcome the row tells, with the caller as actor and where it asked from in the
// detail; that address travels in no alert, log line or telemetry record; and a command whose
// intent cannot be written changes nothing and says no intent.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logLine } from "../../src/adapters/log/event-log.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import type { Caller } from "../../src/app/audit.js";
import { manualCommand, setPause } from "../../src/app/commands.js";
import { drill } from "../../src/app/planner.js";
import { eventFields } from "../../src/app/telemetry/subscriber.js";
import { eventAlert } from "../../src/core/event-alerts.js";
import type { ActionRecord } from "../../src/ports/audit-store.js";
import type { TandemEvent } from "../../src/ports/events.js";
import { ManualClock, runtimeFor, twoRegionConfig } from "../helpers/runtime.js";
import { shopRouter } from "../helpers/shop-runbook.js";

const ADDRESS = "203.0.113.7";
const CHAIN = "198.51.100.1, 203.0.113.7";
const caller: Caller = {
  name: "ops@contoso.com",
  via: "bearer",
  address: ADDRESS,
  forwarded: CHAIN,
  request: "req-1",
};
const failover = {
  kind: "failover" as const,
  to: "northeurope",
  override: true,
  by: caller.name,
  reason: "game day",
};
const OUTCOME_OF = {
  "command.started": "started",
  "command.accepted": "done",
  "command.refused": "refused",
  "command.failed": "failed",
} as const;

async function rig() {
  const store = new MemoryStateStore();
  const events: TandemEvent[] = [];
  const rt = await runtimeFor(
    twoRegionConfig({ westeurope: "http://127.0.0.1:9/a", northeurope: "http://127.0.0.1:9/b" }),
    "westeurope",
    {
      store,
      clock: new ManualClock(),
      instance: "w",
      router: shopRouter(),
      subscribers: [{ name: "recorder", fn: (e) => void events.push(e) }],
    },
  );
  // The bus hands events over off the emitter's stack.
  const settled = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return {
      rows: await store.readActions(),
      said: events.filter((e) => e.type.startsWith("command.")),
    };
  };
  return { rt, store, settled };
}

describe("operators' commands audited from their events", () => {
  it("every command row names one command event of its outcome, with the caller and where it asked from", async () => {
    const { rt, store, settled } = await rig();
    const ran = [
      (await manualCommand(rt, caller, "shop", failover, { dryRun: true })).kind,
      (await manualCommand(rt, caller, "shop", { ...failover, to: "nowhere" }, { dryRun: false }))
        .kind,
      (await drill(rt, caller, "shop", "game day")).kind,
      (await manualCommand(rt, caller, "shop", failover, { dryRun: false })).kind,
      (await setPause(rt, caller, undefined, true, "maintenance")).kind,
    ];
    store.writePause = () => Promise.reject(new Error("503 ServerBusy"));
    ran.push((await setPause(rt, caller, undefined, false, "done")).kind);
    assert.deepEqual(ran, ["planned", "not-found", "done", "accepted", "done", "unavailable"]);

    const { rows, said } = await settled();
    const byEvent = new Map(said.map((e) => [e.id, e]));
    const told = (row: ActionRecord) => {
      const e = byEvent.get(row.event ?? "");
      assert.ok(e, `${row.name} (${row.outcome}) names a command event that was published`);
      return e as TandemEvent & { type: keyof typeof OUTCOME_OF; by: string };
    };
    assert.deepEqual(
      rows.map((r) => [r.name, r.outcome, told(r).type]),
      [
        ["api failover (dry run)", "done", "command.accepted"],
        ["api failover", "refused", "command.refused"],
        ["api drill", "done", "command.accepted"],
        ["api failover", "started", "command.started"],
        ["api failover", "done", "command.accepted"],
        ["api pause", "started", "command.started"],
        ["api pause", "done", "command.accepted"],
        ["api resume", "started", "command.started"],
        ["api resume", "failed", "command.failed"],
      ],
    );
    for (const row of rows) {
      const e = told(row);
      assert.equal(row.outcome, OUTCOME_OF[e.type], `${row.name}: the outcome its event tells`);
      assert.equal(row.actor, caller.name);
      assert.deepEqual(
        (({ via, from, forwarded }) => ({ via, from, forwarded }))(JSON.parse(row.detail!)),
        { via: "bearer", from: ADDRESS, forwarded: CHAIN },
        `${row.name} (${row.outcome}) says where the caller asked from`,
      );
    }
    assert.equal(new Set(rows.map((r) => r.event)).size, rows.length, "one row per event");
    assert.deepEqual(
      said.map((e) => e.id).filter((id) => !rows.some((r) => r.event === id)),
      [],
      "every command event on record",
    );
  });

  it("where the caller asked from is in no alert, log line or telemetry record", async () => {
    const { rt, settled } = await rig();
    await manualCommand(rt, caller, "shop", failover, { dryRun: false });
    await manualCommand(rt, caller, "shop", { ...failover, to: "nowhere" }, { dryRun: false });
    const { said } = await settled();
    assert.ok(
      said.some((e) => e.type === "command.accepted" && eventAlert(e)),
      "an alert to read",
    );
    for (const e of said) {
      assert.equal((e as { client?: { address?: string } }).client?.address, ADDRESS);
      for (const [what, text] of [
        ["alert", JSON.stringify(eventAlert(e) ?? {})],
        ["log line", JSON.stringify(logLine(e) ?? {})],
        ["telemetry", JSON.stringify(eventFields(e))],
      ] as const) {
        assert.ok(!text.includes("203.0.113.7"), `${e.type}: the address in its ${what}`);
        assert.ok(!text.includes("198.51.100.1"), `${e.type}: the chain in its ${what}`);
      }
    }
  });

  it("a command whose intent cannot be written changes nothing and says no intent", async () => {
    const { rt, store, settled } = await rig();
    const append = store.appendAction.bind(store);
    store.appendAction = (row) =>
      row.outcome === "started" ? Promise.reject(new Error("503 ServerBusy")) : append(row);
    const outcome = await manualCommand(rt, caller, "shop", failover, { dryRun: false });
    assert.equal(outcome.kind, "unavailable");
    assert.deepEqual(await store.readIncidents("shop"), [], "no incident written");
    const { said } = await settled();
    assert.deepEqual(
      said.map((e) => e.type),
      ["command.refused"],
      "no command.started published without its row",
    );
  });
});
