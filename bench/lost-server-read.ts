// A read of an SQL failover group whose primary's server is lost (issue 30): the ARM emulator
// answers 503 for that server, as the sandbox does for a region taken down. "before" is the two
// servers' GETs through a client with the connection's retries (Tandem's ARM_DEFAULTS: what the
// lever's read sent until it retried once, and since 2026-12-07 afternoon retries itself); "after" is the lever's read. Wall
// time in ms over `runs` reads of each.
import { SqlManagementClient } from "@azure/arm-sql";
import { ARM_DEFAULTS, clientOptions, parseResourceId } from "../src/adapters/azure/arm.js";
import { SqlFailoverGroupControl } from "../src/providers/sql-failover-group/failover-group.js";
import type { SqlService } from "../src/providers/sql-failover-group/emulator.js";
import { RG, startArm } from "../test/helpers/arm.js";
import { median } from "./harness.js";

const NEU = parseResourceId(`${RG}/providers/Microsoft.Sql/servers/sql-bench-neu`);
const WEU = parseResourceId(`${RG}/providers/Microsoft.Sql/servers/sql-bench-weu`);
const FG = "fog-bench";

const figures = (ms: readonly number[]) => ({
  medianMs: Math.round(median(ms)),
  minMs: Math.round(Math.min(...ms)),
  maxMs: Math.round(Math.max(...ms)),
});

export async function lostServerRead(runs: number) {
  const arm = await startArm({}, { retry: ARM_DEFAULTS.retry, timeoutMs: ARM_DEFAULTS.timeoutMs });
  try {
    const sql = arm.emulator.service<SqlService>("sql-failover-group");
    sql.addFailoverGroup({
      name: FG,
      primary: { id: NEU.id, location: "North Europe" },
      secondary: { id: WEU.id, location: "West Europe" },
      databases: ["orders"],
    });
    sql.setReachable(NEU.id, false);
    const full = new SqlManagementClient(
      arm.conn.credential,
      NEU.subscriptionId,
      clientOptions(arm.conn),
    );
    const lever = new SqlFailoverGroupControl(arm.conn, [
      {
        group: "shop",
        store: "orders",
        failoverGroup: FG,
        allowDataLoss: false,
        servers: new Map([
          ["northeurope", NEU.id],
          ["westeurope", WEU.id],
        ]),
      },
    ]);
    const timed = async (read: () => Promise<unknown>) => {
      const startedAt = performance.now();
      await read();
      return performance.now() - startedAt;
    };
    const before: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < runs; i++) {
      before.push(
        await timed(() =>
          Promise.all(
            [NEU, WEU].map((s) =>
              full.failoverGroups.get(s.resourceGroup, s.name, FG).catch(() => undefined),
            ),
          ),
        ),
      );
      after.push(await timed(() => lever.read("shop", "orders")));
    }
    const lost = await lever.read("shop", "orders");
    return {
      runs,
      retry: ARM_DEFAULTS.retry,
      before: figures(before),
      after: figures(after),
      lostServerReachable: lost.regions["northeurope"]?.reachable,
    };
  } finally {
    await arm.stop();
  }
}
