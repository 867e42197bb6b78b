// `npm run bench`: runs the benchmarks and prints their figures as JSON, one line each. Copy the
// figures into bench/RESULTS.md with the date, the machine and this command.
import { parseArgs } from "node:util";
import { cliTimes } from "./cli.js";
import { coldStart } from "./cold-start.js";
import { monthlyCost } from "./cost.js";
import { DEFAULT_DEPLOYMENT, MEASURED, PRICES } from "./cost-inputs.js";
import { detection, detectionByKind, falseFailovers } from "./detection.js";
import { footprint } from "./footprint.js";
import { startServers } from "./harness.js";
import { probeOverhead } from "./probe-overhead.js";
import { probeTick } from "./probe-tick.js";
import { recovery } from "./recovery.js";
import { telemetryVolume } from "./telemetry-volume.js";
import { storage, storageAtScale } from "./storage.js";
import { statusReads } from "./status-reads.js";
import { sandboxFailover } from "./sandbox-failover.js";
import { auditVolume } from "./audit.js";
import { lostServerRead } from "./lost-server-read.js";
import { slowArmData } from "./slow-arm-data.js";
import type { ScaleResult } from "../test/sim/scale.js";
import { READS_PER_HOUR, simulateScale } from "../test/sim/scale.js";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    "region-hours": { type: "string", default: "10000" },
    from: { type: "string", default: "1" },
    "detection-runs": { type: "string", default: "500" },
    "cold-start-runs": { type: "string", default: "7" },
    "recovery-runs": { type: "string", default: "40" },
    "start-dir": { type: "string" },
    "audit-data": { type: "string" },
    "summary-minutes": { type: "string", default: "1" },
  },
});
/** A command-line number that must be a whole number of at least 1. */
function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`${option} must be a whole number of at least 1, not "${value}"`);
    process.exit(2);
  }
  return n;
}
const want = (name: string) => values.only === undefined || values.only === name;

if (want("probe")) {
  const servers = await startServers();
  try {
    console.log(
      JSON.stringify({ bench: "probe-overhead", ...(await probeOverhead(servers, 300)) }),
    );
    console.log(JSON.stringify({ bench: "probe-tick-500", ...(await probeTick(servers)) }));
  } finally {
    servers.stop();
  }
}
// Not in a plain `npm run bench`: a sandbox whose ARM answers 5 s, then 15 s, late (minutes).
if (values.only === "slow-arm-data")
  for (const slowMs of [5_000, 15_000])
    console.log(JSON.stringify({ bench: "slow-arm-data", ...(await slowArmData(slowMs)) }));
// Not in a plain `npm run bench` either: it runs a sandbox for a couple of minutes.
if (values.only === "sandbox-failover")
  console.log(JSON.stringify({ bench: "sandbox-failover", ...(await sandboxFailover()) }));
if (want("cold-start"))
  console.log(
    JSON.stringify({
      bench: "cold-start",
      ...(await coldStart(Number(values["cold-start-runs"]))),
    }),
  );
// Not in a plain `npm run bench`: it starts sandboxes; `--start-dir .` also times `npm start`.
if (values.only === "cli")
  console.log(
    JSON.stringify({
      bench: "cli",
      ...(await cliTimes(Number(values["cold-start-runs"]), values["start-dir"])),
    }),
  );
if (want("telemetry"))
  console.log(
    JSON.stringify({
      bench: "telemetry-volume",
      ...(await telemetryVolume(2, Number(values["summary-minutes"]))),
    }),
  );
if (want("footprint"))
  console.log(JSON.stringify({ bench: "function-app-footprint", ...(await footprint()) }));
if (want("detection"))
  console.log(
    JSON.stringify({ bench: "detection", ...(await detection(Number(values["detection-runs"]))) }),
  );
if (want("detection-kinds"))
  console.log(
    JSON.stringify({
      bench: "detection-by-kind",
      ...(await detectionByKind(Number(values["detection-runs"]))),
    }),
  );
if (want("false-failovers"))
  console.log(
    JSON.stringify({
      bench: "false-failovers",
      ...(await falseFailovers(
        Number(values["region-hours"]),
        positiveInteger("--from", values.from),
      )),
    }),
  );
if (want("recovery"))
  console.log(
    JSON.stringify({ bench: "recovery", ...(await recovery(Number(values["recovery-runs"]))) }),
  );
if (want("storage")) console.log(JSON.stringify({ bench: "storage", ...(await storage()) }));
// Not in a plain `npm run bench`: 62 intervals of 1,000 groups take a few minutes.
if (values.only === "storage-1000")
  console.log(JSON.stringify({ bench: "storage-1000", ...(await storageAtScale()) }));
// Not in a plain `npm run bench`: 1,000 groups' state and 30 days of their history, then each
// status read model, several times.
if (values.only === "status-1000")
  console.log(JSON.stringify({ bench: "status-1000", ...(await statusReads()) }));
// The audit log at 100,000 entries and 20,000 refused calls (ADR 0017): writing the history into
// Azurite takes minutes.
// With `--audit-data DIR` the written history is kept in DIR and reused by later runs.
if (want("audit"))
  console.log(
    JSON.stringify({
      bench: "audit",
      ...(await auditVolume(
        values["audit-data"] === undefined ? {} : { dataDir: values["audit-data"] },
      )),
    }),
  );
if (want("lost-server-read"))
  console.log(JSON.stringify({ bench: "lost-server-read", ...(await lostServerRead(10)) }));
/** One line of the ARM budget figures: the quiet reads an hour, and when the failovers ended. */
function armBudgetLine(bench: string, model: string, result: ScaleResult): string {
  const perHour = (result.healthy.reads / result.healthy.minutes) * 60;
  const { incidents = [], ...outage } = result.outage ?? {};
  const ends = incidents
    .flatMap((x) => (x.step === "completed" && x.endedMs !== undefined ? [x.endedMs] : []))
    .sort((a, b) => a - b);
  const minutes = (ms: number | undefined) =>
    ms === undefined ? undefined : Math.round(ms / 6000) / 10;
  return JSON.stringify({
    bench,
    model,
    quietReadsPerHour: Math.round(perHour),
    shareOfReadBudget: `${((perHour / READS_PER_HOUR) * 100).toFixed(1)} %`,
    ...result,
    ...(result.outage
      ? {
          outage: {
            ...outage,
            completedMinutes: {
              median: minutes(ends[Math.floor(ends.length / 2)]),
              last: minutes(ends.at(-1)),
            },
          },
        }
      : {}),
  });
}
if (want("arm-budget"))
  for (const model of ["passive-cold", "active-passive"] as const) {
    const result = await simulateScale({ groups: 100, model, healthyMinutes: 60, outage: true });
    console.log(armBudgetLine("arm-budget-100-groups", model, result));
  }
// Not in a plain `npm run bench`: 1,000 groups take minutes of CPU and gigabytes of memory per
// model. The quiet window is 10 minutes (the reads an hour are scaled from it), after 60 intervals
// in which a new holder's first reads of every group are done (ADR 23).
if (values.only === "arm-budget-1000")
  for (const model of ["passive-cold", "active-passive"] as const) {
    const result = await simulateScale({
      groups: 1000,
      model,
      healthyMinutes: 10,
      outage: true,
      outageMinutes: 60,
      settleIntervals: 60,
    });
    console.log(armBudgetLine("arm-budget-1000-groups", model, result));
  }
// A model, not a measurement: the default deployment's monthly lines from the figures above and the
// prices in bench/cost-inputs.ts (docs/cost.md shows the same, by `npm run gen`).
if (want("cost")) {
  const { lines, totalUsd } = monthlyCost(DEFAULT_DEPLOYMENT, MEASURED, PRICES);
  const cents = (usd: number) => Math.round(usd * 100) / 100;
  console.log(
    JSON.stringify({
      bench: "monthly-cost",
      deployment: DEFAULT_DEPLOYMENT,
      lines: lines.map((l) => ({ ...l, usd: cents(l.usd) })),
      totalUsd: cents(totalUsd),
    }),
  );
}
