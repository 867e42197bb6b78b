// The data step through the real SQL failover group lever (@azure/arm-sql over HTTPS) against the
// ARM emulator, read from the emulator's request log: with westeurope's server lost, a store that
// does not allow data loss is never forced (and nothing is asked of it), one that does is forced
// once, to the server that becomes primary; traffic moves in both (onDataFailure's default).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { tickLease } from "../../src/app/lease-keeper.js";
import { runbookTick } from "../../src/app/runbook-tick.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { Incident } from "../../src/core/index.js";
import type { SqlService } from "../../src/providers/sql-failover-group/emulator.js";
import { sandboxCredential } from "../../src/sandbox/credential.js";
import type { ArmFixture } from "../helpers/arm.js";
import { RG, TM_PROFILE, withArm } from "../helpers/arm.js";
import { tmShop } from "../helpers/tm-shop.js";
import { evidenceOf, takeLease } from "../helpers/catalog-runbook.js";
import { ManualTimeRealWaits, runtimeFor } from "../helpers/runtime.js";

const SQL_WEU = `${RG}/providers/Microsoft.Sql/servers/sql-shop-weu`;
const SQL_NEU = `${RG}/providers/Microsoft.Sql/servers/sql-shop-neu`;

const raw = (allowDataLoss: boolean): TandemConfigInput => ({
  observers: [{ region: "westeurope" }, { region: "northeurope" }],
  stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
  policy: { intervalSeconds: 10, probeTimeoutSeconds: 5 },
  groups: [
    {
      ...tmShop(
        { probe: { url: "http://127.0.0.1:9/a" } },
        { probe: { url: "http://127.0.0.1:9/b" } },
      ),
      data: [
        {
          name: "orders",
          kind: "sql-failover-group",
          servers: { westeurope: SQL_WEU, northeurope: SQL_NEU },
          failoverGroup: "fog-shop",
          allowDataLoss,
        },
      ],
    },
  ],
});

/** westeurope's server lost; the failover group primary there until then. */
function loseWesteurope(arm: ArmFixture): SqlService {
  const sql = arm.emulator.service<SqlService>("sql-failover-group");
  sql.failoverMs = 20;
  sql.addFailoverGroup({
    name: "fog-shop",
    primary: { id: SQL_WEU, location: "West Europe" },
    secondary: { id: SQL_NEU, location: "North Europe" },
    databases: ["orders"],
  });
  sql.setReachable(SQL_WEU, false);
  return sql;
}

/** Runs the holder's ticks with westeurope down until the incident ends. */
async function failover(arm: ArmFixture, allowDataLoss: boolean): Promise<Incident> {
  const clock = new ManualTimeRealWaits();
  const { credential: _, ...conn } = arm.conn;
  const rt = await runtimeFor(raw(allowDataLoss), "northeurope", {
    store: new MemoryStateStore(),
    clock,
    arm: conn,
    credential: sandboxCredential,
  });
  await takeLease(rt, clock);
  const { evidence, kept } = evidenceOf({ westeurope: "down", northeurope: "healthy" });
  for (let i = 0; i < 20; i++) {
    clock.advance(10_000);
    const lease = await tickLease(rt);
    const out = await runbookTick(rt, rt.config.groups[0]!, evidence, kept, true, lease.epoch!, {
      deadline: clock.now() + 10_000,
      verdictChanged: true,
      operation: "test",
    });
    const step = out.incident?.step;
    if (step === "completed" || step === "failed") return out.incident!;
    await new Promise((r) => setTimeout(r, 40)); // the emulator's own time moves too
  }
  assert.fail("the failover did not end within 20 ticks");
}

/** The failover POSTs the emulator received, by the server's name and the operation. */
const failoverPosts = (arm: ArmFixture) =>
  arm.emulator.requests
    .filter((r) => r.method === "POST" && /\/failovergroups\//i.test(r.path))
    .map((r) => `${r.path.split("/servers/")[1]!.split("/")[0]} ${r.path.split("/").at(-1)}`);

describe("the data step through the SQL failover group lever and the ARM emulator", () => {
  it("without allowDataLoss a lost primary is never forced: nothing is asked, a person is paged, traffic moves", async () => {
    await withArm({ operationMs: 20 }, async (arm) => {
      loseWesteurope(arm);
      const end = await failover(arm, false);
      assert.equal(end.step, "completed");
      assert.match(end.dataRefused?.["orders"] ?? "", /allowDataLoss/);
      assert.deepEqual(failoverPosts(arm), [], "no failover of either kind was sent");
      assert.equal(arm.tm.route(TM_PROFILE), "neu");
    });
  });

  it("with allowDataLoss a lost primary is forced once, on the server that becomes primary", async () => {
    await withArm({ operationMs: 20 }, async (arm) => {
      const sql = loseWesteurope(arm);
      const end = await failover(arm, true);
      assert.equal(end.step, "completed");
      assert.deepEqual(failoverPosts(arm), ["sql-shop-neu forceFailoverAllowDataLoss"]);
      assert.equal(sql.roles(SQL_NEU, "fog-shop")["sql-shop-neu"], "Primary");
      assert.equal(arm.tm.route(TM_PROFILE), "neu");
    });
  });
});
