// The simulator in CI, sized by time rather than by a count tuned on one machine: at least 100
// seeded runs across the three deployment models, in chaos (every fault kind) and in a failover
// through a slow control plane, and as many more as fit in the budget (SIM_BUDGET_SECONDS,
// default 12; the sweep runs in a worker thread, about twice as fast as in the test's own process:
// test/sim/in-worker.ts). Lever calls go through the simulated ARM (test/sim/arm-model.ts): heavy-tailed
// latency, the client's timeout, 429 and 500 bursts. `npm run sim -- --runs N` is the long soak.
import assert from "node:assert/strict";
import { it } from "node:test";
import { describeArm, describeData, describePeers, describeRuns, replayCommand } from "./run.js";
import { simulateManyInWorker } from "./in-worker.js";
import { describeRoutes } from "./route-check.js";
import { simulate } from "./simulate.js";

const MINUTES = 4;
const MIN_RUNS = 102;
const BUDGET_MS = Number(process.env["SIM_BUDGET_SECONDS"] ?? 12) * 1000;

it("seeded simulations for a time budget (at least 102 runs) keep every invariant; a failure prints the command that replays it", async (t) => {
  const summary = await simulateManyInWorker({
    runs: MIN_RUNS,
    budgetMs: BUDGET_MS,
    minutes: MINUTES,
  });
  t.diagnostic(describeRuns(summary, MINUTES));
  console.log(`simulation: ${describeRuns(summary, MINUTES)}`);
  const report = summary.failing
    .slice(0, 10)
    .map((r) => `${r.violations.join("; ")}\n    replay: ${replayCommand(r, MINUTES)}`)
    .join("\n");
  assert.equal(
    summary.failing.length,
    0,
    `invariants broken in ${summary.failing.length} of ${describeRuns(summary, MINUTES)}:\n${report}`,
  );
  assert.ok(summary.runs >= MIN_RUNS);
  // About one failover in four runs gets as far as moving traffic (many more are opened; some
  // stop at the re-check because the outage ended first); far fewer means the faults no longer
  // reach the runbook.
  assert.ok(
    summary.shifts >= summary.runs / 6,
    `expected many failovers to reach the traffic shift, got ${summary.shifts} in ${summary.runs} runs`,
  );
  // Alerts go through the outbox under the same crashes: each is sent once (checked per run), and
  // the crash between sending and marking, the one case the guarantee allows a repeat, occurs.
  console.log(
    `simulation: ${summary.alerts.delivered} alerts delivered; ${summary.alerts.resentAfterCrash} sent again after their first mark was lost (the sender died, or the store refused the mark)`,
  );
  assert.ok(summary.alerts.delivered >= summary.runs * 5, `${summary.alerts.delivered} alerts`);
  // The failover invariant (route-check.ts) is checked on every failover run's outage, and the
  // sweep meets each of ARM's faults: a sweep that no longer did would pass without testing them.
  console.log(`simulation: ${describeArm(summary.armCalls)}`);
  for (const line of describeRoutes(summary.routes, 45_000).slice(0, 3))
    console.log(`simulation: ${line.trim()}`);
  const checked = summary.routes.filter((r) => r.excused === undefined).length;
  assert.ok(checked >= summary.runs / 4, `the failover invariant checked on ${checked} outages`);
  const { throttled, failed500, timedOut } = summary.armCalls;
  assert.ok(throttled > 0 && failed500 > 0 && timedOut > 0, describeArm(summary.armCalls));
  // The observers ask each other to probe now, some requests fail (a peer down or cut off), and
  // holders keep verdicts while answering one: a sweep that no longer did would not test them.
  console.log(`simulation: ${describePeers(summary.peers)}`);
  const { answered, failed, keptWhileAnswering } = summary.peers;
  assert.ok(answered > 0 && failed > 0 && keptWhileAnswering > 0, describePeers(summary.peers));
  // The data step (data-check.ts holds its invariants per run) is reached: stores are moved
  // planned and forced, a store refuses a failover for sure and is asked again, and Tandem
  // refuses one itself (a lost primary without allowDataLoss, or a timeout) and pages.
  console.log(`simulation: ${describeData(summary.data)}`);
  const { planned, forced, refusedByStore, refusedByTandem } = summary.data;
  assert.ok(
    planned > 0 && forced > 0 && refusedByStore > 0 && refusedByTandem > 0,
    describeData(summary.data),
  );
});

// One death can leave several alerts sent and unmarked: the sender goes on to the next row while
// the previous row's mark is on its way, and a process that dies sending that next row has not
// marked either. The next holder sends both again; the guarantee allows it (docs/alerts.md, "Sent
// once"), so the check must excuse every alert the dead process had not marked, not only the one
// in the receiver's hands. The case is made often (a sender dies at one send in five) rather than
// found in one seed's timing, which every change to ticks or delivery moved (seeds 86, 197, 372):
// seed 3 has several such deaths, and each repeat is excused.
it("a process that dies while sending is excused the repeat of every alert it sent and had not marked yet", async () => {
  const result = await simulate(3, {
    model: "active-passive",
    minutes: 6,
    alertFaults: { crashInSend: 0.2 },
  });
  assert.deepEqual(result.violations, [], replayCommand(result, 6));
  assert.ok((result.alerts?.resentAfterCrash ?? 0) >= 2, JSON.stringify(result.alerts));
});
