import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { billedSeconds, monthlyCost, type Deployment, type LineKey } from "../../bench/cost.js";
import {
  DEFAULT_DEPLOYMENT,
  MEASURED,
  PRICES,
  TELEMETRY_MEASURED,
} from "../../bench/cost-inputs.js";
import { ROOT } from "../helpers/paths.js";

const cost = (change: Partial<Deployment> = {}) =>
  monthlyCost({ ...DEFAULT_DEPLOYMENT, ...change }, MEASURED, PRICES);
const line = (c: ReturnType<typeof cost>, key: LineKey) => c.lines.find((l) => l.key === key)!;

describe("the cost model", () => {
  it("reproduces the measured store transactions: 9 an interval for two observers, 15 at 100 groups", () => {
    assert.equal(cost({ groups: 1 }).storeTransactionsPerInterval, 9);
    assert.equal(cost().storeTransactionsPerInterval, 9);
    assert.equal(cost({ groups: 100 }).storeTransactionsPerInterval, 15);
  });

  it("reproduces the measured telemetry at the shape it was measured on: 6,566 bytes per observer and interval, one target failing", () => {
    assert.equal(
      Math.round(
        cost({ failingTargets: TELEMETRY_MEASURED.failing }).telemetryBytesPerObserverInterval,
      ),
      TELEMETRY_MEASURED.bytes,
    );
  });

  it("costs at most $100 a month at 100 groups with telemetry on, and the default deployment no more than before summaries ($20.34)", () => {
    const hundred = cost({ groups: 100 });
    assert.ok(hundred.totalUsd <= 100, `100 groups: $${hundred.totalUsd.toFixed(2)}`);
    assert.ok(cost().totalUsd <= 20.34, `default: $${cost().totalUsd.toFixed(2)}`);
  });

  it("sends a passing target's record once a window, a failing one's every interval", () => {
    const bytes = (change: Partial<Deployment>) => cost(change).telemetryBytesPerObserverInterval;
    const perRecord = MEASURED.telemetry.bytesPerRecord;
    const windows = (5 * 60) / DEFAULT_DEPLOYMENT.intervalSeconds;
    // One failing target: one record an interval instead of one a window.
    assert.ok(
      Math.abs(bytes({ failingTargets: 1 }) - bytes({}) - perRecord * (1 - 1 / windows)) < 1e-6,
    );
    // No summaries: every target and group series each interval.
    const series = DEFAULT_DEPLOYMENT.groups * (DEFAULT_DEPLOYMENT.targetsPerGroup + 6);
    assert.ok(
      Math.abs(bytes({ summaryMinutes: 0 }) - bytes({}) - perRecord * series * (1 - 1 / windows)) <
        1e-6,
    );
    // A window shorter than the interval still sends at most one record per probe.
    assert.equal(
      bytes({ summaryMinutes: 1, intervalSeconds: 300 }),
      bytes({ summaryMinutes: 0, intervalSeconds: 300 }),
    );
  });

  for (const [name, seconds, billed] of [
    ["a 47 ms tick bills the 1 s minimum", 0.047, 1],
    ["a tick of exactly 1 s bills 1 s", 1, 1],
    ["past a second, billing rounds up to the next 100 ms", 1.01, 1.1],
    ["a tick of 1.2 s bills 1.2 s, not 1.3 (no floating-point carry)", 1.2, 1.2],
  ] as const)
    it(name, () => assert.equal(billedSeconds(seconds), billed));

  it("doubling the interval halves executions, GB-seconds and table transactions", () => {
    const base = cost();
    const doubled = cost({ intervalSeconds: DEFAULT_DEPLOYMENT.intervalSeconds * 2 });
    for (const key of ["executions", "executionTime", "stateStore"] as const)
      assert.equal(line(doubled, key).quantity * 2, line(base, key).quantity, key);
  });

  it("applies each free grant once for the whole deployment, not once per app", () => {
    const two = cost({ observers: 2 });
    const four = cost({ observers: 4 });
    const billable = (c: typeof two) => line(c, "executions").quantity - line(c, "executions").free;
    assert.equal(line(four, "executions").free, PRICES.executions.free);
    assert.equal(billable(four) - billable(two), two.executionsPerMonth);
    assert.equal(line(four, "executionTime").free, PRICES.executionTime.free);
  });

  it("charges every unit when the free grants are used up elsewhere", () => {
    const c = cost({ freeGrants: false });
    for (const l of c.lines) assert.equal(l.free, 0, l.key);
    assert.ok(c.totalUsd > cost().totalUsd);
  });

  it("bills the instance's memory: 2048 MB costs four times the GB-seconds of 512", () => {
    assert.equal(
      line(cost({ instanceMemoryMB: 2048 }), "executionTime").quantity,
      4 * line(cost({ instanceMemoryMB: 512 }), "executionTime").quantity,
    );
  });

  it("ingests nothing without the Application Insights connection string", () => {
    const c = cost({ telemetry: false });
    assert.equal(line(c, "logIngestion").quantity, 0);
    assert.equal(line(c, "logIngestion").usd, 0);
  });

  it("adds one availability record per target: more groups, more telemetry", () => {
    assert.ok(cost({ groups: 3 }).tandemTelemetryGB > cost().tandemTelemetryGB);
  });

  it("totals its lines", () => {
    const c = cost();
    assert.equal(
      c.totalUsd,
      c.lines.reduce((sum, l) => sum + l.usd, 0),
    );
    assert.ok(c.totalUsd > 0);
  });
});

describe("docs/deploy.md's cost summary", () => {
  it("gives the model's totals, rounded to the dollar", async () => {
    const deploy = await readFile(join(ROOT, "docs/deploy.md"), "utf8");
    const dollars = (pattern: RegExp) => Number(pattern.exec(deploy)?.[1]);
    assert.equal(dollars(/About \*\*\$(\d+) a month\*\*/), Math.round(cost().totalUsd));
    assert.equal(
      dollars(/about \$(\d+) if other apps/),
      Math.round(cost({ freeGrants: false }).totalUsd),
    );
    assert.equal(
      dollars(/A 30 s interval brings it to\s+about \$(\d+)/),
      Math.round(cost({ intervalSeconds: 30 }).totalUsd),
    );
  });
});
