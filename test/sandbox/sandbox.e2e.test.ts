// The sandbox end to end, in-process on a free port: real Azurite, real regional apps, both
// observers on the local host's timer, the status API and the fault API over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { infoOf } from "../../src/core/alerts.js";
import type { AlertType } from "../../src/core/alerts.js";
import type { TandemEvent } from "../../src/core/events.js";
import { telemetrySubscriber } from "../../src/app/telemetry/subscriber.js";
import type { AvailabilityRecord, Properties } from "../../src/ports/telemetry.js";
import { noTelemetry } from "../../src/ports/telemetry.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { sandboxCalls } from "../helpers/sandbox.js";
import { ticks, transitions, waitFor, withoutRepeats } from "../helpers/wait.js";

const INTERVAL = 1;
/** Real-time limits, from the interval: generous, for slow and busy machines. */
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

describe("sandbox end to end", () => {
  let sandbox: Sandbox;
  const lines: string[] = [];
  // Every event both observers published, and the telemetry records the telemetry subscriber
  // derived from them (every probe a record of its own), to trace each record to its event.
  const events = new Map<string, TandemEvent>();
  const customEvents: { name: string; properties: Properties }[] = [];
  const availability: AvailabilityRecord[] = [];
  const recording = {
    ...noTelemetry,
    event: (name: string, properties: Properties) => customEvents.push({ name, properties }),
    availability: (record: AvailabilityRecord) => availability.push(record),
  };

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      intervalSeconds: INTERVAL,
      failureThreshold: 2,
      dwellSeconds: 2,
      output: (l) => lines.push(l),
      subscribers: [
        { name: "test: every event", fn: (e) => void events.set(e.id, e) },
        telemetrySubscriber(recording, { windowMs: 0, intervalMs: INTERVAL * 1000 }),
      ],
    });
  });
  after(async () => sandbox.stop());

  const { status, post } = sandboxCalls(() => sandbox);
  const verdicts = async () => {
    const body = await status();
    return Object.fromEntries(
      body.groups[0].regions.map((r: any) => [r.name, r.verdict]),
    ) as Record<string, string>;
  };
  /** Waits until both regions are healthy, within `n` ticks. */
  const bothHealthy = (n: number) =>
    waitFor(
      "both regions healthy",
      async () => {
        const v = await verdicts();
        return v["westeurope"] === "healthy" && v["northeurope"] === "healthy" ? v : undefined;
      },
      { ...within(n), seen: verdicts },
    );

  it("sees both regions healthy from both observers", async () => {
    await bothHealthy(15);
    const body = await waitFor(
      "both observers live and reporting, one holding the lease, and the entry point answering",
      async () => {
        const b = await status();
        return b.groups[0].regions[0].observations.length === 2 &&
          b.lease &&
          b.observers.every((o: any) => o.liveness === "live") &&
          b.groups[0].entryPoint.observations.some((o: any) => o.status === "up") &&
          b.groups[0].routing
          ? b
          : undefined;
      },
      { ...within(10), seen: status },
    );
    assert.deepEqual(
      body.observers.map((o: any) => [o.region, o.liveness]),
      [
        ["westeurope", "live"],
        ["northeurope", "live"],
      ],
    );
    assert.equal(body.lease.epoch, 1, "one observer took the lease, once");
    assert.deepEqual(
      body.groups[0].regions[0].observations.map((o: any) => o.observer),
      ["northeurope", "westeurope"],
    );
    assert.equal(body.groups[0].routing.primary, "westeurope", "the entry point routes to it");
  });

  it("takes westeurope down through the fault API and the lease holder records it down, by a clean path", async () => {
    const mark = lines.length;
    const response = await post("/sandbox/regions/westeurope/down");
    assert.equal(response.status, 200);
    assert.deepEqual(((await response.json()) as any).regions, {
      westeurope: "down",
      northeurope: "up",
    });
    await waitFor(
      "westeurope to be recorded down",
      () =>
        transitions(lines, "shop/westeurope", mark).some((t) => t.to === "down") ? true : undefined,
      { ...within(10), seen: () => transitions(lines, "shop/westeurope", mark) },
    );
    // The recorded path: from healthy to down, through suspect or a passing split view when one
    // observer's failures land before the other's (both land in one tick as often as not), or
    // unknown when a busy machine makes an observation late; through nothing else (never
    // recovering or healthy on the way).
    // A busy machine may also have made it unknown just before the fault, and healthy again.
    const path = transitions(lines, "shop/westeurope", mark);
    const all = [path[0]!.from, ...path.map((t) => t.to)];
    const said = `recorded ${all.join(" -> ")}`;
    const lastHealthy = all.lastIndexOf("healthy");
    assert.ok(lastHealthy >= 0, `healthy before the fault: ${said}`);
    assert.ok(
      all.slice(0, lastHealthy).every((s) => s === "unknown" || s === "healthy"),
      `nothing but lateness before the fault: ${said}`,
    );
    const steps = all.slice(lastHealthy);
    assert.equal(steps.at(-1), "down", said);
    assert.ok(
      steps.slice(1, -1).every((s) => ["suspect", "split-view", "unknown"].includes(s)),
      said,
    );
    assert.match(path.at(-1)!.reason, /northeurope/, "the outside observer's evidence is named");
    assert.ok(
      !transitions(lines, "shop/northeurope", mark).some((t) => t.to === "down"),
      "the other region is never judged down",
    );
    const west = (await status()).groups[0].regions[0];
    assert.equal(west.verdict, "down");
    assert.ok(
      west.observations.every((o: any) => o.status === "down" && o.consecutiveFailures >= 2),
    );
  });

  it("fails over: the lease holder promotes northeurope, and the entry point serves from it", async () => {
    const done = await waitFor(
      "the failover to complete",
      async () => {
        const incident = (await status()).groups[0].incident;
        return incident?.kind === "failover" && incident.step === "completed"
          ? incident
          : undefined;
      },
      { ...within(15), seen: async () => (await status()).groups[0].incident },
    );
    // From the incident's own history; a step may be recorded more than once on a slow machine.
    assert.deepEqual(withoutRepeats(done.history.map((h: any) => h.step)), [
      "detected",
      "confirmed",
      "shifting-traffic",
      "verifying",
      "completed",
    ]);
    const body = await status();
    assert.equal(body.groups[0].routing.primary, "northeurope");
    const served = await fetch(sandbox.entryPoint.healthUrl);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("x-served-by"), "northeurope");
  });

  it("brings westeurope back up: it recovers, is healthy after the dwell time, and traffic fails back", async () => {
    const mark = lines.length;
    assert.equal((await post("/sandbox/regions/westeurope/up")).status, 200);
    await waitFor(
      "traffic back on westeurope",
      async () => {
        const body = await status();
        return body.groups[0].incident?.kind === "failback" &&
          body.groups[0].incident.step === "completed" &&
          body.groups[0].routing.primary === "westeurope"
          ? true
          : undefined;
      },
      { ...within(20), seen: async () => (await status()).groups[0].incident },
    );
    // A region that was down is recovering for the dwell time before it is healthy: the
    // recorded path says so, however slowly the machine ran.
    const path = transitions(lines, "shop/westeurope", mark);
    assert.deepEqual(
      [path[0]?.from, ...path.map((t) => t.to)],
      ["down", "recovering", "healthy"],
      lines.slice(mark).join("\n"),
    );
  });

  it("every alert, audit row and telemetry record of the failover and failback traces to one event", async () => {
    const audited = (e: TandemEvent) =>
      e.type.startsWith("action.") ||
      e.type === "automation.refused" ||
      e.type.startsWith("channel.") ||
      e.type.startsWith("command.");
    const auditRows = async () => {
      const rows: any[] = [];
      for (let path: string | undefined = "/api/audit"; path;) {
        const page = (await (await fetch(`${sandbox.url}${path}`)).json()) as any;
        rows.push(...page.entries);
        path = page.nextUrl;
      }
      return rows;
    };
    // A row (and an alert) is written with the state it reports, before its event is published,
    // and an alert may reach the webhook first: read until both sides have settled.
    const webhookEvents = () =>
      sandbox.alerts.received
        .filter((r) => r.kind === "webhook")
        .map((r) => (r.body as { data: { event?: string } }).data.event ?? "");
    const rows = await waitFor(
      "every audit row's and alert's event published, and every audited event on record",
      async () => {
        const all = await auditRows();
        const onRecord = new Set(all.map((r) => r.event));
        const said = [...events.values()].filter(audited).map((e) => e.id);
        return all.every((r) => events.has(r.event)) &&
          said.every((id) => onRecord.has(id)) &&
          webhookEvents().every((id) => events.has(id))
          ? all
          : undefined;
      },
      within(10),
    );
    assert.ok(rows.length > 0, "the failover wrote audit rows");
    for (const row of rows) {
      const event = events.get(row.event)!;
      assert.ok(audited(event), `${row.name} (${row.outcome}) is derived from ${event.type}`);
      if (event.type.startsWith("action."))
        assert.deepEqual([event.type, (event as any).name], [`action.${row.outcome}`, row.name]);
    }
    assert.equal(new Set(rows.map((r) => r.event)).size, rows.length, "one row per event");

    // Every alert the webhook took (every type but region.suspect): one event each, the fact its
    // type tells of.
    const bodies = sandbox.alerts.received
      .filter((r) => r.kind === "webhook")
      .map((r) => r.body as { type: AlertType; data: { key: string; event?: string } });
    assert.ok(
      bodies.some((b) => b.type === "failover.completed"),
      "the failover was alerted",
    );
    const keyOf = new Map<string, string>();
    for (const { type, data } of bodies) {
      const event = events.get(data.event ?? "");
      assert.ok(event, `${type} [${data.key}] names an event that was published`);
      assert.equal(event.type, infoOf(type).event, `${type} tells of its own fact`);
      assert.equal(keyOf.get(event.id) ?? data.key, data.key, `one alert per event (${type})`);
      keyOf.set(event.id, data.key);
    }

    // Telemetry: a custom event per event but the probes, a record per probe outcome.
    const probes = [...events.values()].filter((e) => e.type === "probe.outcome");
    assert.deepEqual(
      customEvents.map((c) => `${c.name} ${c.properties["event"]}`).sort(),
      [...events.values()]
        .filter((e) => e.type !== "probe.outcome")
        .map((e) => `${e.type} ${e.id}`)
        .sort(),
    );
    assert.deepEqual(
      availability.map((a) => a.properties["event"]).sort(),
      probes.map((e) => e.id).sort(),
    );
  });

  it("heal brings every region up, and the verdicts follow", async () => {
    await post("/sandbox/regions/northeurope/down");
    await waitFor(
      "northeurope failing",
      async () => ((await verdicts())["northeurope"] !== "healthy" ? true : undefined),
      within(10),
    );
    const response = await post("/sandbox/heal");
    assert.deepEqual(((await response.json()) as any).regions, {
      westeurope: "up",
      northeurope: "up",
    });
    await bothHealthy(20);
  });

  it("an impaired observer's failures are not evidence: with northeurope impaired, westeurope cannot go down", async () => {
    assert.equal((await post("/sandbox/observers/northeurope/impair")).status, 200);
    const mark = lines.length;
    try {
      await waitFor(
        "northeurope impaired",
        async () =>
          (await status()).observers.find((o: any) => o.region === "northeurope").impaired
            ? true
            : undefined,
        within(10),
      );
      await post("/sandbox/regions/westeurope/down");
      // Until the observer inside has seen westeurope fail the threshold three times over (the
      // impaired one writes no observations): read from its observations, however long that
      // takes on this machine.
      await waitFor(
        "westeurope's own observer to see it fail repeatedly",
        async () => {
          const west = (await status()).groups[0].regions[0];
          const inside = west.observations.find((o: any) => o.observer === "westeurope");
          return inside?.consecutiveFailures >= 6 ? west : undefined;
        },
        { ...within(15), seen: async () => (await status()).groups[0].regions[0].observations },
      );
      const west = (await status()).groups[0].regions[0];
      assert.notEqual(west.verdict, "down", west.reason);
      assert.deepEqual(west.evidence.outside, [], "the only outside observer is impaired");
      const recorded = transitions(lines, "shop/westeurope", mark).map((t) => t.to);
      assert.ok(!recorded.includes("down"), `recorded ${recorded.join(", ")}`);
    } finally {
      await post("/sandbox/heal");
    }
    await waitFor(
      "westeurope healthy again",
      async () => ((await verdicts())["westeurope"] === "healthy" ? true : undefined),
      { ...within(20), seen: verdicts },
    );
  });

  it("answers 405 naming the allowed method when the method is wrong", async () => {
    const response = await fetch(`${sandbox.url}/sandbox/heal`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
  });

  it("answers 400, and keeps running, for a path that is not valid percent-encoding", async () => {
    const response = await post("/sandbox/regions/%E0/down");
    assert.equal(response.status, 400);
    assert.equal((await fetch(`${sandbox.url}/api/status`)).status, 200);
  });

  it("answers 404 with the known regions for an unknown one", async () => {
    const response = await post("/sandbox/regions/mars/down");
    assert.equal(response.status, 404);
    assert.match(
      ((await response.json()) as any).error.message,
      /no sandbox region "mars"; regions: westeurope, northeurope/,
    );
  });

  it("answers 404 in JSON for an unknown path and redirects / to the status", async () => {
    const missing = await fetch(`${sandbox.url}/api/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as any).error.code, "NotFound");
    const root = await fetch(`${sandbox.url}/`, { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/api/status");
  });
});
