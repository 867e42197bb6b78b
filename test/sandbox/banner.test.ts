import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { POLICY_DEFAULTS } from "../../src/config/defaults.js";
import type { PolicyConfig } from "../../src/config/schema.js";
import { differencesFromProduction } from "../../src/sandbox/banner.js";
import { telemetryFile } from "../../src/sandbox/telemetry-file.js";

describe("the sandbox banner", () => {
  it("says where the sandbox's policy differs from a deployment's defaults, failback first", () => {
    const policy = {
      ...POLICY_DEFAULTS,
      intervalSeconds: 2,
      dwellSeconds: 10,
      autoFailback: true,
    } as unknown as PolicyConfig;
    const lines = differencesFromProduction(policy);
    assert.match(
      lines[0]!,
      /^failback +automatic, once the region has been healthy 10 s here; by a person, once the region has been healthy 10 min by default/,
    );
    assert.match(lines[1]!, /^intervalSeconds +every 2 s here; every 10 s by default/);
    assert.equal(lines.length, 2);
    assert.deepEqual(differencesFromProduction(POLICY_DEFAULTS as unknown as PolicyConfig), []);
  });
});

describe("--telemetry", () => {
  it("writes each record to a file and prints only a count per period", async () => {
    const printed: string[] = [];
    const path = join(tmpdir(), `tandem-telemetry-test-${process.pid}.log`);
    const file = await telemetryFile((l) => printed.push(l), path, 50);
    file.record("telemetry  event  verdict.changed", "EventData");
    file.record("telemetry  metric  tandem.probe.latency=3", "MetricData");
    file.record("telemetry  metric  tandem.probe.latency=4", "MetricData");
    await new Promise((r) => setTimeout(r, 120));
    await file.close();
    assert.equal((await readFile(path, "utf8")).trim().split("\n").length, 3);
    assert.equal(printed.length, 1, printed.join("\n"));
    assert.match(
      printed[0]!,
      /^telemetry {2}3 records in the last 0\.05 s \(1 Event, 2 Metric\) in /,
    );
  });
});
