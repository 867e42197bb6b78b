// The SQL failover group lever through the real @azure/arm-sql client against the ARM emulator
// over HTTPS: the DataControl contract, what it sends (a planned failover never sends
// forceFailoverAllowDataLoss, and goes to the server that is to become primary), and the emulator
// held to the vendored spec (test/specs/sql/).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SqlFailoverGroupControl } from "../../../src/providers/sql-failover-group/failover-group.js";
import type { SqlService } from "../../../src/providers/sql-failover-group/emulator.js";
import { sqlFailoverGroup } from "../../../src/providers/sql-failover-group/index.js";
import { SQL_API_VERSION } from "../../../src/providers/sql-failover-group/operations.js";
import { silentLog } from "../../../src/ports/log.js";
import { refusedForSure } from "../../../src/ports/data-control.js";
import type { ArmConnection } from "../../../src/adapters/azure/arm.js";
import { ARM_DEFAULTS } from "../../../src/adapters/azure/arm.js";
import type { LeverSettings } from "../../../src/providers/types.js";
import type { ArmFixture } from "../../helpers/arm.js";
import { RG, armRequest, startArm } from "../../helpers/arm.js";
import { SpecCheck } from "../../helpers/spec-check.js";
import { dataControlContract } from "../../adapters/data/contract.js";
import { waitFor } from "../../helpers/wait.js";

const SQL_NEU = `${RG}/providers/Microsoft.Sql/servers/sql-shop-neu`;
const SQL_WEU = `${RG}/providers/Microsoft.Sql/servers/sql-shop-weu`;
const FG = "fog-shop";

/** An emulator whose failover group `fog-shop` is primary on the northeurope server. */
async function sqlArm(
  failoverMs: number,
  conn: Partial<ArmConnection> = {},
): Promise<{ arm: ArmFixture; sql: SqlService }> {
  const arm = await startArm({}, conn);
  const sql = arm.emulator.service<SqlService>("sql-failover-group");
  sql.failoverMs = failoverMs;
  sql.addFailoverGroup({
    name: FG,
    primary: { id: SQL_NEU, location: "North Europe" },
    secondary: { id: SQL_WEU, location: "West Europe" },
    databases: ["orders"],
  });
  return { arm, sql };
}

const lever = (arm: ArmFixture, allowDataLoss = true) =>
  new SqlFailoverGroupControl(arm.conn, [
    {
      group: "shop",
      store: "orders",
      failoverGroup: FG,
      servers: new Map([
        ["northeurope", SQL_NEU],
        ["westeurope", SQL_WEU],
      ]),
      allowDataLoss,
    },
  ]);

const SERVERS: Record<string, string> = { northeurope: SQL_NEU, westeurope: SQL_WEU };

/** The failover POSTs Azure accepted, as `region mode`, from the emulator's request log. */
const acceptedFailovers = (arm: ArmFixture) =>
  arm.emulator.requests
    .filter((r) => r.method === "POST" && r.status === 202)
    .map((r) => {
      const region = Object.keys(SERVERS).find((k) =>
        r.path.toLowerCase().startsWith(SERVERS[k]!.toLowerCase()),
      );
      return `${region} ${r.path.endsWith("/failover") ? "planned" : "forced"}`;
    });

dataControlContract("SQL failover group through the ARM emulator", async () => {
  const { arm, sql } = await sqlArm(600_000);
  let data = lever(arm);
  return {
    get data() {
      return data;
    },
    allowDataLoss: (allowed) => void (data = lever(arm, allowed)),
    group: "shop",
    store: "orders",
    reach: (region, reachable) => sql.setReachable(SERVERS[region]!, reachable),
    failovers: () => acceptedFailovers(arm),
    finish: () => sql.finishFailovers(),
    close: arm.stop,
  };
});

describe("SQL failover group lever", () => {
  let arm: ArmFixture;
  let sql: SqlService;
  before(async () => {
    ({ arm, sql } = await sqlArm(0));
  });
  after(() => arm.stop());

  it("a planned failover POSTs failover to the server that is to become primary, never forceFailoverAllowDataLoss", async () => {
    await lever(arm).failover("shop", "orders", "westeurope", "planned");
    const posts = arm.emulator.requests.filter((r) => r.method === "POST");
    assert.deepEqual(
      posts.map((r) => [r.path, r.status]),
      [[`${SQL_WEU}/failoverGroups/${FG}/failover`, 202]],
    );
    assert.ok(posts.every((r) => r.apiVersion === SQL_API_VERSION));
    assert.deepEqual(sql.roles(SQL_NEU, FG), {
      "sql-shop-neu": "Secondary",
      "sql-shop-weu": "Primary",
    });
  });

  it("refuses a planned failover to a copy still seeding, saying its state, and sends nothing", async () => {
    const before = arm.emulator.requests.length;
    sql.setReplicationState(SQL_NEU, FG, "SEEDING");
    const s = await lever(arm).read("shop", "orders");
    assert.deepEqual(s.regions["northeurope"], {
      reachable: true,
      replication: "SEEDING",
      caughtUp: false,
    });
    await assert.rejects(
      lever(arm).failover("shop", "orders", "northeurope", "planned"),
      /northeurope's copy of orders is SEEDING, not CATCH_UP/,
    );
    const sent = arm.emulator.requests.slice(before);
    assert.ok(
      sent.every((r) => r.method === "GET"),
      "only reads were sent",
    );
    sql.setReplicationState(SQL_NEU, FG, "CATCH_UP");
  });

  it("a failover its caller has already stopped sends nothing", async () => {
    const before = arm.emulator.requests.length;
    const roles = sql.roles(SQL_NEU, FG);
    const stop = new AbortController();
    stop.abort(new Error("the step's deadline has passed"));
    await assert.rejects(
      lever(arm).failover("shop", "orders", "northeurope", "forced", { abortSignal: stop.signal }),
    );
    assert.deepEqual(arm.emulator.requests.slice(before), []);
    assert.deepEqual(sql.roles(SQL_NEU, FG), roles);
  });

  it("the emulator: a planned failover with the primary unreachable is accepted and then fails, roles unchanged (as Azure)", async () => {
    sql.setReachable(SQL_WEU, false);
    const path = `${SQL_NEU}/failoverGroups/${FG}/failover`;
    const reply = await armRequest(arm, "POST", path, SQL_API_VERSION);
    assert.equal(reply.status, 202);
    sql.setReachable(SQL_WEU, true);
    assert.deepEqual(sql.roles(SQL_NEU, FG), {
      "sql-shop-neu": "Secondary",
      "sql-shop-weu": "Primary",
    });
  });

  it("the emulator: 400 FailoverGroupFailoverRequestOnPrimary when sent to the primary", async () => {
    const reply = await armRequest(
      arm,
      "POST",
      `${SQL_WEU}/failoverGroups/${FG}/failover`,
      SQL_API_VERSION,
    );
    assert.equal(reply.status, 400);
    assert.match(JSON.stringify(reply.body), /FailoverGroupFailoverRequestOnPrimary/);
  });

  it("a server that does not exist is a clear error, not an unreachable copy", async () => {
    const wrong = new SqlFailoverGroupControl(arm.conn, [
      {
        group: "shop",
        store: "orders",
        failoverGroup: "fog-nope",
        servers: new Map([
          ["northeurope", SQL_NEU],
          ["westeurope", SQL_WEU],
        ]),
        allowDataLoss: false,
      },
    ]);
    await assert.rejects(wrong.read("shop", "orders"), /404.*fog-nope.*not found/);
  });

  it("every exchange holds to the vendored spec", async () => {
    const specs = await SpecCheck.load();
    const problems = arm.emulator.requests
      .filter((r) => r.path.toLowerCase().includes("/microsoft.sql/servers/"))
      .flatMap((r) => [...(r.status < 400 ? specs.request(r) : []), ...specs.reply(r)]);
    assert.deepEqual(problems, []);
  });
});

describe("SQL failover group lever: what it never sends", () => {
  let arm: ArmFixture;
  let sql: SqlService;
  before(async () => {
    ({ arm, sql } = await sqlArm(600_000));
  });
  after(() => arm.stop());
  const posts = () => arm.emulator.requests.filter((r) => r.method === "POST").map((r) => r.path);

  it("no forceFailoverAllowDataLoss while the primary's server answers, even with allowDataLoss", async () => {
    await assert.rejects(lever(arm).failover("shop", "orders", "westeurope", "forced"), /answers/);
    assert.deepEqual(posts(), []);
  });

  it("no second POST while a change runs (SQL shows no 'in progress': the servers disagree)", async () => {
    await lever(arm).failover("shop", "orders", "westeurope", "planned");
    assert.equal(posts().length, 1);
    for (const mode of ["planned", "forced"] as const)
      await assert.rejects(
        lever(arm).failover("shop", "orders", "westeurope", mode),
        /in progress/,
        mode,
      );
    assert.equal(posts().length, 1, "the lever refused before sending");
    sql.finishFailovers();
  });
});

describe("SQL failover group lever: a lost server, with Tandem's ARM retries", () => {
  let arm: ArmFixture;
  let sql: SqlService;
  before(async () => {
    ({ arm, sql } = await sqlArm(0, { retry: ARM_DEFAULTS.retry }));
  });
  after(() => arm.stop());
  const sent = (from: number, server: string, method: string) =>
    arm.emulator.requests
      .slice(from)
      .filter((r) => r.method === method && r.path.toLowerCase().startsWith(server.toLowerCase()))
      .map((r) => r.status);

  it("a read of a store whose primary's server is lost tries it twice, not the SDK's whole backoff, and says it unreachable", async () => {
    const from = arm.emulator.requests.length;
    sql.setReachable(SQL_NEU, false);
    try {
      const state = await lever(arm).read("shop", "orders");
      assert.equal(state.primary, "northeurope", "its partner still names it primary");
      assert.equal(state.regions["northeurope"]?.reachable, false);
      assert.deepEqual(sent(from, SQL_NEU, "GET"), [503, 503], "one retry");
      // Two tries, not the SDK's three retries (at least 0.4 + 0.8 + 1.6 s of backoff with
      // ARM_DEFAULTS); the time itself is measured by `npm run bench -- --only lost-server-read`.
    } finally {
      sql.setReachable(SQL_NEU, true);
    }
  });

  it("a read that gets no answer from a server (a dropped connection) fails, never taken for a lost server", async () => {
    // Both servers' tries are dropped: each read ends with no status at all, and is not retried.
    const from = arm.emulator.requests.length;
    arm.emulator.dropNext = 2;
    try {
      await assert.rejects(lever(arm).read("shop", "orders"), /could not be reached/);
      // The other server's try may still be on its way when the first fails the read: the next
      // test's fault must not meet it.
      await waitFor("both tries dropped", async () =>
        arm.emulator.requests.length - from >= 2 ? true : undefined,
      );
      assert.deepEqual(
        arm.emulator.requests.slice(from).map((r) => r.status),
        [0, 0],
        "no retry of a dropped read",
      );
    } finally {
      arm.emulator.dropNext = 0;
    }
  });

  it("a throttled (429) read fails at once, never taken for a lost server nor tried again", async () => {
    const from = arm.emulator.requests.length;
    arm.emulator.faults.push({ status: 429, retryAfterSeconds: 0, times: 1, path: "sql-shop-weu" });
    await assert.rejects(lever(arm).read("shop", "orders"), /429.*throttling/);
    // Its one try (a request of an earlier test still under way may land after `from`: a full
    // run once saw a 200 after it).
    assert.deepEqual(sent(from, SQL_WEU, "GET").slice(0, 1), [429]);
  });

  it("a 503 that asks to wait longer than a step can is ARM pacing Tandem, not a lost server: the read fails", async () => {
    const from = arm.emulator.requests.length;
    arm.emulator.faults.push({
      status: 503,
      retryAfterSeconds: 60,
      times: 1,
      path: "sql-shop-neu",
    });
    await assert.rejects(lever(arm).read("shop", "orders"), /asked to wait 60 s/);
    assert.deepEqual(sent(from, SQL_NEU, "GET").slice(0, 1), [503]);
  });

  it("a failover's POST keeps the connection's retries", async () => {
    const from = arm.emulator.requests.length;
    arm.emulator.faults.push({ status: 503, times: 1, method: "POST", path: "/failover" });
    await lever(arm).failover("shop", "orders", "westeurope", "planned");
    assert.deepEqual(sent(from, SQL_WEU, "POST"), [503, 202]);
  });
});

describe("SQL failover group lever: a lost server while ARM is slow", () => {
  // Every reply 400 ms late, a call timeout of 2 s and 2 to 4 s between a 5xx and its retry: a
  // lost server's two tries and the wait between (at least 2.8 s) never fit in one call's
  // timeout, and each try fits in its own five times over (room for a slower, busier machine).
  let arm: ArmFixture;
  let sql: SqlService;
  before(async () => {
    ({ arm, sql } = await sqlArm(0, {
      retry: { maxRetries: 3, retryDelayInMs: 4000, maxRetryDelayInMs: 8000 },
      timeoutMs: 2000,
    }));
    arm.emulator.slowMs = 400;
  });
  after(() => arm.stop());

  it("each of the two tries has its own timeout: the server is read as unreachable, not the store as unread", async () => {
    sql.setReachable(SQL_NEU, false);
    const state = await lever(arm).read("shop", "orders");
    assert.equal(state.regions["northeurope"]?.reachable, false);
    assert.equal(state.regions["westeurope"]?.reachable, true);
    assert.deepEqual(
      arm.emulator.requests
        .filter((r) => r.path.toLowerCase().startsWith(SQL_NEU.toLowerCase()))
        .map((r) => r.status),
      [503, 503],
    );
  });
});

describe("sql-failover-group settings", () => {
  const servers = { northeurope: SQL_NEU, westeurope: SQL_WEU };
  const parse = (settings: unknown) => sqlFailoverGroup.schema.safeParse(settings);
  const refused = [
    {
      name: "one server only",
      settings: { servers: { northeurope: SQL_NEU } },
      says: /at least two/,
    },
    {
      name: "a server that is not a SQL server",
      settings: { servers: { ...servers, westeurope: `${RG}/providers/Microsoft.Web/sites/x` } },
      says: /Microsoft\.Sql\/servers/,
    },
    {
      name: "an upper-case group name",
      settings: { servers, failoverGroup: "Fog" },
      says: /lower-case/,
    },
  ];
  for (const c of refused)
    it(`refuses ${c.name}, saying what to fix`, () => {
      const result = parse({ kind: "sql-failover-group", failoverGroup: FG, ...c.settings });
      assert.equal(result.success, false);
      assert.match(JSON.stringify(result.error?.issues), c.says);
    });

  it("takes a store, never allowing data loss unless told, and its lever reads it", async () => {
    const settings: LeverSettings = sqlFailoverGroup.schema.parse({
      kind: "sql-failover-group",
      servers,
      failoverGroup: FG,
    });
    assert.equal(settings["allowDataLoss"], false);
    assert.deepEqual(sqlFailoverGroup.scopes(settings), [SQL_NEU, SQL_WEU]);
    const { arm } = await sqlArm(0);
    try {
      const data = await sqlFailoverGroup.create(
        [{ group: "shop", store: "orders", settings, regions: ["northeurope", "westeurope"] }],
        { conn: arm.conn, log: silentLog },
      );
      assert.equal((await data.read("shop", "orders")).primary, "northeurope");
    } finally {
      await arm.stop();
    }
  });
});

describe("SQL failover group: a failure after Azure took the failover", () => {
  it("a 4xx on the poll that follows an accepted failover is not a refusal: the data step never asks again", async () => {
    const { arm } = await sqlArm(600_000);
    try {
      arm.emulator.faults.push({ status: 403, times: 5, method: "GET", path: "/operations/" });
      await assert.rejects(
        lever(arm).failover("shop", "orders", "westeurope", "planned"),
        (error) => {
          assert.equal((error as { status?: number }).status, 403);
          assert.equal(refusedForSure(error), false, "Azure had taken the failover");
          return true;
        },
      );
      assert.deepEqual(acceptedFailovers(arm), ["westeurope planned"]);
    } finally {
      await arm.stop();
    }
  });
});
