// A failover seen through Application Insights: two observers (the real probes against regional
// apps on loopback, the real Traffic Manager adapter against the ARM emulator, the real
// `applicationinsights` package sending to a local HTTPS ingestion endpoint) lose westeurope and
// fail over. Its events and ARM dependencies carry the incident's id, and each tick's records
// share the tick's operation id. Then every table, record name and custom property that the
// workbook's and the alert rules' queries name is checked against what the adapter sent.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemoryStateStore } from "../../src/adapters/store/memory/memory-store.js";
import { traceIds } from "../../src/adapters/telemetry/appinsights.js";
import { runOrchestrateTick } from "../../src/app/orchestrate-tick.js";
import { runProbeTick } from "../../src/app/probe-tick.js";
import type { Runtime } from "../../src/app/runtime.js";
import type { TandemConfigInput } from "../../src/config/index.js";
import type { TandemEvent } from "../../src/core/events.js";
import type { Envelope } from "../../src/sandbox/ingestion-receiver.js";
import { sandboxCredential } from "../../src/sandbox/credential.js";
import { ROOT } from "../helpers/paths.js";
import { startArm } from "../helpers/arm.js";
import type { ArmFixture } from "../helpers/arm.js";
import { ingestionReceiver, ofType, props, sendingTo } from "../helpers/ingestion.js";
import {
  ManualTimeRealWaits,
  TEST_OPERATOR,
  regionalApps,
  runtimeFor,
} from "../helpers/runtime.js";
import { API_ROUTES, serve } from "../../src/app/api/routes.js";
import { tmShop } from "../helpers/tm-shop.js";
import { waitFor } from "../helpers/wait.js";
import { after, before } from "node:test";

const TABLES: Record<string, string> = {
  AvailabilityData: "availabilityResults",
  EventData: "customEvents",
  MetricData: "customMetrics",
  RemoteDependencyData: "dependencies",
};

/** The record's name as its table holds it (a metric's is inside its data point). */
function nameOf(e: Envelope): string | undefined {
  if (e.data.baseType !== "MetricData") return e.data.baseData.name;
  return (e.data.baseData["metrics"] as { name: string }[] | undefined)?.[0]?.name;
}

describe("a failover in Application Insights", () => {
  const apps = regionalApps();
  const receiver = ingestionReceiver();
  let arm: ArmFixture;
  before(async () => {
    arm = await startArm();
  });
  after(() => arm.stop());

  it("its events and ARM dependencies carry the incident's id, each tick's records its operation id; the workbook and alert rules query only what is sent", async () => {
    const raw: TandemConfigInput = {
      observers: [{ region: "westeurope" }, { region: "northeurope" }],
      stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
      policy: { intervalSeconds: 2, probeTimeoutSeconds: 1, failureThreshold: 2, dwellSeconds: 4 },
      // Passing targets are summed up per minute: the run below closes at least one window.
      telemetry: { summaryMinutes: 1 },
      groups: [
        tmShop({ probe: { url: apps.weu.healthUrl } }, { probe: { url: apps.neu.healthUrl } }),
      ],
    };
    const store = new MemoryStateStore();
    // Waits at a tenth of real time; no wait moves the clock: ARM's answers take real time, and
    // the fence cuts a call only once a round has moved the clock past its acting time.
    const clock = new ManualTimeRealWaits(0.1);
    const { credential: _, ...conn } = arm.conn;
    const runtimes: Runtime[] = [];
    for (const observer of ["westeurope", "northeurope"])
      runtimes.push(
        await runtimeFor(raw, observer, {
          store,
          clock,
          arm: conn,
          credential: sandboxCredential,
          localPrincipal: TEST_OPERATOR,
          ...sendingTo(receiver),
        }),
      );
    const round = async () => {
      clock.advance(2000);
      for (const rt of runtimes) await runProbeTick(rt);
      return Promise.all(runtimes.map((rt) => runOrchestrateTick(rt)));
    };
    // Both observers see both regions healthy; one takes the lease.
    for (let i = 0; i < 6; i++) await round();
    apps.weu.mode = "down";
    let incident: string | undefined;
    try {
      for (let i = 0; i < 30; i++) {
        const results = await round();
        const done = results
          .flatMap((r) => r.groups)
          .find((g) => g.incident && ["completed", "failed"].includes(g.incident.step));
        if (done?.incident) {
          incident = done.incident.id;
          assert.equal(done.incident.step, "completed", JSON.stringify(done.incident.history));
          break;
        }
      }
    } finally {
      apps.weu.mode = "up";
    }
    assert.ok(incident, "the failover completed");

    // An operator fails back once westeurope is healthy again: the request's records carry its id.
    const holder = runtimes.find((r) => r.memory.lease.held) ?? runtimes[0]!;
    let failback: string | undefined;
    for (let i = 0; i < 30 && !failback; i++) {
      const results = await round();
      const weu = results.flatMap((r) => r.groups).find((g) => g.states)?.states?.["westeurope"];
      if (weu?.verdict !== "healthy") continue;
      const answer = await serve(
        API_ROUTES.find((r) => r.name === "command")!,
        () => Promise.resolve(holder),
        {
          method: "POST",
          params: { group: "shop", command: "failback" },
          query: new URLSearchParams(),
          headers: {
            get: (h: string) => (h.toLowerCase() === "content-type" ? "application/json" : null),
          },
          bytes: () =>
            Promise.resolve(
              new TextEncoder().encode(JSON.stringify({ to: "westeurope", reason: "back home" })),
            ),
          id: "request-failback-1",
        },
        { error: () => {} },
      );
      assert.equal(answer.status, 202, `failback answered ${JSON.stringify(answer)}`);
      failback = (answer.jsonBody as { incident?: string }).incident;
    }
    assert.ok(failback, "the failback was accepted");
    for (let i = 0; i < 30; i++) {
      const results = await round();
      const step = results.flatMap((r) => r.groups).find((g) => g.incident?.id === failback)
        ?.incident?.step;
      if (step === "completed") break;
    }
    // Quiet rounds until a minute's window has closed since the failback: the passing targets'
    // summaries and the groups' metrics are sent.
    const failbackDone = clock.now();
    while (Math.floor(clock.now() / 60_000) <= Math.floor(failbackDone / 60_000) + 1) await round();
    for (const rt of runtimes) assert.ok(await rt.telemetry!.flush(10_000));

    const sent = await waitFor("the incident's closing event", () => {
      const closed = ofType(receiver.envelopes, "EventData").some(
        (e) => e.data.baseData.name === "incident.closed" && props(e)["incident"] === incident,
      );
      return closed ? [...receiver.envelopes] : undefined;
    });
    const ofIncident = sent.filter((e) => props(e)["incident"] === incident);
    const events = ofType(ofIncident, "EventData");
    const names = new Set(events.map((e) => e.data.baseData.name));
    for (const name of ["incident.opened", "incident.step", "incident.closed", "lever.changed"])
      assert.ok(names.has(name), `${name} carries the incident id (got ${[...names].join(", ")})`);
    const armCalls = ofType(ofIncident, "RemoteDependencyData").filter(
      (e) => props(e)["kind"] === "arm",
    );
    assert.ok(
      armCalls.some((d) =>
        /^PATCH .*\/trafficManagerProfiles\/tm-shop\//i.test(d.data.baseData.name ?? ""),
      ),
      `the Traffic Manager change is an ARM dependency of the incident (got ${armCalls.map((d) => d.data.baseData.name).join(", ")})`,
    );
    // Every record of the incident is under the operation id of the tick that made it, and the
    // tick that changed the lever also said so in an event with the same operation id.
    for (const record of ofIncident) {
      const operation = props(record)["operation"];
      assert.ok(operation, `${record.data.baseType} ${nameOf(record)} has an operation`);
      assert.equal(record.tags["ai.operation.id"], traceIds(operation).traceId);
    }
    for (const call of armCalls.filter((d) => d.data.baseData.name?.startsWith("PATCH"))) {
      const operation = props(call)["operation"];
      assert.ok(
        events.some((e) => props(e)["operation"] === operation),
        `the tick ${operation} that called ARM also sent the incident's events`,
      );
    }
    // Verdicts and the lease are events too (not of the incident).
    const allEvents = new Set(ofType(sent, "EventData").map((e) => e.data.baseData.name));
    for (const name of ["verdict.changed", "lease.acquired", "command.accepted"])
      assert.ok(allEvents.has(name), `${name} is sent`);
    const accepted = ofType(sent, "EventData").find(
      (e) => e.data.baseData.name === "command.accepted",
    )!;
    assert.equal(
      props(accepted)["operation"],
      "request-failback-1",
      "the request's id is its operation",
    );
    assert.equal(props(accepted)["incident"], failback);
    assert.ok(
      !allEvents.has("probe.outcome"),
      "probe outcomes are availability records, not events",
    );

    // Events this short run does not cause, made as Tandem makes them (typed, through the real
    // subscriber and adapter), so that the queries on them are checked against real records too.
    const rt = runtimes[1]!;
    const origin = {
      id: "sample/1",
      observer: rt.observer,
      instance: rt.instance,
      at: clock.now(),
      operation: "sample:1",
    };
    const samples: TandemEvent[] = [
      { ...origin, type: "split-view", group: "shop", region: "westeurope", reason: "sample" },
      {
        ...origin,
        type: "automation.refused",
        group: "shop",
        rule: "failover-cap",
        reason: "sample",
      },
      { ...origin, type: "lease.lost", holder: "x", epoch: 1, reason: "sample" },
      { ...origin, type: "observer.stale", peer: "westeurope", heartbeat: "a:1" },
      { ...origin, type: "observer.live", peer: "westeurope" },
    ];
    for (const e of samples) rt.events.emit(e);
    // A data store's readiness (this group has none), as src/app/readiness.ts sends it.
    rt.telemetry!.metric("tandem.readiness", 1, {
      group: "shop",
      check: "standby-data",
      region: "northeurope",
      store: "orders",
      operation: "sample:1",
    });
    await rt.telemetry!.flush(10_000);
    const all = await waitFor("the sample events", () =>
      receiver.envelopes.filter((e) => props(e)["operation"] === "sample:1").length >=
      samples.length + 1
        ? [...receiver.envelopes]
        : undefined,
    );
    for (const r of runtimes) await r.telemetry!.close(5000);
    checkQueries(all);
  });
});

describe("host.json sampling", () => {
  it("the host may sample its own requests, never events or exceptions (Tandem's records bypass it)", () => {
    const host = JSON.parse(readFileSync(join(ROOT, "host.json"), "utf8")) as {
      logging: {
        applicationInsights: { samplingSettings: { isEnabled: boolean; excludedTypes: string } };
      };
    };
    const sampling = host.logging.applicationInsights.samplingSettings;
    const excluded = sampling.excludedTypes.split(";");
    assert.ok(excluded.includes("Event") && excluded.includes("Exception"));
    assert.ok(!excluded.includes("Request"), "the host's request telemetry may be sampled");
  });
});

/** What the queries name, checked against the records sent. */
function checkQueries(sent: readonly Envelope[]): void {
  const tables = new Set(sent.map((e) => TABLES[e.data.baseType]).filter(Boolean));
  const names = new Set(sent.map(nameOf).filter((n): n is string => n !== undefined));
  const dimensions = new Set(sent.flatMap((e) => Object.keys(props(e))));
  const measurements = new Set(
    sent.flatMap((e) => Object.keys(e.data.baseData.measurements ?? {})),
  );
  const workbook = JSON.parse(
    readFileSync(join(ROOT, "infra/telemetry/workbook.json"), "utf8"),
  ) as {
    items: { content: { query?: string } }[];
  };
  const rules = JSON.parse(
    readFileSync(join(ROOT, "infra/telemetry/alert-rules.json"), "utf8"),
  ) as {
    rules: { name: string; query: string }[];
  };
  const queries = [
    ...workbook.items.flatMap((i, n) =>
      i.content.query ? [[`workbook item ${n}`, i.content.query]] : [],
    ),
    ...rules.rules.map((r) => [`alert rule ${r.name}`, r.query]),
  ] as [string, string][];
  assert.ok(queries.length >= 12, `found ${queries.length} queries`);
  for (const [where, query] of queries) {
    const named = [
      ...query.matchAll(
        /\b(availabilityResults|customEvents|customMetrics|dependencies|requests|traces|exceptions|pageViews)\b/g,
      ),
    ].map((m) => m[1]!);
    assert.ok(named.length > 0, `${where} names a table`);
    for (const table of named)
      assert.ok(tables.has(table), `${where}: Tandem sends nothing to ${table}`);
    const recordNames = [
      ...[...query.matchAll(/\bname\s*==\s*"([^"]+)"/g)].map((m) => m[1]!),
      ...[...query.matchAll(/\bname\s+in\s*\(([^)]*)\)/g)].flatMap((m) =>
        [...m[1]!.matchAll(/"([^"]+)"/g)].map((x) => x[1]!),
      ),
    ];
    for (const name of recordNames)
      assert.ok(names.has(name), `${where}: no record is named ${name}`);
    for (const m of query.matchAll(/customDimensions(?:\.(\w+)|\["(\w+)"\])/g)) {
      const key = m[1] ?? m[2]!;
      assert.ok(dimensions.has(key), `${where}: no record has the custom dimension ${key}`);
    }
    // A passing target's summary stands for many probes: an availability over availability
    // records weighs each by its count, never counts records.
    if (/\bavailabilityResults\b/.test(query) && /\bsuccess\b/.test(query)) {
      assert.doesNotMatch(query, /countif\(success|count\(\)/, `${where} counts records`);
      assert.match(query, /customMeasurements\.probes/, `${where} does not weigh by probes`);
    }
    for (const m of query.matchAll(/customMeasurements(?:\.(\w+)|\["(\w+)"\])/g)) {
      const key = m[1] ?? m[2]!;
      assert.ok(measurements.has(key), `${where}: no record has the measurement ${key}`);
    }
  }
  // The standard columns the queries read are filled: run location, message, result code.
  const availability = ofType(sent, "AvailabilityData");
  const summaries = availability.filter((a) => props(a)["summary"] === "true");
  assert.ok(summaries.length > 0, "passing targets were summed up");
  for (const s of summaries) {
    const m = s.data.baseData.measurements!;
    assert.ok(m["probes"]! >= 1 && m["passed"] === m["probes"], JSON.stringify(m));
  }
  assert.ok(availability.every((a) => typeof a.data.baseData["runLocation"] === "string"));
  assert.ok(
    availability.some((a) => a.data.baseData["success"] === false && a.data.baseData["message"]),
  );
  assert.ok(
    ofType(sent, "RemoteDependencyData").every((d) => d.data.baseData["resultCode"] !== undefined),
  );
  assert.ok(sent.every((e) => e.tags["ai.cloud.roleInstance"]));
}
