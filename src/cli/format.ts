// What the CLI prints for people (stdout without --json): one function per kind of answer.
import type {
  AuditAnswer,
  ChannelTestAnswer,
  IncidentsAnswer,
  Plan,
  StatusView,
} from "../app/api/types.js";
import { printable } from "../app/printable.js";
import type { Incident } from "../core/incident.js";

export const duration = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

export function formatStatus(body: StatusView): string {
  const lines: string[] = [];
  const lease = body.lease
    ? `lease ${body.lease.holder} (epoch ${body.lease.epoch})`
    : "lease: nobody holds it";
  const observers = body.observers
    .map((o) => `${o.region} ${o.liveness}${o.impaired ? " (impaired)" : ""}`)
    .join(", ");
  lines.push(`${lease}; observers: ${observers}`);
  for (const g of body.groups) {
    lines.push("");
    lines.push(
      `${g.name}  ${g.model}, automation ${g.automation}, primary ${g.routing?.serving.join(" and ") || "unknown"}${g.routing ? ` (levers read ${duration(g.routing.ageSeconds * 1000)} ago)` : ""}`,
    );
    for (const r of g.regions) {
      const route = g.routing?.regions.find((x) => x.region === r.name);
      const routing = route
        ? `${route.enabled ? "enabled" : "disabled"} p${route.priority}`
        : "no lever";
      // Where traffic goes now (the header's primary comes from the same routing), and a
      // passive-cold standby at rest as what it is, not as an outage.
      lines.push(
        `  ${r.name.padEnd(14)} ${(r.traffic ?? r.role).padEnd(10)} ${(r.coldStandby ? "cold standby" : r.verdict).padEnd(12)} ${routing.padEnd(12)} ${(r.cluster?.power ?? "").padEnd(r.cluster ? 9 : 0)}${r.reason}`,
      );
    }
    if (g.pause) lines.push(`  automation paused by ${g.pause.by}: ${g.pause.reason}`);
    if (g.manualRouting)
      lines.push(
        `  routing chosen by ${g.manualRouting.by ?? "a person"} (incident ${g.manualRouting.incident}): automatic failback waits until a person fails back or resumes automation`,
      );
    if (g.incident)
      lines.push(
        `  incident ${g.incident.id}: ${g.incident.kind} to ${g.incident.to}, ${g.incident.step} (${g.incident.history.at(-1)?.note ?? ""})`,
      );
  }
  if (body.alerts?.length) {
    lines.push("", "alerts");
    for (const c of body.alerts)
      lines.push(
        `  ${c.name.padEnd(14)} ${c.kind.padEnd(10)} ${c.state.padEnd(9)} ${c.target}  ${c.delivered} sent, ${c.failed} failed, ${c.pending} waiting, ${c.givenUp} given up${c.lastFailure ? `; last failure ${c.lastFailure.at.slice(11, 19)} ${c.lastFailure.reason}` : ""}${c.lastGiveUp ? `; last given up ${c.lastGiveUp.at.slice(11, 19)} ${c.lastGiveUp.type}: ${c.lastGiveUp.reason}` : ""}`,
      );
  }
  return lines.join("\n");
}

export function formatIncident(i: Incident): string {
  const lines = [
    `${i.id}  ${i.group}: ${i.kind} to ${i.to} (${i.trigger}${i.requestedBy ? ` by ${i.requestedBy}` : ""}), ${i.step}`,
    `  reason: ${i.reason}`,
  ];
  for (const h of i.history)
    lines.push(
      `  ${new Date(h.at).toISOString().slice(11, 19)}  ${h.step.padEnd(16)} epoch ${h.epoch}  ${h.note}`,
    );
  return lines.join("\n");
}

export function formatIncidents(body: IncidentsAnswer): string {
  return body.incidents.length === 0
    ? "no incidents"
    : body.incidents
        .map(
          (i) =>
            `${i.id}  ${i.group.padEnd(10)} ${i.kind.padEnd(9)} to ${i.to.padEnd(12)} ${i.step}`,
        )
        .join("\n");
}

/** Measured time per step, from the incident's history. */
export function stepTimes(i: Incident): string[] {
  const firsts: { step: string; at: number }[] = [];
  for (const h of i.history) if (firsts.at(-1)?.step !== h.step) firsts.push(h);
  return firsts.map((f, n) => {
    const next = firsts[n + 1];
    return `  ${f.step.padEnd(16)} ${next ? duration(next.at - f.at) : "-"}`;
  });
}

export function formatPlan(plan: Plan): string {
  const lines = [
    `${plan.group}: ${plan.command} to ${plan.to} would end ${plan.outcome} after about ${duration(plan.expectedSeconds * 1000)}`,
  ];
  for (const s of plan.steps)
    lines.push(
      `  +${duration(s.atSeconds * 1000).padEnd(7)} ${s.step.padEnd(16)} ~${duration(s.expectedSeconds * 1000).padEnd(7)} ${s.note}`,
    );
  if (plan.calls.length > 0) lines.push("  lever calls:");
  for (const c of plan.calls)
    lines.push(`    +${duration(c.atSeconds * 1000).padEnd(7)} ${c.lever}: ${c.change}`);
  if (plan.routingAfter) lines.push(`  primary after: ${plan.routingAfter.primary ?? "none"}`);
  lines.push(`  assuming: ${plan.assumptions.join("; ")}`);
  return lines.join("\n");
}

export function formatAudit(body: AuditAnswer): string {
  const lines = body.entries.map((e) =>
    printable(
      `${new Date(e.at).toISOString()}  ${e.outcome.padEnd(8)} ${e.actor.padEnd(22)} ${e.name}${e.group ? ` [${e.group}]` : ""}${e.reason ? `: ${e.reason}` : ""}`,
    ),
  );
  if (body.next !== undefined) lines.push(`(older: tandem audit --before ${body.next})`);
  return lines.join("\n") || "the audit log is empty";
}

export function formatChannelTest(body: ChannelTestAnswer): string {
  return `${body.channel} (${body.kind}, ${body.target}): ${body.delivered ? "delivered" : `not delivered (${body.outcome})`}${body.status ? `, receiver answered ${body.status}` : ""} in ${body.ms} ms${body.answer ? `\n  ${printable(body.answer, 300)}` : ""}`;
}
