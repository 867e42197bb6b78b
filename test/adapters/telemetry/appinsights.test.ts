// The Application Insights adapter, the real `applicationinsights` package sending to a local
// HTTPS ingestion endpoint: a probe tick gives one availability record per probe (name, run
// location, success, duration, message, custom properties) under the tick's operation id; a
// hanging or failing endpoint costs a tick nothing and its flush no more than its bound.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { stopSettingsPoller, traceIds } from "../../../src/adapters/telemetry/appinsights.js";
import { runProbeTick } from "../../../src/app/probe-tick.js";
import { tickFunction } from "../../../functions/handlers.js";
import type { ProbeTickResult } from "../../../src/app/probe-tick.js";
import type { Runtime } from "../../../src/app/runtime.js";
import {
  durationMs,
  ingestionReceiver,
  ofType,
  props,
  sendingTo,
} from "../../helpers/ingestion.js";
import { regionalApps, runtimeFor, twoRegionConfig } from "../../helpers/runtime.js";
import { waitFor } from "../../helpers/wait.js";
import azf from "@azure/functions";

describe("Application Insights telemetry", () => {
  const apps = regionalApps();
  const receiver = ingestionReceiver();
  const entry = regionalApps();

  const runtime = (store = new MemoryStateStore()): Promise<Runtime> =>
    runtimeFor(
      {
        ...twoRegionConfig({
          westeurope: apps.weu.healthUrl,
          northeurope: apps.neu.healthUrl,
          entry: entry.weu.healthUrl,
        }),
        // Every probe its own record: this suite checks the records' shape, one per probe.
        telemetry: { summaryMinutes: 0 },
      },
      "northeurope",
      { store, ...sendingTo(receiver) },
    );

  it("a probe tick sends one availability record per probe: name, run location, success, duration, message, tick", async () => {
    apps.weu.mode = "down";
    try {
      const rt = await runtime();
      assert.ok(rt.telemetry, "a connection string starts telemetry");
      const before = receiver.envelopes.length;
      const result = await runProbeTick(rt);
      assert.ok(await rt.telemetry.flush(10_000), "the flush completes");
      const operation = `${result.tick.instance}:${result.tick.seq}`;
      const records = await waitFor("the tick's availability records", () => {
        const got = ofType(receiver.envelopes.slice(before), "AvailabilityData").filter(
          (e) => props(e)["tick"] === operation,
        );
        return got.length >= 3 ? got : undefined;
      });
      const byName = new Map(records.map((r) => [r.data.baseData.name, r]));
      assert.deepEqual(
        [...byName.keys()].sort(),
        ["shop/entry-point", "shop/northeurope", "shop/westeurope"],
        "one record per probe, named group/region or group/entry-point",
      );
      assert.equal(records.length, 3, "exactly one per probe");
      for (const observation of result.observations) {
        const name = `shop/${observation.target === "_entry" ? "entry-point" : observation.target}`;
        const record = byName.get(name)!;
        const data = record.data.baseData;
        assert.equal(data["runLocation"], "northeurope", `${name}: run location is the observer`);
        assert.equal(data["success"], observation.ok, `${name}: success`);
        assert.equal(
          Math.round(durationMs(data["duration"])),
          Math.round(observation.latencyMs),
          `${name}: duration is the probe's latency`,
        );
        assert.equal(props(record)["observer"], "northeurope");
        assert.equal(props(record)["operation"], operation);
        assert.equal(
          record.tags["ai.operation.id"],
          traceIds(operation).traceId,
          `${name}: the tick's operation id`,
        );
        assert.equal(record.tags["ai.cloud.role"], "tandem");
        assert.equal(record.tags["ai.cloud.roleInstance"], `northeurope#${rt.instance}`);
      }
      const down = byName.get("shop/westeurope")!;
      assert.equal(down.data.baseData["success"], false);
      assert.match(String(down.data.baseData["message"]), /^http-status: .+/);
      assert.equal(props(down)["statusCode"], "503");
      const up = byName.get("shop/northeurope")!;
      assert.equal(up.data.baseData["success"], true);
      assert.equal(props(up)["statusCode"], "200");
      for (const phase of ["dnsMs", "connectMs", "firstByteMs", "totalMs"])
        assert.equal(
          typeof up.data.baseData.measurements?.[phase],
          "number",
          `phase timing ${phase} is a measurement`,
        );
      // The tick's store calls are dependencies under the same operation id.
      const deps = await waitFor("the tick's store dependencies", () => {
        const got = ofType(receiver.envelopes.slice(before), "RemoteDependencyData").filter(
          (e) => props(e)["operation"] === operation,
        );
        return got.some((d) => d.data.baseData.name === "recordTick") ? got : undefined;
      });
      for (const d of deps) {
        assert.equal(props(d)["kind"], "state-store");
        assert.equal(d.tags["ai.operation.id"], traceIds(operation).traceId);
      }
      await rt.telemetry.close(5000);
    } finally {
      apps.weu.mode = "up";
    }
  });

  it("the SDK's settings poller (settings.sdk.monitor.azure.com) is stopped: nothing but records leaves", () => {
    assert.equal(stopSettingsPoller(), true);
  });

  for (const mode of ["hang", "fail"] as const)
    it(`an ingestion endpoint that ${mode === "hang" ? "never answers" : "answers 500"} costs the tick nothing and the invocation at most its flush bound`, async () => {
      receiver.mode = mode;
      try {
        const rt = await runtime();
        const results: ProbeTickResult[] = [];
        const fn = tickFunction(
          async () => rt,
          "*/2 * * * * *",
          (r) => results.push(r.probe),
        );
        const context = new azf.InvocationContext({ logHandler: () => {} });
        const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: {} };
        const budgetMs = rt.config.policy.intervalSeconds * 1000;
        for (let i = 0; i < 3; i++) {
          const started = Date.now();
          await fn.handler(timer as never, context);
          // The flush waits at most a quarter of the interval (0.5 s here); generous slack for
          // a loaded machine, far below what a hanging endpoint would take (the SDK's 30 s).
          assert.ok(Date.now() - started < budgetMs + 3000, `invocation ${i} ended in time`);
        }
        assert.equal(results.length, 3);
        for (const r of results) {
          assert.deepEqual(r.problems, [], "the tick saw no problem");
          assert.ok(r.durationMs < budgetMs, `the tick took ${r.durationMs} ms`);
        }
        assert.ok(receiver.connections > 0, "the records were offered to the endpoint");
        await rt.telemetry?.close(500);
      } finally {
        receiver.mode = "accept";
      }
    });
});
