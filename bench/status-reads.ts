// The status read models at 1,000 groups (issue 31): for each read people and scripts make
// (`GET /api/status` as JSON, which `tandem status` reads; the status page; `GET
// /api/status/history`), the state store requests it sends, the bytes the store answers, the size
// of the answer and its wall time (median). The state is the storage bench's (`bench/storage.ts`:
// 1,000 active-passive groups of two regions and an entry point, two observers ticking against
// one in-process Azurite table), plus 30 days of history rows written as a holder would leave
// them: today and yesterday with every hour, the 28 days before compacted.
import { performance } from "node:perf_hooks";
import { TableStateStore } from "../src/adapters/store/table/table-store.js";
import type { ApiResponse } from "../src/app/api/http.js";
import { API_ROUTES, serve } from "../src/app/api/routes.js";
import { runObserverTick } from "../src/app/observer-tick.js";
import { ENTRY_POINT } from "../src/core/observation.js";
import type { RollupDay } from "../src/core/rollup.js";
import { DAY_MS, PHASES, compactDay, dayOf } from "../src/core/rollup.js";
import { startAzurite } from "../src/sandbox/azurite.js";
import { countingTableClient } from "../test/helpers/counting-table.js";
import { median } from "./harness.js";
import { deployment } from "./storage.js";
import { getRequest } from "../test/helpers/api-request.js";

const quiet = { error: () => {} };
/** The bench's regions, each with an observer of its own (bench/storage.ts). */
const REGIONS = ["westeurope", "northeurope"] as const;
const route = (name: string) => API_ROUTES.find((r) => r.name === name)!;

const hours = (value: (h: number) => number) => Array.from({ length: 24 }, (_, h) => value(h));

/** A group's full day at a 10 s interval: 360 probes an hour per target and observer. */
function fullDay(day: string, group: string): RollupDay {
  const observed: RollupDay["observed"] = {};
  for (const target of [...REGIONS, ENTRY_POINT])
    observed[target] = Object.fromEntries(
      REGIONS.map((observer, o) => [
        observer,
        {
          probes: hours(() => 360),
          up: hours((h) => 360 - ((h + o) % 3)),
          timed: hours((h) => 360 - ((h + o) % 3)),
          phaseSums: PHASES.map((_, p) => hours((h) => 360 * (p + 1) * 3 + h * 7 + o)),
          buckets: PHASES.map((_, p) => [0, 120, 2400, 4300 + p, 1500, 300, 12, 3, 0, 0, 0]),
        },
      ]),
    );
  const verdicts = Object.fromEntries(
    REGIONS.map((region, r) => [
      region,
      { seenMs: hours(() => 3_600_000), downMs: hours((h) => (h === 3 && r === 0 ? 40_000 : 0)) },
    ]),
  );
  return { day, group, observed, verdicts };
}

/** One read: what it cost the store, its answer's size and its time. */
interface ReadFigures {
  readonly read: string;
  readonly status: number;
  readonly transactions: number;
  readonly storeBytes: number;
  readonly responseBytes: number;
  readonly wallMs: number;
  readonly wallMsEach: readonly number[];
}

const responseBytes = (r: ApiResponse) =>
  Buffer.byteLength(
    typeof r.body === "string"
      ? r.body
      : r.jsonBody === undefined
        ? ""
        : JSON.stringify(r.jsonBody),
  );

export async function statusReads(groups = 1000, runs = 5, warmUp = 20) {
  const azurite = await startAzurite(0);
  try {
    const { client, requests, bytes } = countingTableClient(azurite.connectionString, "bench");
    const store = new TableStateStore(client);
    await store.initialise();
    const { parsed, runtimes, clock, reader: newReader } = await deployment(store, groups);
    // Enough intervals for the lease, the first verdicts and every group's first lever read.
    for (let i = 0; i < warmUp; i++) {
      clock.time += 10_000;
      for (const rt of runtimes) await runObserverTick(rt);
    }
    const today = clock.now();
    const rowBytes = { full: 0, compact: 0 };
    // A day at a time, with time for it: a full day of 1,000 groups is about 10 MB of JSON, and
    // a store call is bounded in time (the holder's own writes are noted in bench/RESULTS.md).
    const writer = new TableStateStore(client, { timeoutMs: 120_000 });
    for (let d = 0; d < 30; d++) {
      const day = dayOf(today - d * DAY_MS);
      const rows = parsed.groups.map((g) =>
        d < 2 ? fullDay(day, g.name) : compactDay(fullDay(day, g.name)),
      );
      rowBytes[d < 2 ? "full" : "compact"] = Buffer.byteLength(JSON.stringify(rows[0]));
      await writer.writeRollups(rows);
    }

    const reader = await newReader();
    const middle = parsed.groups[Math.floor(groups / 2)]!.name;
    const reads: { read: string; route: string; path: string; html: boolean }[] = [
      { read: "GET /api/status (JSON; tandem status)", route: "status", path: "/", html: false },
      { read: "status page", route: "status", path: "/", html: true },
      {
        read: `status page ?group=${middle}`,
        route: "status",
        path: `/?group=${middle}`,
        html: true,
      },
      { read: "GET /api/status/history", route: "statusHistory", path: "/", html: false },
      {
        read: `GET /api/status/history?group=${middle}`,
        route: "statusHistory",
        path: `/?group=${middle}`,
        html: false,
      },
    ];
    const figures: ReadFigures[] = [];
    for (const r of reads) {
      const times: number[] = [];
      let last:
        { status: number; transactions: number; storeBytes: number; size: number } | undefined;
      for (let i = 0; i < runs; i++) {
        const [sent, received] = [requests(), bytes()];
        const started = performance.now();
        const response = await serve(
          route(r.route),
          async () => reader,
          getRequest(r.path, r.html ? { accept: "text/html" } : {}),
          quiet,
        );
        const size = responseBytes(response);
        times.push(performance.now() - started);
        last = {
          status: response.status,
          transactions: requests() - sent,
          storeBytes: bytes() - received,
          size,
        };
      }
      figures.push({
        read: r.read,
        status: last!.status,
        transactions: last!.transactions,
        storeBytes: last!.storeBytes,
        responseBytes: last!.size,
        wallMs: Math.round(median(times)),
        wallMsEach: times.map(Math.round),
      });
    }
    return {
      groups,
      historyRowBytes: rowBytes,
      reads: figures,
      goal: "each read under 1 s and a few MB from the store; the status page under 100 KB",
      met: figures.every(
        (f) =>
          f.wallMs < 1000 &&
          f.storeBytes < 5_000_000 &&
          (!f.read.startsWith("status page") || f.responseBytes < 100_000),
      ),
    };
  } finally {
    await azurite.stop();
  }
}
