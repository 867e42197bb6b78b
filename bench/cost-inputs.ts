// The inputs of the cost model (bench/cost.ts): the default deployment, what was measured (each
// figure names its section of bench/RESULTS.md), what had to be assumed, and the list prices with
// where and when they were read. Change a figure here after a new measurement or a price check,
// then `npm run gen` rewrites the tables of docs/cost.md.
import { POLICY_DEFAULTS, TELEMETRY_DEFAULTS } from "../src/config/defaults.js";
import { deploymentSchema } from "../src/config/index.js";
import { READS_PER_HOUR } from "../test/sim/scale.js";
import type { Deployment, Measurements, Prices } from "./cost.js";

/** When the prices below were looked up. */
export const PRICES_CHECKED = "2026-12-01";
/** The region the prices are for; most meters are priced per region. */
export const PRICE_REGION = "East US";

/**
 * Two observer regions at the defaults, watching two failover groups of two regions and an entry
 * point each: the shape the telemetry volume was measured on, every target passing (the
 * measurement had one that failed throughout; the model takes it out).
 */
export const DEFAULT_DEPLOYMENT: Deployment = {
  intervalSeconds: POLICY_DEFAULTS.intervalSeconds,
  observers: 2,
  groups: 2,
  targetsPerGroup: 3,
  instanceMemoryMB: deploymentSchema.parse({ witnessRegion: "swedencentral" }).instanceMemoryMB,
  telemetry: true,
  summaryMinutes: TELEMETRY_DEFAULTS.summaryMinutes,
  failingTargets: 0,
  secrets: 2,
  freeGrants: true,
};

/**
 * `npm run bench -- --only telemetry` (bench/RESULTS.md, "Telemetry volume, summed up"): per
 * observer and interval, two whole summary windows of 30 intervals (the default 5 minutes at the
 * default 10 s), six targets in two groups, of which one failed every probe (the passive-cold
 * group's stopped standby).
 */
export const TELEMETRY_MEASURED = {
  records: 10.88,
  bytes: 6566,
  targets: 6,
  failing: 1,
  groups: 2,
  intervalsPerWindow: 30,
};
/** A passing target's summary, once a window. */
const PER_TARGET = 1;
/** A group's metric series, once a window: latency in five phases, and passes. */
const PER_GROUP = 6;
const T = TELEMETRY_MEASURED;

export const MEASURED: Measurements = {
  // "The Function App's footprint": the median tick (probe, then decide) on loopback targets.
  // Real endpoints take longer (TLS over the internet on a quarter of a vCPU, and the telemetry
  // flush at the end of each execution); anything under a second bills as a second all the same.
  tickSeconds: 0.058,
  // "State store work per interval" (after ADR 14): 9 transactions an interval for two observers,
  // 15 at 100 groups. Table Storage takes at most 100 operations in one batch.
  store: { rowsPerTransaction: 100, holderOrchestrate: 5, otherOrchestrate: 2 },
  telemetry: {
    bytesPerRecord: T.bytes / T.records,
    recordsPerTarget: PER_TARGET,
    recordsPerGroup: PER_GROUP,
    fixedRecords:
      T.records -
      T.failing -
      ((T.targets - T.failing) * PER_TARGET + T.groups * PER_GROUP) / T.intervalsPerWindow,
  },
  // Assumed: the host's own request and trace records, about 1.5 KB an execution. Not measured.
  hostLogBytesPerExecution: 1500,
  // "Azure Resource Manager budget at 100 groups": 1,200 quiet reads an hour for 100 active-passive
  // groups (one read per group and reconcile; passive-cold reads three).
  arm: {
    readsPerGroupPerReconcile: 1,
    reconcileSeconds: POLICY_DEFAULTS.leverReconcileSeconds,
    readsPerHourBudget: READS_PER_HOUR,
  },
  // Assumed, generously: every reference read once an hour per app (instances restart, scale).
  keyVaultReadsPerSecretPerAppPerDay: 24,
};

const FUNCTIONS_PAGE =
  "Azure Functions pricing page, Flex Consumption on demand (azure.microsoft.com/pricing/details/functions); " +
  "rates as quoted for East US by modal.com, 2025-05-22; the free grant as quoted from that page on 2026-10-02";

export const PRICES: Prices = {
  executions: {
    usd: 0.4,
    per: 1_000_000,
    unit: "executions",
    free: 250_000,
    source: FUNCTIONS_PAGE,
    checked: PRICES_CHECKED,
    confirmed: false,
  },
  executionTime: {
    usd: 0.000026,
    per: 1,
    unit: "GB-s",
    free: 100_000,
    source: FUNCTIONS_PAGE,
    checked: PRICES_CHECKED,
    confirmed: false,
  },
  stateStore: {
    usd: 0.00036,
    per: 10_000,
    unit: "transactions",
    free: 0,
    source:
      "Table Storage, Standard LRS, as docs/deploy.md gave it; no copy of the Table Storage pricing page could be read",
    checked: PRICES_CHECKED,
    confirmed: false,
  },
  logIngestion: {
    usd: 2.3,
    per: 1,
    unit: "GB",
    free: 5,
    source:
      "Azure Monitor pricing page, Analytics Logs pay-as-you-go (azure.microsoft.com/pricing/details/monitor), as quoted by monitoringcost.com (2026); the 5 GB free a month are per billing account as most secondary sources quote it (monitoringcost.com says per workspace)",
    checked: PRICES_CHECKED,
    confirmed: false,
  },
  keyVault: {
    usd: 0.03,
    per: 10_000,
    unit: "operations",
    free: 0,
    source:
      "Key Vault Standard, secret operations, as a Microsoft Q&A answer gave it (learn.microsoft.com/answers)",
    checked: PRICES_CHECKED,
    confirmed: false,
  },
  arm: {
    usd: 0,
    per: 1,
    unit: "reads",
    free: 0,
    source:
      'no Resource Manager meter was found to cite; requests are throttled per subscription and principal instead: reads 250 a bucket, refilled at 25 a second ("Understand how Azure Resource Manager throttles requests", learn.microsoft.com)',
    checked: PRICES_CHECKED,
    confirmed: false,
  },
};
