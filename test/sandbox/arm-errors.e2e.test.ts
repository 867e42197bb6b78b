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
import { ticks, waitFor } from "../helpers/wait.js";

const INTERVAL = 2;
const within = (n: number) => ({ timeoutMs: ticks(n, INTERVAL) });

describe("sandbox: an ARM error on the read a verdict triggers", () => {
  let sandbox: Sandbox;
  const events: TandemEvent[] = [];
  /** Output lines with the time they were printed (this machine's clock, like the events'). */
  const lines: { at: number; line: string }[] = [];
  /** Called with each event as it is heard: a test's hook to act at that very moment. */
  let onEvent: ((event: TandemEvent) => void) | undefined;
  let firstAnswer: { status: number; retryAfter: string | null; body: any; viewBefore: unknown };

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      subscribers: [
        {
          name: "recorder",
          fn: (event) => {
            events.push(event);
            onEvent?.(event);
          },
        },
      ],
      output: (line) => lines.push({ at: Date.now(), line }),
    });
    // At once, before the first lease holder (it takes the lease a lease duration after start)
    // has read any lever; with the override, the regions' health (not known yet either) is not
    // what is asked about.
    const viewBefore = (
      (await (await fetch(`${sandbox.url}/api/status`)).json()) as any
    ).groups.find((g: any) => g.name === "shop").routing;
    const response = await fetch(`${sandbox.url}/api/groups/shop/failover`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        to: "northeurope",
        reason: "first second",
        dryRun: true,
        override: true,
      }),
    });
    firstAnswer = {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      body: await response.json(),
      viewBefore,
    };
  });
  after(async () => sandbox.stop());

  const status = async () => (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;

  it("a dry run sent the moment the sandbox is up, before any lever view, is answered with its plan or 503 with Retry-After; never 409", () => {
    assert.ok(
      firstAnswer.status === 200 || (firstAnswer.status === 503 && firstAnswer.retryAfter),
      `answered ${firstAnswer.status}: ${JSON.stringify(firstAnswer.body)}`,
    );
    if (firstAnswer.status === 200) assert.equal(firstAnswer.body.dryRun, true);
    assert.equal(firstAnswer.viewBefore, null, "no lever view was kept yet when it was sent");
  });

  it("opens the failover within two ticks of the failed read, and completes it", async () => {
    await waitFor(
      "a lease holder that has read both groups' levers",
      async () => {
        const b = await status();
        return b.lease && b.groups.every((g: any) => g.routing) ? b : undefined;
      },
      within(10),
    );
    const opened = () =>
      events.find(
        (e): e is TandemEvent & { type: "incident.opened" } =>
          e.type === "incident.opened" && e.group === "shop",
      );
    // From the moment shop's westeurope is recorded down, every read of the Traffic Manager
    // profile fails (the SDK's first try and each retry) until the read the verdict triggered
    // has failed; then ARM answers again. Set at the verdict, not before it: a witness question
    // asked before the verdict would use the fault up.
    const fault = { status: 500, times: 0, path: "trafficmanagerprofiles", method: "GET" };
    sandbox.arm.faults.push(fault);
    onEvent = (e) => {
      if (
        e.type === "verdict.changed" &&
        e.group === "shop" &&
        e.region === "westeurope" &&
        e.to === "down"
      )
        fault.times = 1000;
    };
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });
    const failed = await waitFor(
      "the read after the verdict to fail",
      () => lines.find((l) => /shop: the traffic lever cannot be read: .*500/.test(l.line)),
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    fault.times = 0;
    const opening = await waitFor("shop's failover to open", opened, { timeoutMs: 60_000 });
    // Within two ticks of the verdict, with room for a busy machine: the incident opens from the
    // lever view kept before (the failed read did not wipe it), and its change waits for a read
    // that answers. Before, the failed read left no routing and nothing was read again until the
    // slow reconcile: five minutes.
    const verdict = events.find(
      (e) =>
        e.type === "verdict.changed" &&
        e.group === "shop" &&
        e.region === "westeurope" &&
        e.to === "down",
    )!;
    const after = opening.at - verdict.at;
    assert.ok(after <= 2 * INTERVAL * 1000 + 3000, `opened ${after} ms after the verdict`);
    assert.ok(failed.at >= verdict.at, "the read that failed came after the verdict");

    const done = await waitFor(
      "shop's failover to complete",
      async () => {
        const g = (await status()).groups.find((x: any) => x.name === "shop");
        return g.incident?.step === "completed" ? g : undefined;
      },
      { timeoutMs: 60_000 },
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
