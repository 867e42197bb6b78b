// Without APPLICATIONINSIGHTS_CONNECTION_STRING, Tandem makes no telemetry: the package is not
// even loaded, and a probe tick and an orchestrate tick open sockets only to what they probe.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import net from "node:net";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { runOrchestrateTick } from "../../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../../src/app/probe-tick.js";
import { regionalApps, runtimeFor, twoRegionConfig } from "../../helpers/runtime.js";

describe("telemetry without a connection string", () => {
  const apps = regionalApps();

  it("sends nothing, loads no SDK and opens no socket but the probes'", async () => {
    const connects: string[] = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      // Node passes its normalised arguments as one array.
      const raw = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
      const first = raw as { port?: unknown; host?: unknown; path?: unknown } | number;
      connects.push(
        typeof first === "object" && first !== null
          ? `${String(first.host ?? first.path)}:${String(first.port ?? "")}`
          : String(first),
      );
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof original;
    try {
      const rt = await runtimeFor(
        twoRegionConfig({ westeurope: apps.weu.healthUrl, northeurope: apps.neu.healthUrl }),
        "westeurope",
        // An unrelated setting, to show that only the connection string starts telemetry.
        {
          store: new MemoryStateStore(),
          env: { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD" },
        },
      );
      assert.equal(rt.telemetry, undefined);
      const probe = await runProbeTick(rt);
      assert.equal(probe.observations.length, 2);
      await runOrchestrateTick(rt);
      const allowed = new Set([apps.weu.host, apps.neu.host]);
      assert.ok(connects.length > 0, "the probes connected");
      for (const c of connects) assert.ok(allowed.has(c), `unexpected connection to ${c}`);
    } finally {
      net.Socket.prototype.connect = original;
    }
    const cache = createRequire(import.meta.url).cache;
    assert.ok(
      !Object.keys(cache).some((k) => /[\\/]applicationinsights[\\/]/.test(k)),
      "the applicationinsights package was not loaded",
    );
  });
});
