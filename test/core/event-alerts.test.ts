// Which events become outbox rows, and what each says. Keys are built from what every process
// that hears the event sees alike, so the same event heard by two observers is one row.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Alert } from "../../src/core/alerts.js";
import { infoOf } from "../../src/core/alerts.js";
import { eventAlert } from "../../src/core/event-alerts.js";
import type { EventBody, TandemEvent } from "../../src/core/events.js";

const AT = 1_000_000;

/** An event as observer westeurope emits it in request `req-7`, with the lease epoch 4. */
function event(body: EventBody, origin: Partial<TandemEvent> = {}): TandemEvent {
  return {
    observer: "westeurope",
    instance: "westeurope-1",
    at: AT,
    operation: "req-7",
    epoch: 4,
    ...origin,
    ...body,
  } as TandemEvent;
}

function alertOf(body: EventBody, origin: Partial<TandemEvent> = {}): Alert {
  const alert = eventAlert(event(body, origin));
  assert.ok(alert, `${body.type} should raise an alert`);
  return alert;
}

/** The body of one event type, so that a variant keeps its type. */
type Body<T extends EventBody["type"]> = EventBody extends infer B
  ? B extends { readonly type: infer U }
    ? T extends U
      ? Omit<B, "type"> & { readonly type: T }
      : never
    : never
  : never;

const CAP: Body<"automation.refused"> = {
  type: "automation.refused",
  group: "shop",
  rule: "failover-cap",
  reason: "2 automatic failovers in the last 24h",
  anchor: "incident-41",
};
const FAILOVER: Body<"command.accepted"> = {
  type: "command.accepted",
  command: "failover",
  group: "shop",
  by: "alice@contoso.com",
  reason: "planned maintenance",
  incident: "inc-9",
  dryRun: false,
};
const REFUSED: Body<"command.refused"> = {
  type: "command.refused",
  command: "failback",
  group: "shop",
  by: "bob@contoso.com",
  reason: "no healthy region to fail back to",
  rule: "unhealthy-target",
  status: 409,
};
const PAUSED: Body<"automation.paused"> = {
  type: "automation.paused",
  group: "shop",
  by: "alice@contoso.com",
  reason: "release",
};
const RESUMED: Body<"automation.resumed"> = { ...PAUSED, type: "automation.resumed" };
const STALE: Body<"observer.stale"> = {
  type: "observer.stale",
  peer: "northeurope",
  heartbeat: "neu-1:41",
};
const LIVE: Body<"observer.live"> = { ...STALE, type: "observer.live" };
const UNREACHABLE: Body<"store.unreachable"> = {
  type: "store.unreachable",
  message: "ECONNREFUSED 10.0.0.4:443",
};
const REACHABLE: Body<"store.reachable"> = { type: "store.reachable" };
const LEASE: Body<"lease.acquired"> = { type: "lease.acquired", holder: "westeurope-1", epoch: 4 };
const CERTIFICATE: Body<"certificate.expiring"> = {
  type: "certificate.expiring",
  group: "shop",
  target: "westeurope",
  daysLeft: 12,
  message: "the certificate of shop-weu.contoso.com expires on 2026-12-13",
};

/** Every event that raises an alert, in the shapes the use cases emit. */
const ALERTING: readonly EventBody[] = [
  CAP,
  FAILOVER,
  { ...FAILOVER, command: "failback" },
  REFUSED,
  PAUSED,
  RESUMED,
  STALE,
  LIVE,
  UNREACHABLE,
  REACHABLE,
  LEASE,
  CERTIFICATE,
];

describe("events that raise no alert", () => {
  const silent: [string, EventBody][] = [
    [
      "a probe outcome",
      {
        type: "probe.outcome",
        group: "shop",
        target: "westeurope",
        ok: false,
        latencyMs: 30,
        consecutiveFailures: 3,
        consecutiveSuccesses: 0,
        failuresBefore: 0,
        confirmations: 1,
      },
    ],
    [
      "a verdict change (its alert is written with the kept verdict)",
      { type: "verdict.changed", group: "shop", region: "westeurope", to: "down", reason: "r" },
    ],
    ["a split view", { type: "split-view", group: "shop", region: "westeurope", reason: "r" }],
    [
      "an incident line (its alert is written with the incident)",
      {
        type: "incident.step",
        group: "shop",
        incident: "inc-9",
        kind: "failover",
        trigger: "automatic",
        to: "northeurope",
        step: "confirmed",
        note: "n",
        elapsedMs: 0,
      },
    ],
    [
      "a lever change",
      {
        type: "lever.changed",
        group: "shop",
        region: "northeurope",
        lever: "traffic",
        change: "promote northeurope",
        outcome: "done",
      },
    ],
    ["a lost lease", { type: "lease.lost", holder: "westeurope-1", epoch: 4, reason: "expired" }],
    [
      "an automatic action held back by a rule other than the cap",
      { ...CAP, rule: "automation-paused" },
    ],
    ["a dry-run failover command", { ...FAILOVER, dryRun: true }],
    ["an accepted pause command (the pause has its own alert)", { ...FAILOVER, command: "pause" }],
    ["a command refused without a safety rule (a bad request)", { ...REFUSED, rule: undefined }],
  ];
  for (const [name, body] of silent)
    it(`${name} raises no alert`, () => assert.equal(eventAlert(event(body)), undefined));
});

describe("every alert raised by an event", () => {
  for (const body of ALERTING) {
    const alert = alertOf(body);
    it(`${alert.type}: tells who saw it and when, with the lease epoch`, () => {
      assert.deepEqual([alert.observer, alert.at, alert.epoch], ["westeurope", AT, 4]);
    });
    if (body.type !== "lease.acquired")
      it(`${alert.type}: carries no epoch when the emitter held no lease`, () => {
        assert.equal("epoch" in alertOf(body, { epoch: undefined }), false);
      });
    it(`${alert.type}: has a key that extends its subject`, () => {
      assert.ok(alert.subject.length > 0);
      assert.ok(alert.key.startsWith(`${alert.subject}|`), `${alert.key} / ${alert.subject}`);
    });
    it(`${alert.type}: has a title, a summary and an action that say something`, () => {
      for (const text of [alert.title, alert.summary, ...(alert.action ? [alert.action] : [])])
        assert.ok(text.trim().length > 3, JSON.stringify(text));
    });
    if (alert.type !== "certificate.expiring")
      it(`${alert.type}: has its type's default severity`, () => {
        assert.equal(alert.severity, infoOf(alert.type).severity);
      });
    if (alert.group !== undefined)
      it(`${alert.type}: names its group in its title`, () => {
        assert.ok(alert.title.startsWith(`${alert.group}`), alert.title);
      });
  }

  it("the same event heard by two observers makes the same key (one outbox row)", () => {
    for (const body of ALERTING.filter((b) => !b.type.startsWith("store.")))
      assert.equal(
        alertOf(body, { observer: "northeurope", instance: "neu-2" }).key,
        alertOf(body).key,
        body.type,
      );
  });
});

describe("resolving alerts", () => {
  // A resume does not know who paused, so it names the pause without the person.
  const pairs: [string, EventBody, EventBody, string][] = [
    ["automation resumed resolves the pause", RESUMED, PAUSED, "shop: automation paused"],
    [
      "automation resumed for all groups resolves the pause of all groups",
      { ...RESUMED, group: undefined },
      { ...PAUSED, group: undefined },
      "all groups: automation paused",
    ],
    [
      "observer live resolves observer stale",
      LIVE,
      STALE,
      "Observer northeurope is stale: its heartbeat stopped",
    ],
    [
      "store reachable resolves store unreachable",
      REACHABLE,
      UNREACHABLE,
      "Observer westeurope cannot reach the state store",
    ],
  ];
  for (const [name, resolving, opening, title] of pairs)
    it(`${name}: same subject, and the type, title and severity of what it resolves`, () => {
      const end = alertOf(resolving);
      const start = alertOf(opening);
      assert.equal(end.subject, start.subject);
      assert.deepEqual(end.resolves, { type: start.type, title, severity: start.severity });
      assert.ok(start.title.startsWith(title), start.title);
      assert.ok(infoOf(end.type).resolves?.includes(start.type));
      assert.notEqual(end.key, start.key);
      assert.equal(start.resolves, undefined);
    });
});

describe("the failover cap", () => {
  it("says the automatic failover is held back and how a person may still fail over", () => {
    const alert = alertOf(CAP);
    assert.equal(alert.type, "failover.cap-reached");
    assert.equal(alert.group, "shop");
    assert.equal(alert.subject, "cap:shop");
    assert.equal(alert.title, "shop: automatic failover held back (failover cap reached)");
    assert.equal(alert.summary, "2 automatic failovers in the last 24h");
    assert.match(alert.action!, /will not fail over automatically.*`tandem failover`/);
    assert.deepEqual(alert.details, { rule: "failover-cap" });
  });

  const keys: [string, Partial<TandemEvent>, string][] = [
    ["the latest failover it counts", {}, "cap:shop|reached|incident-41"],
    ["the epoch, without an anchor", { anchor: undefined }, "cap:shop|reached|4"],
    [
      "the time, without an anchor or epoch",
      { anchor: undefined, epoch: undefined },
      `cap:shop|reached|${AT}`,
    ],
  ];
  for (const [name, change, key] of keys)
    it(`is keyed by ${name}`, () => {
      const { anchor, epoch, ...origin } = change as { anchor?: string; epoch?: number };
      const body = { ...CAP, ...("anchor" in change ? { anchor } : {}) };
      assert.equal(alertOf(body, { ...origin, ...("epoch" in change ? { epoch } : {}) }).key, key);
    });
});

describe("commands", () => {
  it("an accepted failover names the group, the person and the incident that carries it out", () => {
    const alert = alertOf(FAILOVER);
    assert.equal(alert.type, "command.accepted");
    assert.equal(alert.key, "command:req-7|accepted|shop");
    assert.equal(alert.subject, "command:req-7");
    assert.equal(alert.group, "shop");
    assert.equal(alert.incident, "inc-9");
    assert.equal(alert.title, "shop: failover by alice@contoso.com accepted");
    assert.equal(alert.summary, "Reason given: planned maintenance");
    assert.equal(alert.action, "The lease holder carries it out as incident inc-9.");
    assert.deepEqual(alert.details, { command: "failover", by: "alice@contoso.com" });
  });

  it("an accepted failback for every group, with no incident, says all groups and done", () => {
    const alert = alertOf({
      ...FAILOVER,
      command: "failback",
      group: undefined,
      incident: undefined,
    });
    assert.equal(alert.key, "command:req-7|accepted|all");
    assert.equal(alert.title, "all groups: failback by alice@contoso.com accepted");
    assert.equal(alert.action, "Done.");
    assert.equal("group" in alert, false);
    assert.equal("incident" in alert, false);
  });

  it("a refused command names the safety rule and the status the caller got", () => {
    const alert = alertOf(REFUSED);
    assert.equal(alert.type, "command.refused");
    assert.equal(alert.key, "command:req-7|refused|shop");
    assert.equal(alert.subject, "command:req-7");
    assert.equal(alert.group, "shop");
    assert.equal(alert.title, "shop: failback by bob@contoso.com refused (unhealthy-target)");
    assert.equal(alert.summary, "no healthy region to fail back to");
    assert.equal(alert.action, "Nothing was changed.");
    assert.deepEqual(alert.details, {
      command: "failback",
      by: "bob@contoso.com",
      rule: "unhealthy-target",
      status: 409,
    });
  });

  it("a refused command for every group says all groups", () => {
    const alert = alertOf({ ...REFUSED, group: undefined });
    assert.equal(alert.key, "command:req-7|refused|all");
    assert.match(alert.title, /^all groups: failback by bob@contoso.com refused/);
    assert.equal("group" in alert, false);
  });
});

describe("pausing automation", () => {
  it("a pause of one group says who paused it and that failover waits for a person", () => {
    const alert = alertOf(PAUSED);
    assert.equal(alert.type, "automation.paused");
    assert.equal(alert.key, "automation:shop|paused|req-7");
    assert.equal(alert.subject, "automation:shop");
    assert.equal(alert.group, "shop");
    assert.equal(alert.title, "shop: automation paused by alice@contoso.com");
    assert.equal(alert.summary, "Reason given: release");
    assert.match(alert.action!, /keeps watching and alerting but fails over only on a person's/);
    assert.deepEqual(alert.details, { by: "alice@contoso.com" });
  });

  it("resuming every group says failover is automatic again", () => {
    const alert = alertOf({ ...RESUMED, group: undefined });
    assert.equal(alert.type, "automation.resumed");
    assert.equal(alert.key, "automation:*|resumed|req-7");
    assert.equal(alert.subject, "automation:*");
    assert.equal("group" in alert, false);
    assert.equal(alert.title, "all groups: automation resumed by alice@contoso.com");
    assert.equal(alert.action, "Tandem fails over automatically again.");
    assert.equal(alert.resolves?.title, "all groups: automation paused");
  });
});

describe("observers", () => {
  it("a stale peer: its last heartbeat tick, and that its observations no longer count", () => {
    const alert = alertOf(STALE);
    assert.equal(alert.type, "observer.stale");
    assert.equal(alert.key, "observer:northeurope|stale|neu-1:41");
    assert.equal(alert.subject, "observer:northeurope");
    assert.equal(alert.title, "Observer northeurope is stale: its heartbeat stopped");
    assert.equal(
      alert.summary,
      "westeurope has seen no new heartbeat from northeurope for the staleness bound (last tick neu-1:41). Its observations no longer count.",
    );
    assert.match(alert.action!, /^Check northeurope's Function App\./);
    assert.deepEqual(alert.details, { peer: "northeurope" });
  });

  it("a stale peer that never wrote a heartbeat is keyed by the time", () => {
    const alert = alertOf({ type: "observer.stale", peer: "northeurope" });
    assert.equal(alert.key, `observer:northeurope|stale|${AT}`);
    assert.equal(
      alert.summary,
      "westeurope has seen no new heartbeat from northeurope for the staleness bound. Its observations no longer count.",
    );
  });

  it("a live peer again: its heartbeat moves and its observations count", () => {
    const alert = alertOf(LIVE);
    assert.equal(alert.key, "observer:northeurope|live|neu-1:41");
    assert.equal(alert.title, "Observer northeurope is live again");
    assert.equal(alert.summary, "westeurope sees northeurope's heartbeat move again.");
    assert.equal(alert.action, "Its observations count again.");
  });
});

describe("the state store", () => {
  it("unreachable: the observer's own error, and that nobody acts without the store", () => {
    const alert = alertOf(UNREACHABLE);
    assert.equal(alert.type, "store.unreachable");
    assert.equal(alert.key, `store:westeurope|unreachable|${AT}`);
    assert.equal(alert.subject, "store:westeurope");
    assert.equal(alert.title, "Observer westeurope cannot reach the state store");
    assert.equal(alert.summary, "ECONNREFUSED 10.0.0.4:443");
    assert.match(alert.action!, /^No observer acts without the store/);
  });

  it("reachable again: Tandem acts again", () => {
    const alert = alertOf(REACHABLE);
    assert.equal(alert.key, `store:westeurope|reachable|${AT}`);
    assert.equal(alert.title, "Observer westeurope reaches the state store again");
    assert.equal(alert.summary, "Its store calls succeed again.");
    assert.equal(alert.action, "Tandem agrees and acts again.");
  });
});

describe("the lease", () => {
  it("a new holder is keyed by its epoch and says it acts for every group", () => {
    const alert = alertOf(LEASE);
    assert.equal(alert.type, "lease.acquired");
    assert.equal(alert.key, "lease|4");
    assert.equal(alert.subject, "lease");
    assert.equal(alert.title, "Lease holder is now westeurope-1 (epoch 4)");
    assert.equal(alert.summary, "westeurope-1 holds the lease and acts for every group.");
    assert.deepEqual(alert.details, { holder: "westeurope-1", epoch: 4 });
  });

  it("a takeover names the holder before", () => {
    const alert = alertOf({ ...LEASE, previous: "northeurope-2" });
    assert.equal(alert.summary, "westeurope-1 took the lease over from northeurope-2.");
  });
});

describe("certificates", () => {
  it("says which certificate expires in how many days, and to renew it", () => {
    const alert = alertOf(CERTIFICATE);
    assert.equal(alert.type, "certificate.expiring");
    assert.equal(alert.subject, "certificate:shop/westeurope");
    assert.equal(alert.group, "shop");
    assert.equal(alert.region, "westeurope");
    assert.equal(alert.title, "shop/westeurope: certificate expires in 12 day(s)");
    assert.equal(alert.summary, CERTIFICATE.message);
    assert.match(alert.action!, /^Renew the certificate before it expires/);
    assert.deepEqual(alert.details, { daysLeft: 12 });
  });

  it("a certificate of the entry point (a target starting with _) names no region", () => {
    assert.equal("region" in alertOf({ ...CERTIFICATE, target: "_entry" }), false);
  });

  // Said once at the configured warning days, then again at 7, 3, 1 and 0 days left, more severe
  // as the day comes: each mark is a new key, so a new outbox row.
  const marks: [number, string, string][] = [
    [30, "warning", "warning"],
    [8, "warning", "warning"],
    [7, "7", "warning"],
    [4, "7", "warning"],
    [3, "3", "error"],
    [2, "3", "error"],
    [1, "1", "critical"],
    [0, "0", "critical"],
    [-2, "0", "critical"],
  ];
  for (const [daysLeft, mark, severity] of marks)
    it(`${daysLeft} day(s) left: said at mark ${mark}, ${severity}`, () => {
      const alert = alertOf({ ...CERTIFICATE, daysLeft });
      assert.equal(alert.key, `certificate:shop/westeurope|${mark}`);
      assert.equal(alert.severity, severity);
    });
});
