// The audit log under volume (ADR 0017), on Azurite in-process: 100,000 entries in the action log
// (an incident's among them, spread through the history), then the API's reads timed through the
// API's own code: `GET /api/audit?limit=50` (the first page and one deep in the history) and an
// incident's detail; beside them, one read of the whole partition, which is what every page cost
// before. Then 20,000 refused POSTs driven in-process against the same table: the rows they add,
// where, the store requests they cost, and how long a fenced step's intent (`appendAction`) takes
// while they arrive, against the same write with no refused calls.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { TransactionAction } from "@azure/data-tables";
import { TableClient } from "@azure/data-tables";
import {
  ACTION_PARTITION,
  REFUSED_PARTITION,
  actionToEntities,
  newActionId,
} from "../src/adapters/store/table/audit-entities.js";
import { TableStateStore } from "../src/adapters/store/table/table-store.js";
import type { ApiRequest } from "../src/app/api/http.js";
import { API_ROUTES, serve } from "../src/app/api/routes.js";
import { refusedCallsSettled } from "../src/app/refused-calls.js";
import { compose } from "../src/compose.js";
import { parseConfig } from "../src/config/index.js";
import type { Incident } from "../src/core/incident.js";
import type { Clock } from "../src/ports/clock.js";
import type { Azurite } from "../src/sandbox/azurite.js";
import { startAzurite } from "../src/sandbox/azurite.js";
import { countingTableClient } from "../test/helpers/counting-table.js";
import { median, percentile } from "./harness.js";

const START = 1_800_000_000_000;
const route = (name: string) => API_ROUTES.find((r) => r.name === name)!;
const quiet = { error: () => {} };
/** The refused calls arrive in waves of this many, one wave every WAVE_EVERY_MS. */
const WAVE = 200;
const WAVE_EVERY_MS = 25;

function get(path: string, params: Record<string, string> = {}): ApiRequest {
  const url = new URL(`http://127.0.0.1${path}`);
  return {
    method: "GET",
    params,
    query: url.searchParams,
    headers: new Headers({ "x-forwarded-for": "192.0.2.10" }),
    bytes: async () => new Uint8Array(),
    id: "bench",
  };
}

function refusedPost(n: number): ApiRequest {
  return {
    method: "POST",
    params: { group: "shop", command: "pause" },
    query: new URLSearchParams(),
    headers: new Headers({
      "content-type": "application/json",
      "x-forwarded-for": `10.0.0.1, 203.0.113.${n % 200}`,
    }),
    bytes: async () => new TextEncoder().encode('{"reason":"flood"}'),
    id: `flood-${n}`,
  };
}

async function rowsIn(client: TableClient, partition: string): Promise<number> {
  let n = 0;
  for await (const page of client
    .listEntities({
      queryOptions: { filter: `PartitionKey eq '${partition}'`, select: ["RowKey"] },
    })
    .byPage({ maxPageSize: 1000 }))
    n += page.length;
  return n;
}

const ms = (v: number) => Math.round(v * 10) / 10;
function timings(values: readonly number[]) {
  return { medianMs: ms(median(values)), p95Ms: ms(percentile(values, 95)), runs: values.length };
}

/** The incident whose detail is read: 40 of the history's entries are its steps. */
const INCIDENT: Incident = {
  id: `${String(START).padStart(15, "0")}-bench001`,
  group: "shop",
  kind: "failover",
  trigger: "automatic",
  from: "westeurope",
  to: "northeurope",
  shift: { kind: "promote", region: "northeurope" },
  step: "completed",
  stepStartedAt: START,
  openedAt: START,
  reason: "bench",
  history: [],
};

/**
 * The history: one entry a second, one of the incident's steps every 2,500th, in transactions of
 * up to 100 rows, as fenced steps and commands would have written them. Azurite checks every
 * insert against every row of the table, so this takes minutes at 100,000.
 */
async function writeHistory(connectionString: string, entries: number): Promise<void> {
  const client = TableClient.fromConnectionString(connectionString, "audit", {
    allowInsecureConnection: true,
  });
  const store = new TableStateStore(client);
  await store.initialise();
  await store.writeIncident(INCIDENT, undefined);
  let batch: TransactionAction[] = [];
  for (let i = 0; i < entries; i++) {
    const at = START + i * 1000;
    const rows = actionToEntities(
      {
        at,
        actor: "westeurope#bench",
        epoch: 1 + Math.floor(i / 10_000),
        name: i % 2_500 === 0 ? "promote northeurope" : "record-verdicts",
        group: "shop",
        outcome: i % 2 === 0 ? "started" : "done",
        ...(i % 2_500 === 0 ? { incident: INCIDENT.id } : {}),
      },
      newActionId(at, i, "bench"),
    );
    if (batch.length + rows.length > 100) {
      await client.submitTransaction(batch);
      batch = [];
    }
    batch.push(...rows.map((r): TransactionAction => ["create", r]));
  }
  if (batch.length > 0) await client.submitTransaction(batch);
}

/**
 * Azurite with the history written, in a folder of its own. With `dataDir`, the folder as first
 * written is kept there and copied for each later run (the runs write into their copy).
 */
async function azuriteWithHistory(
  entries: number,
  dataDir: string | undefined,
): Promise<{ azurite: Azurite; folder: string; loadSeconds?: number }> {
  const folder = mkdtempSync(join(tmpdir(), "tandem-audit-"));
  const kept = dataDir === undefined ? undefined : join(dataDir, `audit-${entries}`);
  if (kept !== undefined && existsSync(join(kept, "written"))) {
    cpSync(kept, folder, { recursive: true });
    return { azurite: await startAzurite(0, { persistDir: folder }), folder };
  }
  let azurite = await startAzurite(0, { persistDir: folder });
  const started = performance.now();
  await writeHistory(azurite.connectionString, entries);
  const loadSeconds = Math.round((performance.now() - started) / 100) / 10;
  if (kept !== undefined) {
    await azurite.stop();
    cpSync(folder, kept, { recursive: true });
    writeFileSync(join(kept, "written"), `${entries} entries in ${loadSeconds} s\n`);
    azurite = await startAzurite(0, { persistDir: folder });
  }
  return { azurite, folder, loadSeconds };
}

export interface AuditBenchOptions {
  readonly entries?: number;
  readonly refusedCalls?: number;
  readonly runs?: number;
  /** Keep the written history here and reuse it on later runs. */
  readonly dataDir?: string;
}

export async function auditVolume(options: AuditBenchOptions = {}) {
  const { entries = 100_000, refusedCalls = 20_000, runs = 100 } = options;
  const { azurite, folder, loadSeconds } = await azuriteWithHistory(entries, options.dataDir);
  try {
    const counted = countingTableClient(azurite.connectionString, "audit");
    const { client } = counted;
    const store = new TableStateStore(client);
    const clock: Clock = { now: () => START + entries * 1000, sleep: async () => {} };
    const config = parseConfig({
      observers: [{ region: "westeurope" }, { region: "northeurope" }],
      stateStore: { connection: "env:UNUSED_WITH_INJECTED_STORE" },
      groups: [
        {
          name: "shop",
          model: "active-passive",
          regions: [
            { name: "westeurope", role: "primary", probe: { url: "http://127.0.0.1:9/w" } },
            { name: "northeurope", role: "secondary", probe: { url: "http://127.0.0.1:9/n" } },
          ],
        },
      ],
    });
    const reader = await compose({
      config,
      observer: "westeurope",
      store,
      clock,
      localPrincipal: { name: "bench-reader", roles: ["reader"], via: "local" },
    });
    const anonymous = await compose({ config, observer: "northeurope", store, clock });

    const firstPage = await serve(
      route("audit"),
      async () => reader,
      get("/api/audit?limit=50"),
      quiet,
    );
    // A cursor halfway through the history: the page after entry 50,000 from the newest.
    let cursor = (firstPage.jsonBody as { next: string }).next;
    for (let i = 0; i < entries / 2 / 500; i++) {
      const page = await store.readActionPage({ limit: 500, before: cursor });
      cursor = page.next!;
    }
    // The three reads in turn, so that each sees the same load on the machine; three untimed
    // rounds first (the first answers of a process include compiling the code).
    const reads = [
      { name: "audit", request: () => get("/api/audit?limit=50") },
      { name: "audit", request: () => get(`/api/audit?limit=50&before=${cursor}`) },
      {
        name: "incident",
        request: () => get(`/api/incidents/${INCIDENT.id}`, { id: INCIDENT.id }),
      },
    ];
    const times: number[][] = reads.map(() => []);
    const requests = reads.map(() => 0);
    for (let round = -3; round < runs; round++)
      for (const [k, read] of reads.entries()) {
        const before = counted.requests();
        const started = performance.now();
        const { status } = await serve(route(read.name), async () => reader, read.request(), quiet);
        if (round >= 0) times[k]!.push(performance.now() - started);
        requests[k] = Math.max(requests[k]!, counted.requests() - before);
        if (status !== 200) throw new Error(`${read.name} answered ${status}`);
      }
    const [pageTimes, deepTimes, incidentTimes] = times as [number[], number[], number[]];
    const [pageRequests, deepRequests, incidentRequests] = requests;
    // The whole partition, as every page read it before: with a longer timeout than the store's
    // 10 s, which it may not fit in.
    const wholeStarted = performance.now();
    const whole = await new TableStateStore(client, { timeoutMs: 600_000 }).readActions();
    const wholeMs = performance.now() - wholeStarted;

    // 20,000 refused POSTs as a sustained flood, 200 every 25 ms (8,000 a second), while a fenced
    // step's intent is written every 10 ms.
    const intent = async () => {
      const started = performance.now();
      await store.appendAction({
        at: clock.now(),
        actor: "westeurope#bench",
        epoch: 99,
        name: "promote northeurope",
        outcome: "started",
      });
      return performance.now() - started;
    };
    for (let i = 0; i < 20; i++) await intent();
    const quietIntents: number[] = [];
    for (let i = 0; i < 100; i++) quietIntents.push(await intent());
    const actionRowsBefore = await rowsIn(client, ACTION_PARTITION);
    const floodIntents: number[] = [];
    let flooding = true;
    const fence = (async () => {
      while (flooding) {
        floodIntents.push(await intent());
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const refusedRequestsBefore = counted.requests();
    const floodStarted = performance.now();
    const statuses = new Map<number, number>();
    const waves: Promise<void>[] = [];
    for (let sent = 0; sent < refusedCalls; sent += WAVE) {
      waves.push(
        Promise.all(
          Array.from({ length: Math.min(WAVE, refusedCalls - sent) }, (_, i) =>
            serve(route("command"), async () => anonymous, refusedPost(sent + i), quiet),
          ),
        ).then((answers) => {
          for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, WAVE_EVERY_MS));
    }
    await Promise.all(waves);
    const answeredMs = performance.now() - floodStarted;
    await refusedCallsSettled(anonymous);
    const floodMs = performance.now() - floodStarted;
    flooding = false;
    await fence;
    const refusedRequests = counted.requests() - refusedRequestsBefore - floodIntents.length;
    const actionRowsAfter = await rowsIn(client, ACTION_PARTITION);
    const refusedRows = await rowsIn(client, REFUSED_PARTITION);
    const counts = (await store.readRefusedCalls({ limit: 500 })).entries;

    return {
      entries,
      ...(loadSeconds === undefined ? { historyReused: true } : { loadSeconds }),
      auditFirstPage: { ...timings(pageTimes), storeRequests: pageRequests },
      auditPageHalfwayBack: { ...timings(deepTimes), storeRequests: deepRequests },
      incidentDetail: {
        ...timings(incidentTimes),
        storeRequests: incidentRequests,
        actions: (
          (
            await serve(
              route("incident"),
              async () => reader,
              get(`/api/incidents/${INCIDENT.id}`, { id: INCIDENT.id }),
              quiet,
            )
          ).jsonBody as { actions: unknown[] }
        ).actions.length,
      },
      wholePartitionRead: { ms: Math.round(wholeMs), rows: whole.length },
      refused: {
        calls: refusedCalls,
        statuses: Object.fromEntries(statuses),
        callers: 200,
        arrivalsPerSecond: Math.round((WAVE * 1000) / WAVE_EVERY_MS),
        answeredMs: Math.round(answeredMs),
        countedMs: Math.round(floodMs),
        storeRequests: refusedRequests,
        rowsAddedToActionPartition: actionRowsAfter - actionRowsBefore - floodIntents.length,
        refusedPartitionRows: refusedRows,
        countedCalls: counts.reduce((n, r) => n + r.count, 0),
      },
      fenceIntent: {
        quiet: timings(quietIntents),
        duringRefusedCalls: timings(floodIntents),
      },
    };
  } finally {
    await azurite.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
