// The Cosmos DB lever through the real SDK (@azure/arm-cosmosdb 17) against the ARM emulator over
// HTTPS: what it reads, what each failover sends (and never sends), and what it refuses.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { refusedByStore, refusedForSure } from "../../../src/ports/data-control.js";
import { gatewayAnswers } from "../../../src/providers/cosmosdb/gateway.js";
import { COSMOSDB_API_VERSION } from "../../../src/providers/cosmosdb/operations.js";
import { armRequest, withArm } from "../../helpers/arm.js";
import { waitFor } from "../../helpers/wait.js";
import { ACCOUNT, cosmosLever, cosmosOf, cosmosWrites } from "./fixture.js";

describe("Cosmos DB lever", () => {
  it("reads the write region as primary and every other online region as a copy a planned failover may go to", async () => {
    await withArm({}, async (arm) => {
      const state = await cosmosLever(arm).read("shop", "orders");
      assert.deepEqual(state, {
        primary: "westeurope",
        changing: false,
        regions: {
          westeurope: { reachable: true, caughtUp: false },
          northeurope: { reachable: true, replication: "Succeeded", caughtUp: true },
        },
      });
    });
  });

  it("reads each read region's P99 replication latency from the write region as its lag, only when asked; one it cannot read is unknown, never a failed read", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { threeRegions: true });
      cosmosOf(arm).setReplicationLatency(ACCOUNT, "West Europe", "North Europe", 4200);
      cosmosOf(arm).setReplicationLatency(ACCOUNT, "North Europe", "Sweden Central", 90_000);
      const metrics = () =>
        arm.emulator.requests.filter((r) => r.path.endsWith("/percentile/metrics"));
      const plain = await lever.read("shop", "orders");
      assert.equal(plain.regions["northeurope"]?.lagSeconds, undefined);
      assert.deepEqual(metrics(), [], "no metrics read unless asked");

      const lagged = await lever.read("shop", "orders", { lag: true });
      assert.equal(lagged.regions["northeurope"]?.lagSeconds, 4.2, "P99 in seconds");
      assert.equal(lagged.regions["swedencentral"]?.lagSeconds, undefined, "no values, unknown");
      assert.equal(lagged.regions["westeurope"]?.lagSeconds, undefined, "the write region");
      assert.deepEqual(
        metrics().map((r) => decodeURIComponent(r.path.split("/sourceRegion/")[1]!)),
        [
          "West Europe/targetRegion/North Europe/percentile/metrics",
          "West Europe/targetRegion/Sweden Central/percentile/metrics",
        ],
        "from the write region to each read region",
      );

      arm.emulator.faults.push({ status: 403, times: 10, path: "/percentile/metrics" });
      const refused = await lever.read("shop", "orders", { lag: true });
      assert.equal(refused.regions["northeurope"]?.lagSeconds, undefined);
      assert.equal(refused.regions["northeurope"]?.caughtUp, true, "the rest of the read stands");
    });
  });

  it("a planned failover sends one failoverPriorityChange with every region, never offlineRegion, and returns before it is done", async () => {
    await withArm({ operationMs: 400 }, async (arm) => {
      const lever = cosmosLever(arm);
      await lever.failover("shop", "orders", "northeurope", "planned");
      assert.equal((await lever.read("shop", "orders")).changing, true);
      await waitFor("northeurope takes writes", async () =>
        (await lever.read("shop", "orders")).primary === "northeurope" ? true : undefined,
      );
      assert.deepEqual(cosmosWrites(arm), ["POST failoverPriorityChange 202"]);
      const sent = arm.emulator.requests.find((r) => r.method === "POST")!.body;
      assert.deepEqual(sent, {
        failoverPolicies: [
          { locationName: "North Europe", failoverPriority: 0 },
          { locationName: "West Europe", failoverPriority: 1 },
        ],
      });
    });
  });

  it("sends nothing when the region asked for already takes writes", async () => {
    await withArm({}, async (arm) => {
      await cosmosLever(arm).failover("shop", "orders", "westeurope", "planned");
      assert.deepEqual(cosmosWrites(arm), []);
    });
  });

  // The gateway is Cosmos DB's data plane, not ARM: in a regional outage ARM is slow and throttles,
  // and a healthy region's gateway must still count as reachable (a slow-ARM run of the sandbox
  // once read northeurope's gateway as lost, because the emulator slowed it with ARM).
  it("a region's gateway answers while ARM is slow, failing and throttled; a lost one's address does not, even read before it was lost", async () => {
    await withArm({}, async (arm) => {
      cosmosLever(arm);
      const account = await armRequest(arm, "GET", ACCOUNT, COSMOSDB_API_VERSION);
      const endpoints = Object.fromEntries(
        ((account.body as any).properties.readLocations as any[]).map((l) => [
          l.locationName,
          l.documentEndpoint as string,
        ]),
      );
      arm.emulator.slowMs = 20_000;
      arm.emulator.faults.push({ status: 500, times: 50 }, { status: 429, times: 50 });
      const ca = arm.emulator.ca;
      assert.equal(await gatewayAnswers(endpoints["North Europe"]!, { ca, timeoutMs: 2000 }), true);
      cosmosOf(arm).setLost(ACCOUNT, "North Europe", true);
      assert.equal(
        await gatewayAnswers(endpoints["North Europe"]!, { ca, timeoutMs: 2000 }),
        false,
      );
      assert.deepEqual(
        arm.emulator.requests
          .filter((r) => r.path.startsWith("/cosmos-gateway/"))
          .map((r) => r.status),
        [401, 0],
      );
      arm.emulator.slowMs = 0;
    });
  });

  it("never asks for a forced failover of a store that does not allow data loss: not one request", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: false });
      cosmosOf(arm).setLost(ACCOUNT, "West Europe", true);
      await assert.rejects(lever.failover("shop", "orders", "northeurope", "forced"), (error) => {
        assert.match(String(error), /refused, store orders does not allow data loss/);
        assert.ok(refusedForSure(error), "the data step may know nothing was sent");
        assert.ok(refusedByStore(error), "a rule's refusal counts towards giving the store up");
        return true;
      });
      assert.equal(arm.emulator.requests.length, 0);
    });
  });

  it("a failover whose first read of the account fails sends nothing, and says so as a refusal (the data step may ask again)", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: true });
      arm.emulator.faults.push({ status: 500, times: 20, method: "GET", path: "databaseAccounts" });
      await assert.rejects(lever.failover("shop", "orders", "northeurope", "planned"), (error) => {
        assert.match(String(error), /not sent, the account could not be read first/);
        assert.ok(refusedForSure(error));
        assert.equal(refusedByStore(error), false, "it may pass: not counted towards giving up");
        return true;
      });
      assert.equal(arm.emulator.requests.filter((r) => r.method === "POST").length, 0);
    });
  });

  it("a forced failover takes the lost write region offline and the next region takes writes; never a failoverPriorityChange", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: true });
      cosmosOf(arm).setLost(ACCOUNT, "West Europe", true);
      await lever.failover("shop", "orders", "northeurope", "forced");
      assert.deepEqual(cosmosWrites(arm), ["POST offlineRegion 202"]);
      assert.deepEqual(arm.emulator.requests.find((r) => r.method === "POST")!.body, {
        region: "West Europe",
      });
      const state = await lever.read("shop", "orders");
      assert.equal(state.primary, "northeurope");
      assert.deepEqual(state.regions["westeurope"], {
        reachable: false,
        replication: "Offline",
        caughtUp: false,
      });
    });
  });

  it("refuses a forced failover to a region that is not next in failover priority, naming the one that is", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: true, threeRegions: true });
      cosmosOf(arm).setLost(ACCOUNT, "West Europe", true);
      await assert.rejects(
        lever.failover("shop", "orders", "swedencentral", "forced"),
        /would give writes to North Europe, not swedencentral/,
      );
      assert.deepEqual(cosmosWrites(arm), []);
    });
  });

  it("refuses a forced failover while the write region answers: a planned one loses nothing", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { allowDataLoss: true });
      await assert.rejects(
        lever.failover("shop", "orders", "northeurope", "forced"),
        /the write region \(westeurope\) answers: a planned failover loses nothing/,
      );
      assert.deepEqual(cosmosWrites(arm), []);
    });
  });

  it("refuses a planned failover while the write region's gateway does not answer (Azure's would fail), naming the forced one", async () => {
    await withArm({ operationMs: 50 }, async (arm) => {
      const lever = cosmosLever(arm);
      cosmosOf(arm).setLost(ACCOUNT, "West Europe", true);
      const state = await lever.read("shop", "orders");
      assert.equal(state.regions["westeurope"]!.reachable, false);
      assert.equal(state.regions["northeurope"]!.caughtUp, false);
      await assert.rejects(
        lever.failover("shop", "orders", "northeurope", "planned"),
        /write region's copy \(westeurope\) is unreachable.*a forced failover is what Azure offers/,
      );
      assert.deepEqual(cosmosWrites(arm), []);
      // Sent anyway (as a person might), Azure accepts it and the operation fails: nothing moves.
      const sent = await armRequest(
        arm,
        "POST",
        `${ACCOUNT}/failoverPriorityChange`,
        "2026-03-15",
        {
          failoverPolicies: [
            { locationName: "North Europe", failoverPriority: 0 },
            { locationName: "West Europe", failoverPriority: 1 },
          ],
        },
      );
      assert.equal(sent.status, 202);
      await waitFor("the operation ends", () => (cosmosOf(arm).busy(ACCOUNT) ? undefined : true));
      assert.equal(cosmosOf(arm).writeRegion(ACCOUNT), "West Europe");
    });
  });

  it("two failovers at once: Cosmos DB's lock refuses the second with 412, and the lever says one operation runs at a time", async () => {
    await withArm({ operationMs: 400 }, async (arm) => {
      const lever = cosmosLever(arm);
      const results = await Promise.allSettled([
        lever.failover("shop", "orders", "northeurope", "planned"),
        lever.failover("shop", "orders", "northeurope", "planned"),
      ]);
      const refused = results.filter((r) => r.status === "rejected");
      assert.equal(refused.length, 1);
      assert.match(
        String((refused[0] as PromiseRejectedResult).reason),
        /412 PreconditionFailed: .*exclusive lock.*one operation on an account at a time/,
      );
      assert.deepEqual(cosmosWrites(arm).sort(), [
        "POST failoverPriorityChange 202",
        "POST failoverPriorityChange 412",
      ]);
      // Asked again while it runs, the lever leaves the refusal to Azure's lock: it says so.
      await assert.rejects(
        lever.failover("shop", "orders", "northeurope", "planned"),
        /412 PreconditionFailed: .*in progress/,
      );
      assert.deepEqual(cosmosWrites(arm).filter((w) => w.endsWith("202")).length, 1);
    });
  });

  it("an account with multi-region writes shows every copy taking writes and refuses to move a write region", async () => {
    await withArm({}, async (arm) => {
      const lever = cosmosLever(arm, { multiWrite: true, allowDataLoss: true });
      const state = await lever.read("shop", "orders");
      assert.equal(state.primary, undefined);
      assert.deepEqual(
        Object.values(state.regions).map((c) => c.replication),
        ["MultiRegionWrites", "MultiRegionWrites"],
      );
      assert.match(
        state.unmovable ?? "",
        /multi-region writes/,
        "the data step refuses it at once",
      );
      for (const mode of ["planned", "forced"] as const)
        await assert.rejects(
          lever.failover("shop", "orders", "northeurope", mode),
          /takes writes in every region \(enableMultipleWriteLocations\): there is no single write region to move/,
        );
      assert.deepEqual(cosmosWrites(arm), []);
    });
  });
});
