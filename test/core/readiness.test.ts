// The readiness checks, pure: from a group that is ready, each cause is made alone and turns its
// check (and the group) not ready with the evidence naming it; removing the cause makes it ready.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClusterState, LeverView } from "../../src/core/levers.js";
import type { ReadinessReport } from "../../src/core/readiness.js";
import { assessReadiness, readinessChange, readinessLine } from "../../src/core/readiness.js";

type ReadinessInput = Parameters<typeof assessReadiness>[0];

const DAY = 86_400_000;
const NOW = 1_900_000_000_000;

const cluster = (over: Partial<ClusterState> = {}, pool = {}): ClusterState => ({
  power: "Running",
  kubernetesVersion: "1.33.2",
  nodePools: [{ name: "user", count: 3, vmSize: "Standard_D4s_v5", ...pool }],
  ...over,
});

function view(over: {
  neuEnabled?: boolean;
  monitor?: string;
  neu?: ClusterState;
  weu?: ClusterState;
}): LeverView {
  return {
    routing: {
      regions: [
        { region: "westeurope", enabled: true, priority: 1, monitorStatus: "Online" },
        {
          region: "northeurope",
          enabled: over.neuEnabled ?? true,
          priority: 2,
          monitorStatus: over.monitor ?? "Online",
        },
      ],
    },
    clusters: { westeurope: over.weu ?? cluster(), northeurope: over.neu ?? cluster() },
    readAt: NOW,
    epoch: 1,
  };
}

const PASSING = [
  { observer: "westeurope", ok: true, certificateDaysLeft: 80 },
  { observer: "northeurope", ok: true, certificateDaysLeft: 80 },
];

function input(model: string, over: Partial<ReadinessInput> = {}): ReadinessInput {
  return {
    group: {
      name: "shop",
      model,
      traffic: true,
      rtoSeconds: 600,
      regions: [
        { name: "westeurope", role: "primary", traffic: true, cluster: { nodePools: [] } },
        {
          name: "northeurope",
          role: "secondary",
          traffic: true,
          cluster: { nodePools: [] },
          certificateWarningDays: 14,
        },
      ],
    },
    now: NOW,
    view: view({}),
    probes: { northeurope: PASSING },
    wokenAt: { northeurope: NOW - 3 * DAY },
    drill: { at: NOW - DAY, expectedSeconds: 300, outcome: "completed" },
    coldStartWithinDays: 30,
    ...over,
  };
}

const check = (report: ReadinessReport, name: string) =>
  report.checks.find((c) => c.check === name);

describe("readiness checks", () => {
  it("a group whose standby matches, passes and was drilled in time is ready on every check", () => {
    const report = assessReadiness(input("active-passive"));
    assert.equal(report.verdict, "ready", readinessLine(report));
    assert.equal(report.primary, "westeurope");
    assert.deepEqual(report.standbys, ["northeurope"]);
    assert.deepEqual(report.checks.map((c) => c.check).sort(), [
      "capacity",
      "certificate",
      "recovery-time",
      "standby-cluster",
      "standby-probes",
      "standby-traffic",
    ]);
  });

  // Each: the check that turns not ready, the cause, and a word the evidence must name.
  const causes: [string, string, Partial<ReadinessInput>, RegExp][] = [
    [
      "standby endpoint disabled",
      "standby-traffic",
      { view: view({ neuEnabled: false }) },
      /disabled/,
    ],
    [
      "Traffic Manager sees it Degraded",
      "standby-traffic",
      { view: view({ monitor: "Degraded" }) },
      /Degraded/,
    ],
    [
      "Kubernetes version drift",
      "standby-cluster",
      { view: view({ neu: cluster({ kubernetesVersion: "1.32.7" }) }) },
      /Kubernetes 1\.32\.7, westeurope runs 1\.33\.2/,
    ],
    [
      "VM size drift",
      "standby-cluster",
      { view: view({ neu: cluster({}, { vmSize: "Standard_D2s_v5" }) }) },
      /pool user is Standard_D2s_v5, westeurope's is Standard_D4s_v5/,
    ],
    [
      "maxCount below the primary's count",
      "capacity",
      {
        view: view({
          weu: cluster({}, { count: 12 }),
          neu: cluster({}, { count: 3, autoscale: true, minCount: 1, maxCount: 8 }),
        }),
      },
      /pool user reaches 8 of westeurope's 12/,
    ],
    [
      "the standby fails its probe from one observer",
      "standby-probes",
      {
        probes: {
          northeurope: [PASSING[0]!, { observer: "northeurope", ok: false, error: "timeout" }],
        },
      },
      /northeurope \(timeout\)/,
    ],
    [
      "an expiring certificate",
      "certificate",
      { probes: { northeurope: [{ ...PASSING[0]!, certificateDaysLeft: 5 }] } },
      /expires in 5 day/,
    ],
    [
      "the last drill predicts more than the objective",
      "recovery-time",
      { drill: { at: NOW, expectedSeconds: 900, outcome: "completed" } },
      /900 s .* objective of 600 s/,
    ],
    [
      "the last drill's failover would not complete",
      "recovery-time",
      { drill: { at: NOW, expectedSeconds: 120, outcome: "failed" } },
      /would end failed/,
    ],
  ];

  for (const [name, which, cause, evidence] of causes)
    it(`${name}: ${which} is not ready, and ready again without the cause`, () => {
      const broken = assessReadiness(input("active-passive", cause));
      assert.equal(broken.verdict, "not-ready");
      const found = check(broken, which);
      assert.equal(found?.verdict, "not-ready", readinessLine(broken));
      assert.match(found.evidence, evidence);
      assert.ok(found.fix, "a finding says how to fix it");
      assert.equal(
        broken.checks.filter((c) => c.verdict === "not-ready").length,
        1,
        `only ${which} is not ready: ${readinessLine(broken)}`,
      );
      const healed = assessReadiness(input("active-passive", { previous: broken }));
      assert.equal(healed.verdict, "ready");
      assert.equal(readinessChange(broken, healed), "regained");
    });

  it("a standby pool that is not autoscaled reaches what the wake scales it to", () => {
    const small = view({ weu: cluster({}, { count: 6 }), neu: cluster({}, { count: 1 }) });
    const base = input("active-passive", { view: small });
    assert.equal(check(assessReadiness(base), "capacity")?.verdict, "not-ready");
    const scaled = {
      ...base,
      group: {
        ...base.group,
        regions: base.group.regions.map((r) =>
          r.name === "northeurope"
            ? { ...r, cluster: { nodePools: [{ name: "user", count: 6 }] } }
            : r,
        ),
      },
    };
    assert.equal(check(assessReadiness(scaled), "capacity")?.verdict, "ready");
  });
});

describe("passive-cold readiness", () => {
  const cold = view({ neu: cluster({ power: "Stopped" }) });

  it("a cold standby never started is not ready; one started within the days is ready", () => {
    const never = assessReadiness(input("passive-cold", { view: cold, wokenAt: {} }));
    assert.equal(check(never, "cold-start")?.verdict, "not-ready");
    assert.match(check(never, "cold-start")!.evidence, /not been seen started/);
    const stale = assessReadiness(
      input("passive-cold", { view: cold, wokenAt: { northeurope: NOW - 40 * DAY } }),
    );
    assert.match(check(stale, "cold-start")!.evidence, /40 days ago \(more than 30\)/);
    const woken = assessReadiness(input("passive-cold", { view: cold }));
    assert.equal(woken.verdict, "ready", readinessLine(woken));
  });

  it("a cold standby at rest is not judged by its probes (they fail by design)", () => {
    const report = assessReadiness(
      input("passive-cold", {
        view: cold,
        probes: { northeurope: [{ observer: "westeurope", ok: false }] },
      }),
    );
    assert.equal(check(report, "standby-probes"), undefined);
    assert.equal(report.verdict, "ready");
  });

  it("a standby seen running counts as started, and is remembered from run to run", () => {
    const running = assessReadiness(input("passive-cold", { wokenAt: {} }));
    assert.equal(running.startedAt?.["northeurope"], NOW);
    const later = assessReadiness(
      input("passive-cold", { view: cold, wokenAt: {}, now: NOW + 5 * DAY, previous: running }),
    );
    assert.equal(check(later, "cold-start")?.verdict, "ready");
  });
});

describe("readiness lost and regained", () => {
  const ready = assessReadiness(input("active-passive"));
  const broken = assessReadiness(input("active-passive", { view: view({ neuEnabled: false }) }));
  const unknown = assessReadiness(input("active-passive", { view: undefined, previous: broken }));

  it("is lost when a check turns not ready (also on the first run), regained when all pass again", () => {
    assert.equal(readinessChange(ready, broken), "lost");
    assert.equal(readinessChange(undefined, broken), "lost");
    assert.equal(readinessChange(broken, ready), "regained");
    assert.equal(readinessChange(undefined, ready), undefined);
    assert.equal(readinessChange(broken, broken), undefined);
  });

  it("an unknown run (levers unread) tells nothing and keeps the last settled verdict", () => {
    assert.equal(unknown.verdict, "unknown");
    assert.equal(unknown.settled, "not-ready");
    assert.equal(readinessChange(broken, unknown), undefined);
    assert.equal(readinessChange(unknown, ready), "regained");
  });
});
