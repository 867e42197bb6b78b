// One alert of every type, made by the same functions that make them in Tandem (incident lines,
// kept verdicts, events, reminders): for the renderers' tests and for docs/webhooks.md's examples.
import type { Alert, AlertRegion, AlertType } from "../core/alerts.js";
import { ALERT_TYPES, incidentAlerts, reminderDue, verdictAlerts } from "../core/alerts.js";
import { channelDelivering, channelUndelivered } from "../core/channel-alerts.js";
import { eventAlert } from "../core/event-alerts.js";
import type { TandemEvent } from "../core/events.js";
import type { Incident, Step } from "../core/incident.js";
import { moveTo } from "../core/incident.js";
import type { RegionState } from "../core/verdict.js";

const AT = Date.UTC(2026, 11, 1, 9, 30, 0);

const REGIONS: AlertRegion[] = [
  {
    name: "westeurope",
    verdict: "down",
    reason:
      "every outside observer with a view (northeurope) saw it fail, and so did the observer inside (westeurope)",
    observers: [
      { observer: "northeurope", view: "confirmed" },
      { observer: "westeurope (inside)", view: "confirmed" },
    ],
    witness: "down",
  },
  {
    name: "northeurope",
    verdict: "healthy",
    reason: "every outside observer with a view (westeurope) sees it up",
    observers: [{ observer: "westeurope", view: "passing" }],
    witness: "up",
  },
];

function incident(kind: "failover" | "failback", steps: readonly Step[], note?: string): Incident {
  let i: Incident = {
    id: "001796117400000-3f2a9c1e",
    group: "shop",
    kind,
    trigger: "automatic",
    from: kind === "failover" ? "westeurope" : "northeurope",
    to: kind === "failover" ? "northeurope" : "westeurope",
    shift: { kind: "promote", region: kind === "failover" ? "northeurope" : "westeurope" },
    step: "detected",
    stepStartedAt: AT,
    openedAt: AT,
    reason: kind === "failover" ? "westeurope is down" : "westeurope healthy for the dwell time",
    history: [
      { step: "detected", at: AT, epoch: 3, note: "westeurope is down: fail over to northeurope" },
    ],
  };
  steps.forEach((step, n) => {
    i = moveTo(i, step, AT + (n + 1) * 4000, 3, note && n === steps.length - 1 ? note : `${step}`);
  });
  return i;
}

const from = { observer: "westeurope", epoch: 3, at: AT };
/** The id of the event a sample is derived from. */
const EVENT = "a1b2c3d4/4127";

const TEAMS = {
  name: "teams-ops",
  kind: "teams",
  target: "https://prod-12.westeurope.logic.azure.com",
};
const CHANNEL = { channel: TEAMS.name, kind: TEAMS.kind, target: TEAMS.target };

function event(body: Record<string, unknown>): TandemEvent {
  return {
    id: EVENT,
    observer: "westeurope",
    instance: "a1b2c3d4",
    at: AT,
    operation: "req-42",
    epoch: 3,
    ...body,
  } as TandemEvent;
}

const state = (verdict: RegionState["verdict"], since = AT): RegionState => ({
  verdict,
  since,
  epoch: 3,
  reason: REGIONS[0]!.reason,
});

function verdict(before: RegionState["verdict"] | undefined, to: RegionState["verdict"]): Alert {
  const alert = verdictAlerts(
    "shop",
    before ? { westeurope: state(before, AT - 60_000) } : {},
    { westeurope: state(to) },
    REGIONS,
    from,
  )[0]!;
  return { ...alert, event: EVENT };
}

/** westeurope seen failing from inside only: said (`standing`), or ended by an outside view. */
function unconfirmed(standing: boolean): Alert {
  const suspect: RegionState = {
    ...state("suspect", AT - 60_000),
    reason:
      "only the observer inside (westeurope) sees it failing; no outside observer can confirm",
  };
  const blind: RegionState = { ...suspect, unconfirmedSince: AT - 60_000 };
  const seen: RegionState = {
    ...suspect,
    reason:
      "northeurope sees it failing; down needs every outside observer to see 3 failures in a row",
  };
  const [before, after] = standing ? [suspect, blind] : [blind, seen];
  const alert = verdictAlerts("shop", { westeurope: before }, { westeurope: after }, REGIONS, from);
  return { ...alert.at(-1)!, event: EVENT };
}

function last(kind: "failover" | "failback", steps: readonly Step[], note?: string): Alert {
  const after = incident(kind, steps, note);
  const before = steps.length === 0 ? undefined : { ...after, history: after.history.slice(0, -1) };
  return incidentAlerts(before, after, REGIONS, from, () => EVENT).at(-1)!;
}

const LONG = "connect ECONNRESET while reading the answer of the regional ingress; ".repeat(150);

/** The event behind each sample of an alert derived from an event alone, as Tandem emits it. */
const SAMPLE_EVENTS: Readonly<Partial<Record<AlertType, Record<string, unknown>>>> = {
  "failover.cap-reached": {
    type: "automation.refused",
    group: "shop",
    rule: "failover-cap",
    reason: "1 automatic failover(s) already within 60 min: a person must decide",
    anchor: "001796117400000-3f2a9c1e",
  },
  "data.failover-asked": {
    type: "data.failover-asked",
    group: "shop",
    incident: "001796117400000-3f2a9c1e",
    store: "orders",
    region: "northeurope",
    mode: "planned",
  },
  "data.refused": {
    type: "data.refused",
    group: "shop",
    incident: "001796117400000-3f2a9c1e",
    store: "orders",
    region: "northeurope",
    reason:
      "orders's primary copy in westeurope cannot be reached: a planned failover needs it, and a forced one may lose the writes not yet replicated, which the store's allowDataLoss does not allow; by hand: az sql failover-group set-primary --name orders-fog --resource-group rg-shop --server shop-sql-neu --allow-data-loss",
  },
  "data.stranded": {
    type: "data.stranded",
    group: "shop",
    incident: "001796117400000-3f2a9c1e",
    store: "orders",
    region: "northeurope",
    reason:
      "orders was asked to make northeurope its primary (planned), and the incident was aborted (westeurope is healthy again before traffic moved): its primary may be in northeurope while traffic is not; to move it back: az sql failover-group set-primary --name orders-fog --resource-group rg-shop --server shop-sql-weu",
  },
  "automation.paused": {
    type: "automation.paused",
    group: "shop",
    by: "ops@contoso.com",
    reason: "maintenance",
  },
  "automation.resumed": {
    type: "automation.resumed",
    group: "shop",
    by: "ops@contoso.com",
    reason: "done",
  },
  "command.accepted": {
    type: "command.accepted",
    command: "failover",
    group: "shop",
    by: "ops@contoso.com",
    reason: "game day",
    incident: "key-4f1c0e2b9a7d6c5e4f3a2b1c",
    dryRun: false,
  },
  "command.refused": {
    type: "command.refused",
    command: "failover",
    group: "shop",
    by: "ops@contoso.com",
    reason: "northeurope is not healthy (down): Tandem does not promote it",
    rule: "unhealthy-target",
    status: 409,
  },
  "observer.stale": { type: "observer.stale", peer: "northeurope", heartbeat: "9c8b7a6d:4127" },
  "observer.live": { type: "observer.live", peer: "northeurope", heartbeat: "9c8b7a6d:4127" },
  "store.unreachable": {
    type: "store.unreachable",
    message: "state store: reading heartbeats failed: timed out or was cancelled",
  },
  "store.reachable": { type: "store.reachable" },
  "lease.acquired": {
    type: "lease.acquired",
    holder: "westeurope#a1b2c3d4",
    epoch: 3,
    previous: "northeurope#9c8b7a6d",
  },
  "certificate.expiring": {
    type: "certificate.expiring",
    group: "shop",
    target: "westeurope",
    daysLeft: 6,
    message: "the certificate CN=shop.contoso.com expires in 6 days",
  },
  "channel.disabled": { type: "channel.disabled", ...CHANNEL, reason: "410 Gone" },
  "channel.enabled": {
    type: "channel.enabled",
    ...CHANNEL,
    reason: "ops@contoso.com's test of teams-ops passed",
    disabledAt: AT - 3_600_000,
  },
  "readiness.lost": {
    type: "readiness.lost",
    group: "shop",
    checks: ["standby-cluster"],
    summary:
      "not-ready: standby-cluster (northeurope): northeurope's cluster drifted from westeurope's: Kubernetes 1.32.7, westeurope runs 1.33.2",
    since: AT - 900_000,
  },
  "readiness.regained": {
    type: "readiness.regained",
    group: "shop",
    checks: [],
    summary: "ready",
    since: AT,
  },
};

/** The verdict alerts: each from a pair of kept verdicts. */
function verdictSamples(): Partial<Record<AlertType, Alert>> {
  return {
    "region.suspect": verdict("healthy", "suspect"),
    "region.down": verdict("suspect", "down"),
    "region.split-view": verdict("healthy", "split-view"),
    "region.recovered": verdict("recovering", "healthy"),
    "region.cleared": verdict("split-view", "healthy"),
    "region.unconfirmed": unconfirmed(true),
    "region.confirmable": unconfirmed(false),
  };
}

/** The alerts derived from an event alone, through eventAlert. */
function eventSamples(): Partial<Record<AlertType, Alert>> {
  return Object.fromEntries(
    Object.entries(SAMPLE_EVENTS).map(([type, body]) => [type, eventAlert(event(body))!]),
  );
}

/** The alerts the sender makes of its own deliveries, a reminder, and a channel's test. */
function senderSamples(): Partial<Record<AlertType, Alert>> {
  return {
    "channel.undelivered": {
      ...channelUndelivered(
        TEAMS,
        {
          alert: verdict("suspect", "down"),
          reason: "429 Too Many Requests: try later",
          windowMs: 3_600_000,
        },
        AT,
        from,
      ),
      event: EVENT,
    },
    "channel.delivering": {
      ...channelDelivering(TEAMS, AT - 600_000, "critical", 2, from),
      event: EVENT,
    },
    reminder: reminderDue(
      {
        subject: "region:shop/westeurope|1796113800000",
        of: "region.down",
        severity: "critical",
        since: AT - 3_600_000,
        group: "shop",
        region: "westeurope",
        title: "shop: westeurope is still down",
        summary: REGIONS[0]!.reason,
        regions: REGIONS,
      },
      AT,
      3_600_000,
      from,
    )!,
    "alert.test": {
      key: "test:teams-ops|req-42",
      type: "alert.test",
      severity: "info",
      at: AT,
      observer: "westeurope",
      subject: "test:teams-ops",
      title: "Test alert from Tandem for channel teams-ops",
      summary: "ops@contoso.com asked Tandem (observer westeurope) to test this channel.",
    },
  };
}

/** The incident alerts: pre-warming, and every step of a failover and a failback. */
function incidentSamples(): Partial<Record<AlertType, Alert>> {
  const samples: Partial<Record<AlertType, Alert>> = {};
  const prewarm: Incident = {
    ...incident("failover", []),
    step: "prewarming",
    wake: { region: "northeurope", start: true },
    reason: "westeurope is suspect: pre-warm northeurope",
    history: [
      {
        step: "prewarming",
        at: AT,
        epoch: 3,
        note: "westeurope is suspect: start northeurope's cluster while the verdict is confirmed",
      },
    ],
  };
  samples["failover.prewarming"] = incidentAlerts(undefined, prewarm, REGIONS, from)[0]!;
  for (const kind of ["failover", "failback"] as const) {
    samples[`${kind}.detected`] = last(kind, []);
    samples[`${kind}.started`] = last(kind, ["confirmed"]);
    samples[`${kind}.step`] = last(kind, ["confirmed", "shifting-traffic"]);
    const shifting = incident(kind, ["confirmed", "shifting-traffic"]);
    const retrying = {
      ...shifting,
      attempts: 1,
      history: [
        ...shifting.history,
        {
          step: "shifting-traffic" as const,
          at: AT,
          epoch: 3,
          note: `promote ${shifting.to} failed (attempt 1): 500 InternalServerError; trying again in 2 s`,
          attempt: 1,
        },
      ],
    };
    samples[`${kind}.retrying`] = incidentAlerts(shifting, retrying, REGIONS, from).at(-1)!;
    samples[`${kind}.completed`] = last(kind, [
      "confirmed",
      "shifting-traffic",
      "verifying",
      "completed",
    ]);
    samples[`${kind}.failed`] = last(
      kind,
      ["confirmed", "shifting-traffic", "failed"],
      "the traffic lever failed: 500 InternalServerError",
    );
    samples[`${kind}.aborted`] = last(
      kind,
      ["aborted"],
      "westeurope recovered before the failover was confirmed",
    );
  }
  return samples;
}

/** One alert of every type. */
export function sampleAlerts(): Record<AlertType, Alert> {
  const samples: Partial<Record<AlertType, Alert>> = {
    ...verdictSamples(),
    ...eventSamples(),
    ...senderSamples(),
    ...incidentSamples(),
  };
  for (const t of ALERT_TYPES)
    if (!samples[t.type]) throw new Error(`no sample alert of type ${t.type}`);
  return samples as Record<AlertType, Alert>;
}

/** A failover that has gone on for 200 history lines, each with a 10 KB error text. */
export function hugeAlert(): Alert {
  let i = incident("failover", ["confirmed", "waking"]);
  for (let n = 0; n < 196; n++)
    i = {
      ...i,
      history: [
        ...i.history,
        { step: "waking", at: AT + n * 10_000, epoch: 3, note: `${n}: ${LONG.slice(0, 10_240)}` },
      ],
    };
  i = moveTo(i, "failed", AT + 2_000_000, 3, `gave up: ${LONG.slice(0, 10_240)}`);
  const regions = REGIONS.map((r) => ({ ...r, reason: `${r.reason}: ${LONG.slice(0, 10_240)}` }));
  const alert = incidentAlerts({ ...i, history: i.history.slice(0, -1) }, i, regions, from)[0]!;
  return {
    ...alert,
    summary: `${alert.summary} ${LONG.slice(0, 10_240)}`,
    action: LONG.slice(0, 10_240),
  };
}
