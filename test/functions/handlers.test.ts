// The Function App's handlers, called directly with HttpRequest / InvocationContext objects,
// as the Azure Functions host would call them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import azf from "@azure/functions";
import type { Timer } from "@azure/functions";
import { tickFunction } from "../../functions/handlers.js";
import { statusApiFunction as statusFunction } from "../../functions/api.js";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import { ConfigError } from "../../src/config/index.js";
import { StoreError } from "../../src/ports/state-store.js";
import {
  ManualClock,
  TEST_READER,
  regionalApps,
  runtimeFor,
  twoRegionConfig,
} from "../helpers/runtime.js";

function context(name: string) {
  const lines: [string, string][] = [];
  const ctx = new azf.InvocationContext({
    invocationId: "test",
    functionName: name,
    logHandler: (level, ...args) => lines.push([level, args.map(String).join(" ")]),
  });
  return { ctx, lines };
}

const get = (path: string) =>
  new azf.HttpRequest({ method: "GET", url: `http://127.0.0.1:7071${path}` });
const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: { last: "", next: "", lastUpdated: "" },
};

describe("Functions handlers", () => {
  const { weu, neu } = regionalApps();
  const config = () => twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl });

  it("GET /api/status answers the lease, each observer's liveness, and each region's verdict with its evidence", async () => {
    const store = new MemoryStateStore();
    const clock = new ManualClock();
    const west = await runtimeFor(config(), "westeurope", {
      store,
      clock,
      instance: "w1",
      localPrincipal: TEST_READER,
    });
    const north = await runtimeFor(config(), "northeurope", { store, clock, instance: "n1" });
    // Two rounds a lease duration apart: heartbeats seen changing, and the absent lease row waited out.
    for (let round = 0; round < 2; round++) {
      await runProbeTick(west);
      await runProbeTick(north);
      await runOrchestrateTick(west);
      clock.advance(6000);
    }
    await runProbeTick(west);
    await runProbeTick(north);
    await runOrchestrateTick(west);
    clock.advance(1500);

    const { ctx } = context("status");
    const response = await statusFunction(async () => west).handler(get("/api/status"), ctx);
    assert.equal(response.status, 200);
    const body = response.jsonBody as any;
    assert.equal(body.answeredBy, "westeurope");
    assert.deepEqual(body.lease, {
      holder: "westeurope#w1",
      observer: "westeurope",
      epoch: 1,
      heldByThisProcess: true,
    });
    assert.deepEqual(
      body.observers.map((o: any) => [o.region, o.liveness, o.unchangedForSeconds]),
      [
        ["westeurope", "live", 1.5],
        ["northeurope", "live", 1.5],
      ],
    );
    const regions = body.groups[0].regions;
    assert.deepEqual(
      regions.map((r: any) => [r.name, r.role, r.verdict, r.verdictFrom]),
      [
        ["westeurope", "primary", "healthy", "lease-holder"],
        ["northeurope", "secondary", "healthy", "lease-holder"],
      ],
    );
    assert.deepEqual(regions[0].evidence.outside, [{ observer: "northeurope", view: "passing" }]);
    assert.deepEqual(regions[0].evidence.inside, {
      observer: "westeurope",
      view: "passing",
      silent: false,
    });
    assert.deepEqual(
      regions[0].observations.map((o: any) => [o.observer, o.status, o.current]),
      [
        ["northeurope", "up", true],
        ["westeurope", "up", true],
      ],
    );
  });

  it("GET /api/status answers 503 with the store's message when the store is down, and no stack", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config(), "westeurope", { store, localPrincipal: TEST_READER });
    store.readAllObservations = async () => {
      throw new StoreError("unavailable", "state store: reading heartbeats failed: ECONNREFUSED");
    };
    const { ctx, lines } = context("status");
    const response = await statusFunction(async () => rt).handler(get("/api/status"), ctx);
    assert.equal(response.status, 503);
    assert.deepEqual(response.jsonBody, {
      error: {
        code: "StateStoreUnavailable",
        message: "state store: reading heartbeats failed: ECONNREFUSED",
      },
    });
    assert.deepEqual(lines, [["error", "state store: reading heartbeats failed: ECONNREFUSED"]]);
  });

  it("GET /api/status answers 500 when the config is invalid, and lists the problems in the log, not to the caller", async () => {
    const broken = new ConfigError("tandem.config.json", [
      { path: "groups[0].model", message: "must be one of ..." },
    ]);
    const { ctx, lines } = context("status");
    const response = await statusFunction(() => Promise.reject(broken)).handler(
      get("/api/status"),
      ctx,
    );
    assert.equal(response.status, 500);
    assert.deepEqual(response.jsonBody, {
      error: {
        code: "ConfigInvalid",
        message: "Tandem's configuration is invalid; the function log lists the problems",
      },
    });
    assert.ok(lines.some(([level, text]) => level === "error" && /groups\[0\]\.model/.test(text)));
  });

  it("GET /api/status hides an unexpected error's details from the caller and logs them", async () => {
    const { ctx, lines } = context("status");
    const response = await statusFunction(() =>
      Promise.reject(new Error("boom at secret place")),
    ).handler(get("/api/status"), ctx);
    assert.equal(response.status, 500);
    assert.doesNotMatch(JSON.stringify(response.jsonBody), /boom/);
    assert.match(lines[0]![1], /boom at secret place/);
  });

  it("the tick timer records this observer's observations, looks at the lease and logs a summary", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config(), "northeurope", { store });
    const { ctx, lines } = context("tick");
    await tickFunction(async () => rt, "*/10 * * * * *").handler(timer, ctx);
    assert.deepEqual(
      (await store.readAllObservations()).observations
        .filter((o) => o.group === "shop")
        .map((o) => o.observer),
      ["northeurope", "northeurope"],
    );
    assert.match(
      lines[0]![1],
      /^observer northeurope: 2 target\(s\) probed, 0 failing, in \d+ ms; lease waiting \(epoch 0, \(nobody\)\)$/,
    );
  });

  it("the tick timer logs store problems as errors and does not throw", async () => {
    const store = new MemoryStateStore();
    const rt = await runtimeFor(config(), "northeurope", { store });
    store.recordTick = async () => {
      throw new StoreError(
        "unavailable",
        "state store: writing the tick of northeurope failed: 503",
      );
    };
    const { ctx, lines } = context("tick");
    await tickFunction(async () => rt, "*/10 * * * * *").handler(timer, ctx);
    assert.deepEqual(
      lines.filter(([level]) => level === "error"),
      [["error", "state store: writing the tick of northeurope failed: 503"]],
    );
  });
});
