// The alerts of an incident's history: one per step it reaches (a note within a step says
// nothing), what each says a person will see, and what a closing alert resolves.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert, AlertOrigin, AlertRegion } from "../../src/core/alerts.js";
import { incidentAlerts, infoOf, openIncident } from "../../src/core/alerts.js";
import type { Incident, Step } from "../../src/core/incident.js";
import { regionFailover } from "../helpers/runbook-fixtures.js";

const OPENED = 1_000_000;
const FROM: AlertOrigin = { observer: "northeurope", epoch: 3, at: 7 };
const REGIONS: AlertRegion[] = [
  { name: "westeurope", verdict: "down", reason: "r", witness: "down" },
];

/** A failover of shop from westeurope to northeurope, through `steps`, 10 s apart. */
function failover(steps: readonly Step[] = [], change: Partial<Incident> = {}): Incident {
  const history = (["detected", ...steps] as Step[]).map((step, n) => ({
    step,
    at: OPENED + n * 10_000,
    epoch: 3,
    note: n === 0 ? "westeurope is down: fail over to northeurope" : `${step} (line ${n})`,
  }));
  return regionFailover({
    step: history.at(-1)!.step,
    stepStartedAt: history.at(-1)!.at,
    openedAt: OPENED,
    history,
    ...change,
  });
}

const failback = (steps: readonly Step[] = [], change: Partial<Incident> = {}) =>
  failover(steps, {
    kind: "failback",
    from: "northeurope",
    to: "westeurope",
    shift: { kind: "promote", region: "westeurope" },
    reason: "westeurope healthy for the dwell time",
    ...change,
  });

const alertsOf = (i: Incident, before?: Incident) => incidentAlerts(before, i, REGIONS, FROM);
const last = (i: Incident): Alert => {
  const a = alertsOf(i).at(-1);
  assert.ok(a);
  return a;
};

const FULL: Step[] = [
  "confirmed",
  "waking",
  "waking",
  "shifting-traffic",
  "verifying",
  "completed",
];

describe("which history lines are told", () => {
  it("the opening, the confirmation, each new step and the end; a second line of a step is not", () => {
    assert.deepEqual(
      alertsOf(failover(FULL)).map((a) => [a.type, a.key]),
      [
        ["failover.detected", "incident:shop/inc-1|detected|0"],
        ["failover.started", "incident:shop/inc-1|started|1"],
        ["failover.step", "incident:shop/inc-1|step|2"],
        ["failover.step", "incident:shop/inc-1|step|4"],
        ["failover.step", "incident:shop/inc-1|step|5"],
        ["failover.completed", "incident:shop/inc-1|completed|6"],
      ],
    );
  });

  it("only the lines the incident gained since the version before", () => {
    const before = failover(["confirmed", "waking"]);
    assert.deepEqual(
      alertsOf(failover(["confirmed", "waking", "shifting-traffic", "failed"]), before).map(
        (a) => a.key,
      ),
      ["incident:shop/inc-1|step|3", "incident:shop/inc-1|failed|4"],
    );
  });

  it("nothing when the incident gained no line", () => {
    const i = failover(["confirmed"]);
    assert.deepEqual(alertsOf(i, i), []);
  });

  it("an abort after the opening is told as aborted", () => {
    assert.deepEqual(
      alertsOf(failover(["aborted"])).map((a) => a.type),
      ["failover.detected", "failover.aborted"],
    );
  });
});

describe("what an incident's alerts say", () => {
  const titles: [string, Incident, string][] = [
    ["an automatic opening", failover(), "shop: failover from westeurope to northeurope detected"],
    [
      "a person's request",
      failover([], { trigger: "manual", requestedBy: "alice@contoso.com" }),
      "shop: failover from westeurope to northeurope requested by alice@contoso.com",
    ],
    [
      "a request with nobody named",
      failover([], { trigger: "manual" }),
      "shop: failover from westeurope to northeurope requested",
    ],
    [
      "an incident with no region it leaves",
      failback([], { from: undefined }),
      "shop: failback to westeurope detected",
    ],
    [
      "the confirmation",
      failover(["confirmed"]),
      "shop: failover from westeurope to northeurope started",
    ],
    [
      "a step",
      failover(["confirmed", "shifting-traffic"]),
      "shop: failover from westeurope to northeurope: shifting-traffic",
    ],
    [
      "the end, with the time from opening",
      failover(["confirmed", "shifting-traffic", "completed"], {}),
      "shop: failover from westeurope to northeurope completed in 30s",
    ],
    [
      "a failure",
      failover(["confirmed", "failed"]),
      "shop: failover from westeurope to northeurope FAILED",
    ],
    [
      "an abort",
      failover(["confirmed", "aborted"]),
      "shop: failover from westeurope to northeurope aborted",
    ],
  ];
  for (const [name, incident, title] of titles)
    it(`${name}: "${title}"`, () => assert.equal(last(incident).title, title));

  it("the opening's summary gives the reason after the note; later lines give their note", () => {
    assert.deepEqual(
      alertsOf(failover(["confirmed"])).map((a) => a.summary),
      ["westeurope is down: fail over to northeurope (westeurope is down)", "confirmed (line 1)"],
    );
  });

  const plans: [string, Partial<Incident>, string][] = [
    [
      "promoting a region",
      {},
      "Tandem will make northeurope the first choice on the traffic lever, and verify through the global entry point.",
    ],
    [
      "disabling a region",
      { shift: { kind: "disable", region: "westeurope" } },
      "Tandem will take westeurope out of rotation on the traffic lever, and verify through the global entry point.",
    ],
    [
      "enabling a region",
      { shift: { kind: "enable", region: "westeurope" } },
      "Tandem will put westeurope back in rotation on the traffic lever, and verify through the global entry point.",
    ],
    [
      "starting and scaling a cold cluster first",
      { wake: { region: "northeurope", start: true } },
      "Tandem will start northeurope's cluster, scale northeurope's node pools, wait until it serves, then make northeurope the first choice on the traffic lever, and verify through the global entry point.",
    ],
    [
      "scaling a running cluster first",
      { wake: { region: "northeurope", start: false } },
      "Tandem will scale northeurope's node pools, wait until it serves, then make northeurope the first choice on the traffic lever, and verify through the global entry point.",
    ],
  ];
  for (const [name, change, action] of plans)
    it(`an open incident ${name} says the plan, at every step until the end`, () => {
      const actions = alertsOf(failover(["confirmed", "waking"], change)).map((a) => a.action);
      assert.deepEqual(actions, [action, action, action]);
    });

  const ends: [string, Incident, string][] = [
    [
      "a completed failover",
      failover(["completed"]),
      "Traffic goes to northeurope now. westeurope gets it back after it has been healthy for the dwell time (automatic failback), or when a person fails back.",
    ],
    [
      "a completed failover with no region it left",
      failover(["completed"], { from: undefined }),
      "Traffic goes to northeurope now. The lost region gets it back after it has been healthy for the dwell time (automatic failback), or when a person fails back.",
    ],
    ["a completed failback", failback(["completed"]), "Traffic is back on westeurope."],
    [
      "a failure",
      failover(["failed"]),
      "Routing was left as it was. A person should look at the incident and the lever.",
    ],
    ["an abort", failback(["aborted"]), "Nothing more is done for this incident."],
  ];
  for (const [name, incident, action] of ends)
    it(`${name} says: "${action.slice(0, 40)}…"`, () =>
      assert.equal(last(incident).action, action));
});

describe("every alert of an incident", () => {
  const incidents: [string, Incident][] = [
    ["a failover", failover(FULL)],
    ["a failed failback", failback(["confirmed", "failed"])],
    [
      "an aborted manual failover",
      failover(["aborted"], { trigger: "manual", requestedBy: "bob" }),
    ],
  ];
  for (const [name, incident] of incidents)
    it(`${name}: names group, incident and region, with its type's severity and the steps so far`, () => {
      for (const a of alertsOf(incident)) {
        const line = Number(a.key.split("|")[2]);
        const entry = incident.history[line]!;
        assert.ok(
          a.title.startsWith(`shop: ${incident.kind} from ${incident.from} to ${incident.to}`),
        );
        assert.equal(a.subject, "incident:shop/inc-1");
        assert.ok(a.key.startsWith(`${a.subject}|`));
        assert.equal(a.group, "shop");
        assert.equal(a.incident, "inc-1");
        assert.equal(a.region, incident.from);
        assert.equal(a.severity, infoOf(a.type).severity);
        assert.deepEqual([a.observer, a.epoch, a.at], ["northeurope", 3, entry.at]);
        assert.deepEqual(a.regions, REGIONS);
        assert.deepEqual(
          a.steps,
          incident.history
            .slice(0, line + 1)
            .map((h) => ({ step: h.step, at: h.at, note: h.note })),
        );
      }
    });

  it("details say the kind, trigger, step, regions, who asked and the time since opening", () => {
    const a = last(
      failover(["confirmed", "shifting-traffic"], { trigger: "manual", requestedBy: "bob" }),
    );
    assert.deepEqual(a.details, {
      kind: "failover",
      trigger: "manual",
      step: "shifting-traffic",
      to: "northeurope",
      from: "westeurope",
      requestedBy: "bob",
      elapsed: "20s",
    });
  });

  it("an incident with no region it leaves, no person and no regions shown leaves those out", () => {
    const a = incidentAlerts(undefined, failback([], { from: undefined }), undefined, {
      observer: "westeurope",
      at: 1,
    });
    assert.equal(a.length, 1);
    for (const field of ["region", "regions", "epoch", "resolves"])
      assert.equal(field in a[0]!, false, field);
    assert.deepEqual(a[0]!.details, {
      kind: "failback",
      trigger: "automatic",
      step: "detected",
      to: "westeurope",
      elapsed: "0s",
    });
  });

  it("severities follow the kind: a failover opens critical, a failback warning", () => {
    assert.deepEqual(
      [
        ...alertsOf(failover(["confirmed", "waking", "failed"])),
        ...alertsOf(failback(["aborted"])),
      ].map((a) => [a.type, a.severity]),
      [
        ["failover.detected", "critical"],
        ["failover.started", "critical"],
        ["failover.step", "info"],
        ["failover.failed", "critical"],
        ["failback.detected", "warning"],
        ["failback.aborted", "warning"],
      ],
    );
  });
});

describe("what an incident's end resolves", () => {
  for (const end of ["completed", "aborted"] as const)
    it(`${end}: resolves the opening alert, with its title, severity and time`, () => {
      const incident = failover(["confirmed", end]);
      const [opening] = alertsOf(incident);
      assert.deepEqual(last(incident).resolves, {
        type: "failover.detected",
        title: opening!.title,
        severity: opening!.severity,
        at: OPENED,
      });
    });

  it("a failure resolves nothing: a person should look", () => {
    assert.equal(last(failover(["confirmed", "failed"])).resolves, undefined);
  });

  it("neither do the opening and the steps", () => {
    for (const a of alertsOf(failover(FULL)).slice(0, -1)) assert.equal("resolves" in a, false);
  });
});

describe("an open incident, for reminders", () => {
  it("is what the opening alert was about, with the step it is at and its last note", () => {
    const incident = failover(["confirmed", "waking"]);
    assert.deepEqual(openIncident(incident, REGIONS), {
      subject: "incident:shop/inc-1",
      of: "failover.detected",
      severity: "critical",
      since: OPENED,
      group: "shop",
      incident: "inc-1",
      title: "shop: failover to northeurope still open, at waking",
      summary: "waking (line 2)",
      regions: REGIONS,
      steps: incident.history.map((h) => ({ step: h.step, at: h.at, note: h.note })),
    });
  });

  it("a failback is reminded of at its own severity, without regions when none are shown", () => {
    const matter = openIncident(failback(), undefined);
    assert.deepEqual([matter.of, matter.severity], ["failback.detected", "warning"]);
    assert.equal("regions" in matter, false);
  });

  it("with no history yet, its reason is the summary", () => {
    assert.equal(
      openIncident(failover([], { history: [] }), undefined).summary,
      "westeurope is down",
    );
  });
});

describe("a passive-cold pre-warm on suspicion", () => {
  /** Opened at prewarming (the primary is only suspect), then through `steps`. */
  const prewarm = (steps: readonly Step[] = []): Incident => {
    const base = failover(steps, { wake: { region: "northeurope", start: true } });
    const [, ...rest] = base.history;
    return {
      ...base,
      reason: "westeurope is suspect: pre-warm northeurope",
      history: [
        { step: "prewarming", at: OPENED, epoch: 3, note: "westeurope is suspect: start it" },
        ...rest,
      ],
      step: steps.at(-1) ?? "prewarming",
    };
  };

  it("is a warning that says no failover is known yet, not a critical failover", () => {
    const [opening] = alertsOf(prewarm());
    assert.equal(opening?.type, "failover.prewarming");
    assert.equal(opening?.severity, "warning");
    assert.equal(
      opening?.title,
      "shop: westeurope is suspect: pre-warming northeurope (no failover yet)",
    );
    assert.match(opening!.action!, /fails over only once every outside observer agrees/);
    assert.equal(openIncident(prewarm(), undefined).severity, "warning");
    assert.equal(openIncident(prewarm(), undefined).of, "failover.prewarming");
  });

  it("becomes critical when the failover is confirmed, and its end resolves that start", () => {
    const types = alertsOf(prewarm(["confirmed", "waking", "completed"]));
    assert.deepEqual(
      types.map((a) => [a.type, a.severity]),
      [
        ["failover.prewarming", "warning"],
        ["failover.started", "critical"],
        ["failover.step", "info"],
        ["failover.completed", "info"],
      ],
    );
    assert.deepEqual(types.at(-1)?.resolves, {
      type: "failover.started",
      title: "shop: failover from westeurope to northeurope started",
      severity: "critical",
      at: OPENED + 10_000,
    });
    assert.equal(openIncident(prewarm(["confirmed"]), undefined).severity, "critical");
  });

  it("called off before it was confirmed: resolves the pre-warm, a warning", () => {
    const aborted = last(prewarm(["aborted"]));
    assert.equal(aborted.type, "failover.aborted");
    assert.deepEqual(aborted.resolves, {
      type: "failover.prewarming",
      title: "shop: westeurope is suspect: pre-warming northeurope (no failover yet)",
      severity: "warning",
      at: OPENED,
    });
  });
});
