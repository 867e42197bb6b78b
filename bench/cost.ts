// The monthly cost of a Tandem deployment, as a pure function of its settings, the figures measured
// in bench/RESULTS.md and list prices (bench/cost-inputs.ts holds those, with their sources). The
// tables of docs/cost.md are rendered from it by `npm run gen` (bench/cost-doc.ts), so a changed
// measurement or price changes the doc, and a test fails while the committed doc is stale.
// `npm run bench -- --only cost` prints the default deployment's lines.

/** The settings of one deployment that change what it costs. */
export interface Deployment {
  /** `policy.intervalSeconds`: each app's one timer (probe, then decide) fires once an interval. */
  intervalSeconds: number;
  /** Observer regions: one Flex Consumption Function App each, each with its one timer. */
  observers: number;
  groups: number;
  /** What each observer probes per group: every region's endpoint and the global entry point. */
  targetsPerGroup: number;
  /** `deployment.instanceMemoryMB`: Flex Consumption bills the instance's memory, not the app's use. */
  instanceMemoryMB: number;
  /** `APPLICATIONINSIGHTS_CONNECTION_STRING` set: Tandem's records and the host's logs are ingested. */
  telemetry: boolean;
  /**
   * `telemetry.summaryMinutes`: a passing target is one availability record per window, and each
   * group's metrics come once per window; 0: one record per probe and the metrics every interval.
   * The model counts every target passing; one that fails or recovers adds a record an interval.
   */
  summaryMinutes: number;
  /**
   * Targets that fail (or recover) every interval, all month: each is one availability record an
   * interval per observer. A passive-cold group's stopped standby is one, as long as it is cold.
   */
  failingTargets: number;
  /** Key Vault references among the app settings (the secrets the configuration names). */
  secrets: number;
  /**
   * Whether the monthly free grants are this deployment's to use. They are per subscription (Functions)
   * and per billing account (Log Analytics), not per app: other apps there may use them up first.
   */
  freeGrants: boolean;
}

/** Figures measured on Tandem (bench/RESULTS.md), or assumed where marked. */
export interface Measurements {
  /** Wall time of one tick's execution (probe, then decide), seconds. */
  tickSeconds: number;
  store: {
    /** Entities in one Table Storage transaction (a batch); a probe tick writes one per target and a heartbeat. */
    rowsPerTransaction: number;
    /** Transactions of the lease holder's decision in a tick, and of each other observer's. */
    holderOrchestrate: number;
    otherOrchestrate: number;
  };
  /** Tandem's own telemetry, per observer. */
  telemetry: {
    bytesPerRecord: number;
    /** Availability records per passing target and summary window (or interval, without one). */
    recordsPerTarget: number;
    /** Metric records per group and summary window (or interval): latency by phase, passes. */
    recordsPerGroup: number;
    /**
     * Records an interval that do not grow with targets or groups (tick and store metrics, store
     * dependencies).
     */
    fixedRecords: number;
  };
  /** Logs the Functions host writes per execution (assumed: no Functions host runs here). */
  hostLogBytesPerExecution: number;
  arm: {
    /** Reads of the lease holder's reconcile per group, and how often it reconciles. */
    readsPerGroupPerReconcile: number;
    reconcileSeconds: number;
    /** What Azure Resource Manager lets one principal read in an hour. */
    readsPerHourBudget: number;
  };
  /** How often the platform reads each Key Vault reference per app (assumed). */
  keyVaultReadsPerSecretPerAppPerDay: number;
}

/** One list price: `usd` for every `per` units, after `free` units a month. */
export interface Price {
  usd: number;
  per: number;
  unit: string;
  free: number;
  source: string;
  /** The day the price was looked up (ISO date). */
  checked: string;
  /** False when it comes from a secondary source or could not be read on the vendor's own page. */
  confirmed: boolean;
}

export type LineKey =
  "executions" | "executionTime" | "stateStore" | "logIngestion" | "keyVault" | "arm";

export type Prices = Record<LineKey, Price>;

export interface LineItem {
  key: LineKey;
  /** Units (the price's `unit`) a month, and how many of them the free grant covers. */
  quantity: number;
  free: number;
  usd: number;
}

export interface MonthlyCost {
  lines: LineItem[];
  totalUsd: number;
  intervalsPerMonth: number;
  executionsPerMonth: number;
  /** What Flex Consumption bills for one execution of the timer, seconds. */
  billedSeconds: number;
  storeTransactionsPerInterval: number;
  telemetryBytesPerObserverInterval: number;
  /** Log Analytics ingestion, GB (10^9 bytes): Tandem's records and the host's logs. */
  tandemTelemetryGB: number;
  hostLogGB: number;
  armReadsPerHour: number;
}

/** 30 days: the month docs/telemetry.md and bench/RESULTS.md already count in. */
export const SECONDS_PER_MONTH = 30 * 24 * 3600;
/**
 * One timer per app: `tick` (functions/index.ts; ADR 18). A peer's request to probe now is an
 * execution too, but only when a region starts failing somewhere: none in a healthy interval.
 */
export const TIMERS_PER_APP = 1;

/**
 * Flex Consumption bills at least 1,000 ms for an execution period and rounds what is longer up to
 * the next 100 ms ("Azure Functions Flex Consumption plan hosting", Billing). One execution an
 * interval is a period of its own.
 */
export function billedSeconds(seconds: number): number {
  const ms = Math.round(seconds * 1000);
  return Math.max(1000, Math.ceil(ms / 100) * 100) / 1000;
}

/**
 * Intervals one summary window spans: the summed-up records of a target or group come once in so
 * many intervals. Never fewer than one: every probe is at most one record.
 */
function intervalsPerSummary(summaryMinutes: number, intervalSeconds: number): number {
  return Math.max(1, (summaryMinutes * 60) / intervalSeconds);
}

function line(key: LineKey, quantity: number, price: Price, freeGrants: boolean): LineItem {
  const free = freeGrants ? Math.min(quantity, price.free) : 0;
  return { key, quantity, free, usd: ((quantity - free) / price.per) * price.usd };
}

export function monthlyCost(d: Deployment, m: Measurements, prices: Prices): MonthlyCost {
  const intervalsPerMonth = SECONDS_PER_MONTH / d.intervalSeconds;
  const executionsPerMonth = intervalsPerMonth * TIMERS_PER_APP * d.observers;
  const billed = billedSeconds(m.tickSeconds);
  // GB-s of the instance's memory, in the binary GB Functions' execution units are counted in.
  const gbSeconds = executionsPerMonth * billed * (d.instanceMemoryMB / 1024);

  const targets = d.groups * d.targetsPerGroup;
  // A probe tick writes its observations and heartbeat in batches; one observer holds the lease.
  const storeTransactionsPerInterval =
    d.observers * Math.ceil((targets + 1) / m.store.rowsPerTransaction) +
    m.store.holderOrchestrate +
    (d.observers - 1) * m.store.otherOrchestrate;

  const t = m.telemetry;
  const telemetryBytesPerObserverInterval =
    (((targets - d.failingTargets) * t.recordsPerTarget + d.groups * t.recordsPerGroup) /
      intervalsPerSummary(d.summaryMinutes, d.intervalSeconds) +
      d.failingTargets +
      t.fixedRecords) *
    t.bytesPerRecord;
  const tandemTelemetryGB = d.telemetry
    ? (telemetryBytesPerObserverInterval * d.observers * intervalsPerMonth) / 1e9
    : 0;
  const hostLogGB = d.telemetry ? (executionsPerMonth * m.hostLogBytesPerExecution) / 1e9 : 0;

  const armReadsPerHour =
    d.groups * m.arm.readsPerGroupPerReconcile * (3600 / m.arm.reconcileSeconds);
  const keyVaultReads = d.secrets * d.observers * m.keyVaultReadsPerSecretPerAppPerDay * 30;

  const lines = [
    line("executions", executionsPerMonth, prices.executions, d.freeGrants),
    line("executionTime", gbSeconds, prices.executionTime, d.freeGrants),
    line("stateStore", storeTransactionsPerInterval * intervalsPerMonth, prices.stateStore, false),
    line("logIngestion", tandemTelemetryGB + hostLogGB, prices.logIngestion, d.freeGrants),
    line("keyVault", keyVaultReads, prices.keyVault, false),
    line("arm", (armReadsPerHour * SECONDS_PER_MONTH) / 3600, prices.arm, false),
  ];
  return {
    lines,
    totalUsd: lines.reduce((sum, l) => sum + l.usd, 0),
    intervalsPerMonth,
    executionsPerMonth,
    billedSeconds: billed,
    storeTransactionsPerInterval,
    telemetryBytesPerObserverInterval,
    tandemTelemetryGB,
    hostLogGB,
    armReadsPerHour,
  };
}
