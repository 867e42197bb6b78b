// One ARM error at the worst moment, end to end in the sandbox: the read of the routing that a
// region's `down` verdict triggers fails (Traffic Manager answers 500 until the SDK's retries run
// out), and the failover still opens within two ticks of that failure, not at the slow reconcile
// five minutes later. And a command sent before the lease holder has read any lever (the first
// second after start) is answered, never refused with a 409.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TandemEvent } from "../../src/core/events.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { ARM_DEFAULTS } from "../../src/adapters/azure/arm.js";
import { ticks, waitFor } from "../helpers/wait.js";

const INTERVAL = 2;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

describe("sandbox: an ARM error on the read a verdict triggers", () => {
  let sandbox: Sandbox;
  const events: TandemEvent[] = [];
  /** Output lines with the time they were printed (this machine's clock, like the events'). */
  const lines: { at: number; line: string }[] = [];
  let firstAnswer: { status: number; retryAfter: string | null; body: any; viewBefore: unknown };

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      subscribers: [{ name: "recorder", fn: (event) => void events.push(event) }],
      output: (line) => lines.push({ at: Date.now(), line }),
    });
    // As soon as the status shows both regions healthy: before any lease holder has read a lever
    // (the first one takes the lease a lease duration after start).
    const early = await waitFor(
      "both of shop's regions healthy in the status",
      async () => {
        const b = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
        const shop = b.groups.find((g: any) => g.name === "shop");
        return shop.regions.every((r: any) => r.verdict === "healthy") ? b : undefined;
      },
      within(10),
    );
    const response = await fetch(`${sandbox.url}/api/groups/shop/failover`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: "northeurope", reason: "first seconds", dryRun: true }),
    });
    firstAnswer = {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: await response.json(),
      viewBefore: early.groups.find((g: any) => g.name === "shop").routing,
    };
  });
  after(async () => sandbox.stop());

  const status = async () => (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;

  it("a dry run sent as soon as both regions show healthy is answered with its plan, or 503 with Retry-After; never 409", () => {
    assert.ok(
      firstAnswer.status === 200 || (firstAnswer.status === 503 && firstAnswer.retryAfter),
      `answered ${firstAnswer.status}: ${JSON.stringify(firstAnswer.body)}`,
    );
    if (firstAnswer.status === 200) assert.equal(firstAnswer.body.dryRun, true);
    // What makes this the case the fix is for: no lever view was kept yet when it was sent.
    if (firstAnswer.viewBefore !== null)
      console.log("# the lease holder had already read the lever: the early case was not reached");
  });

  it("opens the failover within two ticks of the failed read, and completes it", async () => {
    await waitFor(
      "a lease holder that has read both groups' levers",
      async () => {
        const b = await status();
        return b.lease && b.groups.every((g: any) => g.routing) ? b : undefined;
      },
      within(20),
    );
    // Every attempt of the next read of the Traffic Manager profile fails: the SDK's first try
    // and each of its retries.
    sandbox.arm.faults.push({
      status: 500,
      times: ARM_DEFAULTS.retry.maxRetries + 1,
      path: "trafficmanagerprofiles",
      method: "GET",
    });
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });

    const failed = await waitFor(
      "the read after the verdict to fail",
      () => lines.find((l) => /shop: the traffic lever cannot be read: .*500/.test(l.line)),
      within(20),
    );
    const opened = await waitFor(
      "shop's failover to open",
      () =>
        events.find(
          (e): e is TandemEvent & { type: "incident.opened" } =>
            e.type === "incident.opened" && e.group === "shop",
        ),
      within(20),
    );
    // Two ticks, and the next read's own time (one reply from the emulator) with room for a busy
    // machine; before, it waited for the slow reconcile: five minutes.
    const after = opened.at - failed.at;
    assert.ok(after <= 2 * INTERVAL * 1000 + 3000, `opened ${after} ms after the read failed`);
    const verdict = events.find(
      (e) => e.type === "verdict.changed" && e.group === "shop" && e.to === "down",
    )!;
    assert.ok(verdict.at <= failed.at, "the read that failed was the one the verdict triggered");

    const done = await waitFor(
      "shop's failover to complete",
      async () => {
        const g = (await status()).groups.find((x: any) => x.name === "shop");
        return g.incident?.step === "completed" ? g : undefined;
      },
      within(30),
    );
    assert.equal(done.routing.primary, "northeurope");
    assert.deepEqual(
      done.leverProblems,
      [],
      "the view read after the failure has no problems left",
    );
    assert.equal(done.leverFailedAt, null, "and no failed read outstanding");
  });
});
