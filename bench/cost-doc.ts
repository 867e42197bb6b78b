// The generated part of docs/cost.md (npm run gen; a test fails when it is out of date): the
// default deployment's monthly lines, what each setting changes, and the prices with their sources,
// all computed by the cost model from bench/cost-inputs.ts. The prose around it is written by hand.
import { POLICY_DEFAULTS } from "../src/config/defaults.js";
import {
  billedSeconds,
  monthlyCost,
  type Deployment,
  type LineKey,
  type Measurements,
  type MonthlyCost,
  type Price,
} from "./cost.js";
import {
  DEFAULT_DEPLOYMENT,
  MEASURED,
  PRICES,
  PRICE_REGION,
  PRICES_CHECKED,
} from "./cost-inputs.js";

export const COST_BEGIN = "<!-- generated from bench/cost-inputs.ts by npm run gen: begin -->";
export const COST_END = "<!-- generated: end -->";

const count = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number) => (n === 0 ? "$0" : n < 0.005 ? "under $0.01" : `$${count(n, 2)}`);
const money = (n: number) => (n >= 0.01 ? count(n, 2) : String(n));
const rate = (p: Price) =>
  p.usd === 0
    ? "none"
    : `$${money(p.usd)} per ${p.per === 1 ? "" : p.per === 1_000_000 ? "million " : `${count(p.per)} `}${p.unit}`;
const lineOf = (c: MonthlyCost, key: LineKey) => c.lines.find((l) => l.key === key)!;
const freeNote = (key: LineKey, c: MonthlyCost) => {
  const l = lineOf(c, key);
  return l.free > 0 ? `; ${count(l.free)} ${PRICES[key].unit} free` : "";
};

const LABELS: Record<LineKey, string> = {
  executions: "Function executions",
  executionTime: "Function execution time",
  stateStore: "State store (Table Storage)",
  logIngestion: "Log Analytics ingestion",
  keyVault: "Key Vault",
  arm: "Azure Resource Manager",
};

/** What one execution bills, in seconds. */
const billed = (c: MonthlyCost) => `${c.billedSeconds} s`;

function how(key: LineKey, d: Deployment, m: Measurements, c: MonthlyCost): string {
  const intervals = count(c.intervalsPerMonth);
  switch (key) {
    case "executions":
      return `1 timer × ${d.observers} apps × ${intervals} intervals = ${count(c.executionsPerMonth)}${freeNote(key, c)}`;
    case "executionTime":
      return (
        `${count(c.executionsPerMonth)} executions × ${billed(c)} billed (a tick measured ${Math.round(m.tickSeconds * 1000)} ms ` +
        `on loopback; at least 1 s is billed) × ${d.instanceMemoryMB / 1024} GB = ` +
        `${count(lineOf(c, key).quantity)} GB-s${freeNote(key, c)}`
      );
    case "stateStore":
      return `${c.storeTransactionsPerInterval} transactions an interval (measured) × ${intervals} = ${count(c.storeTransactionsPerInterval * c.intervalsPerMonth)}`;
    case "logIngestion":
      return (
        `Tandem's records: ${count(c.telemetryBytesPerObserverInterval / 1000, 1)} KB per observer and interval (measured; every target passing, summed up every ${d.summaryMinutes} minutes) × ${d.observers} × ${intervals} = ` +
        `${count(c.tandemTelemetryGB, 2)} GB; the host's logs: ${count(m.hostLogBytesPerExecution / 1000, 1)} KB an execution (assumed) = ` +
        `${count(c.hostLogGB, 2)} GB${freeNote(key, c)}`
      );
    case "keyVault":
      return `${d.secrets} references × ${d.observers} apps × ${m.keyVaultReadsPerSecretPerAppPerDay} reads a day (assumed) × 30 = ${count(lineOf(c, key).quantity)}`;
    case "arm":
      return (
        `the lease holder's reconcile: ${count(c.armReadsPerHour)} reads an hour (${count((c.armReadsPerHour / m.arm.readsPerHourBudget) * 100, 2)} % ` +
        `of the ${count(m.arm.readsPerHourBudget)} one principal may make) = ${count(lineOf(c, key).quantity)}`
      );
  }
}

function defaultTable(): string {
  const d = DEFAULT_DEPLOYMENT;
  const c = monthlyCost(d, MEASURED, PRICES);
  const without = monthlyCost({ ...d, freeGrants: false }, MEASURED, PRICES);
  const rows = c.lines.map(
    (l) =>
      `| ${LABELS[l.key]} | ${how(l.key, d, MEASURED, c)} | ${rate(PRICES[l.key])} | ${usd(l.usd)} |`,
  );
  const share = (key: LineKey) => Math.round((lineOf(c, key).usd / c.totalUsd) * 100);
  const rest = c.totalUsd - lineOf(c, "logIngestion").usd - lineOf(c, "executionTime").usd;
  return [
    "| line | quantity a month, and how it is counted | price | per month |",
    "| ---- | --------------------------------------- | ----- | --------- |",
    ...rows,
    `| **total** | | | **${usd(c.totalUsd)}** (${usd(without.totalUsd)} if the free grants are used elsewhere) |`,
    "",
    `Log Analytics ingestion is ${share("logIngestion")} % of it and execution time ${share("executionTime")} %; ` +
      `the rest is ${usd(rest)} together.`,
  ].join("\n");
}

interface Variation {
  setting: string;
  change: string;
  deployment?: Partial<Deployment>;
  measured?: Partial<Measurements>;
}

const VARIATIONS: Variation[] = [
  { setting: "", change: "the default deployment" },
  { setting: "`policy.intervalSeconds`", change: "20 s", deployment: { intervalSeconds: 20 } },
  { setting: "`policy.intervalSeconds`", change: "30 s", deployment: { intervalSeconds: 30 } },
  { setting: "`policy.intervalSeconds`", change: "60 s", deployment: { intervalSeconds: 60 } },
  { setting: "`observers`", change: "three observer regions", deployment: { observers: 3 } },
  { setting: "`groups`", change: "one group (3 targets)", deployment: { groups: 1 } },
  { setting: "`groups`", change: "20 groups (60 targets)", deployment: { groups: 20 } },
  { setting: "`groups`", change: "100 groups (300 targets)", deployment: { groups: 100 } },
  {
    setting: "`groups`",
    change: "100 passive-cold groups, each standby stopped (100 targets failing all month)",
    deployment: { groups: 100, failingTargets: 100 },
  },
  {
    setting: "`telemetry.summaryMinutes`",
    change: "0: a record per probe",
    deployment: { summaryMinutes: 0 },
  },
  {
    setting: "`telemetry.summaryMinutes`",
    change: "0, at 100 groups",
    deployment: { summaryMinutes: 0, groups: 100 },
  },
  {
    setting: "`telemetry.summaryMinutes`",
    change: "15, at 100 groups",
    deployment: { summaryMinutes: 15, groups: 100 },
  },
  {
    setting: "`deployment.instanceMemoryMB`",
    change: "2048",
    deployment: { instanceMemoryMB: 2048 },
  },
  {
    setting: "`APPLICATIONINSIGHTS_CONNECTION_STRING`",
    change: "not set: no telemetry, no host logs",
    deployment: { telemetry: false },
  },
  {
    setting: "free grants",
    change: "used up by other apps",
    deployment: { freeGrants: false },
  },
  {
    setting: "(real endpoints)",
    change: "ticks of 1.5 s",
    measured: { tickSeconds: 1.5 },
  },
];

function variationTable(): string {
  const base = monthlyCost(DEFAULT_DEPLOYMENT, MEASURED, PRICES);
  const rows = VARIATIONS.map((v) => {
    const c = monthlyCost(
      { ...DEFAULT_DEPLOYMENT, ...v.deployment },
      { ...MEASURED, ...v.measured },
      PRICES,
    );
    const q = (key: LineKey) => lineOf(c, key).quantity;
    const delta = c.totalUsd - base.totalUsd;
    const change = v.setting === "" ? "" : `${delta >= 0 ? "+" : "−"}${usd(Math.abs(delta))}`;
    return (
      `| ${v.setting} | ${v.change} | ${count(q("executions"))} | ${count(q("executionTime"))} | ` +
      `${count(q("stateStore"))} | ${count(q("logIngestion"), 1)} | ${usd(c.totalUsd)} | ${change} |`
    );
  });
  return [
    "| setting | value | executions | GB-s | table transactions | ingestion, GB | per month | against the default |",
    "| ------- | ----- | ---------- | ---- | ------------------ | ------------- | --------- | ------------------- |",
    ...rows,
  ].join("\n");
}

/** The extra execution time of an hour in which every probe tick waits for its re-probes. */
function outageSentence(): string {
  const p = POLICY_DEFAULTS;
  const d = DEFAULT_DEPLOYMENT;
  // A probe and its confirmations one after the other, at most; and never past the tick's
  // deadline, 90 % of the interval (src/app/probe-tick.ts): a probe whose timeout does not fit
  // before it is not started.
  const tick = Math.min(
    p.probeTimeoutSeconds * (1 + p.confirmRetries) + p.confirmSpacingSeconds * p.confirmRetries,
    d.intervalSeconds * 0.9,
  );
  const extraSeconds =
    (3600 / d.intervalSeconds) *
    d.observers *
    (billedSeconds(tick) - billedSeconds(MEASURED.tickSeconds));
  const gbSeconds = extraSeconds * (d.instanceMemoryMB / 1024);
  return (
    `At worst (a target that times out, with the default \`confirmRetries\` of ${p.confirmRetries}, ` +
    `\`probeTimeoutSeconds\` of ${p.probeTimeoutSeconds} and \`confirmSpacingSeconds\` of ${p.confirmSpacingSeconds}) a probe tick takes ` +
    `up to ${tick} s, its deadline, instead of under one: ${count(gbSeconds)} GB-s more for each hour of it on ${d.observers} observers, ` +
    `${usd(gbSeconds * PRICES.executionTime.usd)} at the list price.`
  );
}

function priceTable(): string {
  const rows = (Object.keys(PRICES) as LineKey[]).map((key) => {
    const p = PRICES[key];
    return (
      `| ${LABELS[key]} | ${rate(p)} | ${p.free > 0 ? `${count(p.free)} ${p.unit}` : ""} | ${p.source} | ` +
      `${p.checked}${p.confirmed ? "" : ", **to be checked**"} |`
    );
  });
  return [
    `Prices in USD, pay as you go, ${PRICE_REGION}, looked up on ${PRICES_CHECKED}:`,
    "",
    "| line | price | free a month | source | looked up |",
    "| ---- | ----- | ------------ | ------ | --------- |",
    ...rows,
  ].join("\n");
}

export function renderCostTables(): string {
  return [
    "## The default deployment",
    "",
    "Two observer regions (two Flex Consumption apps) at the default interval and instance memory, " +
      `watching ${DEFAULT_DEPLOYMENT.groups} failover groups of two regions and an entry point each, ` +
      "with telemetry on, over a 30-day month:",
    "",
    defaultTable(),
    "",
    "## How each setting changes it",
    "",
    "Each row changes one thing from the default deployment:",
    "",
    variationTable(),
    "",
    outageSentence(),
    "",
    "## Prices",
    "",
    priceTable(),
  ].join("\n");
}

/** docs/cost.md with its generated part replaced. */
export function renderCostDoc(current: string): string {
  const begin = current.indexOf(COST_BEGIN);
  const end = current.indexOf(COST_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/cost.md lacks the markers ${COST_BEGIN} ... ${COST_END}`);
  return `${current.slice(0, begin)}${COST_BEGIN}\n\n${renderCostTables()}\n\n${current.slice(end)}`;
}
