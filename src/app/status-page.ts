// The status page: one self-contained HTML document (no scripts, no external assets) that a
// browser refreshes every 10 seconds. Per group: each region's place in the routing, verdict and
// cluster, the open incident's steps, and per region and observer the last hour as a row of
// one-minute marks; then the alert channels, with what they gave up. Everything shown comes from
// the status JSON, each fact from one field (the header's primary and the rows' from the same
// routing). Colour always comes with text (a letter in the mark, a word beside it). With many
// groups the page is a summary, and each group has a page of its own (ADR 0031).
import type { ChannelStatus } from "./alerts/status.js";
import type { HistoryView } from "./history.js";
import { escape } from "./html.js";
import { groupHistory } from "./status-page-history.js";
import { groupsSummary } from "./status-page-summary.js";
import type { GroupStatus, ObservationView, RegionStatus, StatusView } from "./status.js";

const COLOURS: Record<string, string> = {
  healthy: "#1b7f3b",
  up: "#1b7f3b",
  recovering: "#2f6fb0",
  suspect: "#b7791f",
  "split-view": "#8a4fb0",
  down: "#c0392b",
  none: "#d0d4d8",
  unknown: "#9aa0a6",
  live: "#1b7f3b",
  stale: "#c0392b",
  "cold standby": "#51606e",
};

const badge = (word: string, colour = word) =>
  `<span class="badge" style="background:${COLOURS[colour] ?? "#555"}">${escape(word)}</span>`;

/** The last hour as 60 one-minute marks ending at `now`; minutes without a probe are grey. */
function timeline(o: ObservationView, now: number): string {
  const width = 6;
  const last = Math.floor(now / 60_000);
  const byMinute = new Map(o.timeline.map((m) => [Math.floor(m.at / 60_000), m.mark]));
  const minutes = Array.from({ length: 60 }, (_, i) => {
    const minute = last - 59 + i;
    return { at: minute * 60_000, mark: byMinute.get(minute) ?? ("none" as const) };
  });
  const marks = minutes
    .map((m, i) => {
      const time = new Date(m.at).toISOString().slice(11, 16);
      return `<rect x="${i * width}" y="0" width="${width - 1}" height="14" fill="${COLOURS[m.mark]}"><title>${time} UTC: ${m.mark === "none" ? "no probe" : m.mark}</title></rect>${m.mark === "down" ? `<text x="${i * width + 1}" y="11" font-size="8" fill="#fff">d</text>` : ""}`;
    })
    .join("");
  const seen = minutes.filter((m) => m.mark !== "none").length;
  const down = minutes.filter((m) => m.mark === "down").length;
  const summary = `${o.observer}: probed in ${seen} of the last 60 minutes, down in ${down}`;
  return `<svg class="timeline" role="img" aria-label="${escape(summary)}" width="${60 * width}" height="14" viewBox="0 0 ${60 * width} 14">${marks}</svg> <span class="note">${escape(summary)}</span>`;
}

/** Where traffic goes now, and the configured role beside it when the two differ. */
function roleCell(r: RegionStatus): string {
  if (r.traffic === null) return `${escape(r.role)} <span class="note">(configured)</span>`;
  // The configured role is said only where traffic has moved away from it (after a failover).
  const usual = r.role === "secondary" ? "standby" : "primary";
  const moved =
    r.traffic !== usual ? ` <span class="note">(configured ${escape(r.role)})</span>` : "";
  return `${escape(r.traffic)}${moved}`;
}

function clusterCell(r: RegionStatus): string {
  if (!r.cluster) return "";
  const title = r.cluster.detail ? ` title="${escape(r.cluster.detail)}"` : "";
  return `<span class="power"${title}>${escape(r.cluster.power)}</span>`;
}

function regionRow(g: GroupStatus, r: RegionStatus, now: number): string {
  const observers = r.observations
    .map(
      (o) =>
        `<tr class="observer"><td></td><td>${escape(o.observer)}</td><td>${badge(o.status, r.coldStandby ? "cold standby" : o.status)}</td><td></td><td>${timeline(o, now)}</td></tr>`,
    )
    .join("");
  const route = g.routing?.regions.find((x) => x.region === r.name);
  const routeText = route
    ? `${route.enabled ? "enabled" : "disabled"}, priority ${route.priority}`
    : "no lever";
  // A cold standby's probes fail by design: its verdict is down without an outage.
  const verdict = r.coldStandby ? badge("cold standby") : badge(r.verdict);
  const reason = r.coldStandby
    ? `cold standby: its cluster is ${r.cluster?.power ?? "stopped"}, so it does not answer until a failover starts it (verdict ${r.verdict})`
    : r.reason;
  return `<tr class="region" data-region="${escape(r.name)}" data-verdict="${escape(r.verdict)}"${r.coldStandby ? ' data-cold-standby="true"' : ""}><th>${escape(r.name)}</th><td class="role">${roleCell(r)}</td><td class="verdict">${verdict}</td><td class="cluster">${clusterCell(r)}</td><td>${escape(routeText)} &middot; ${escape(reason)}</td></tr>${observers}`;
}

function group(g: GroupStatus, now: number, history: HistoryView | undefined): string {
  const rows = g.regions.map((r) => regionRow(g, r, now)).join("");
  const incident = g.incident
    ? `<h3>Incident ${escape(g.incident.id)}: ${escape(g.incident.kind)} to ${escape(g.incident.to)}, ${escape(g.incident.step)}</h3><ol class="steps">${g.incident.history
        .map(
          (h) =>
            `<li><time>${escape(new Date(h.at).toISOString().slice(11, 19))}</time> <b>${escape(h.step)}</b> ${escape(h.note)} <span class="note">(epoch ${h.epoch})</span></li>`,
        )
        .join("")}</ol>`
    : "<p>No incident.</p>";
  const notes = [
    `<p class="readiness">Failover readiness: ${g.readiness ? `${escape(g.readiness.line)} <span class="note">(checked ${g.readiness.ageSeconds} s ago; <code>tandem readiness ${escape(g.name)}</code>)</span>` : "not checked yet"}</p>`,
    g.practice ? `<p class="practice">Last practice failover: ${escape(g.practice.line)}</p>` : "",
    g.pause
      ? `<p class="pause">Automation paused by ${escape(g.pause.by)} at ${escape(g.pause.at.slice(0, 19).replace("T", " "))}: ${escape(g.pause.reason)}</p>`
      : "",
    g.manualRouting
      ? `<p class="hold">Routing chosen by ${escape(g.manualRouting.by ?? "a person")} (incident ${escape(g.manualRouting.incident)}, traffic on ${escape(g.manualRouting.to)}): automatic failback waits until a person fails back or resumes automation${g.manualRouting.until ? `, or until ${escape(g.manualRouting.until.slice(0, 19).replace("T", " "))}` : ""}.</p>`
      : "",
  ].join("");
  return `<section class="group" id="group-${escape(g.name)}"><h2>${escape(g.name)} <span class="note">${escape(g.model)}, automation ${escape(g.automation)}, primary ${escape(g.routing?.serving.join(" and ") || "unknown")}${g.routing ? `, levers read ${Math.round(g.routing.ageSeconds)} s ago${g.routing.propagating ? ", change propagating" : ""}` : ", levers not read yet"}</span></h2>${notes}<table><thead><tr><th>region</th><th>role</th><th>verdict</th><th>cluster</th><th>routing and reason / last hour per observer</th></tr></thead><tbody>${rows}</tbody></table>${incident}${groupHistory(history?.groups.find((h) => h.name === g.name))}</section>`;
}

function groupSections(status: StatusView, history: HistoryView | undefined): string {
  const missing = history
    ? ""
    : '<p class="note">The history (uptime, latency, past incidents) could not be read.</p>\n';
  const now = Date.parse(status.generatedAt);
  return missing + status.groups.map((g) => group(g, now, history)).join("\n");
}

const when = (at: string) => escape(at.replace("T", " ").slice(0, 19));

/** A receiver's answer can be long (it echoes the request): the start, the whole on hover. */
const reasonText = (reason: string) =>
  reason.length <= 120
    ? escape(reason)
    : `<span title="${escape(reason)}">${escape(reason.slice(0, 119))}…</span>`;

const giveUpText = (g: NonNullable<ChannelStatus["lastGiveUp"]>) =>
  `${when(g.at)} ${escape(g.type)} "${escape(g.title)}": ${reasonText(g.reason)}`;

/**
 * An alert given up before its turn (queued behind ones the channel kept refusing) says only
 * "not attempted": the channel's last refusal says why, so the page adds it.
 */
const lastAnswer = (c: ChannelStatus): string =>
  c.lastGiveUp!.reason.startsWith("not attempted") && c.lastFailure
    ? `; its last answer (${when(c.lastFailure.at)}): ${reasonText(c.lastFailure.reason)}`
    : "";

/**
 * The channels still giving alerts up (the last give-up after the last delivery): what people
 * miss there, at the top of the page, since the channel itself cannot say it.
 */
function givingUp(status: StatusView): string {
  const lines = status.alerts
    .filter(
      (c) =>
        c.lastGiveUp && (!c.lastDelivery || c.lastGiveUp.at.localeCompare(c.lastDelivery.at) > 0),
    )
    .map(
      (c) =>
        `<li data-channel="${escape(c.name)}">${escape(c.name)} (${escape(c.kind)}) has given up ${c.givenUp} alert${c.givenUp === 1 ? "" : "s"} and delivered none since; the last: ${giveUpText(c.lastGiveUp!)}${lastAnswer(c)}. The other channels were told.</li>`,
    );
  return lines.length
    ? `<section class="giveups"><h2>Alerts not delivered</h2><ul>${lines.join("")}</ul></section>`
    : "";
}

/** The alert channels: where each sends (scheme and host only), its last delivery, failure and give-up. */
function alertChannels(status: StatusView): string {
  if (status.alerts.length === 0) return "";
  const rows = status.alerts
    .map((c) => {
      const last = c.lastDelivery
        ? `${when(c.lastDelivery.at)} ${escape(c.lastDelivery.type)}${c.lastDelivery.status ? ` (${c.lastDelivery.status})` : ""}`
        : "none yet";
      const failure = c.lastFailure
        ? `${when(c.lastFailure.at)} ${escape(c.lastFailure.type)}: ${reasonText(c.lastFailure.reason)}`
        : "none";
      const state =
        c.state === "disabled" ? `disabled: ${escape(c.disabled?.reason ?? "")}` : "enabled";
      const givenUp = c.lastGiveUp ? giveUpText(c.lastGiveUp) : "none";
      return `<tr class="channel" data-channel="${escape(c.name)}"><th>${escape(c.name)}</th><td>${escape(c.kind)}</td><td>${escape(c.target)}</td><td>${state}</td><td>${last}</td><td class="reason">${failure}</td><td class="reason given-up">${givenUp}</td><td>${c.delivered} sent, ${c.failed} failed, ${c.pending} waiting, ${c.givenUp} given up</td></tr>`;
    })
    .join("");
  return `<section class="alerts"><h2>Alert channels</h2><table><thead><tr><th>channel</th><th>kind</th><th>receiver</th><th>state</th><th>last delivery</th><th>last failure</th><th>last given up</th><th>counts</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** Which page: every group of `status` in full (the default), one group's, or the summary. */
export type PageKind =
  | { readonly kind: "full" }
  | { readonly kind: "group" }
  | { readonly kind: "summary"; readonly page: number };

/**
 * `history` absent on a full or group page: the history could not be read, and the page says so.
 * A group page shows the groups of `status` (filtered to one by the caller) with a link back.
 */
export function renderStatusPage(
  status: StatusView,
  history?: HistoryView,
  page: PageKind = { kind: "full" },
): string {
  const lease = status.lease
    ? `lease: ${escape(status.lease.holder)}, epoch ${status.lease.epoch}`
    : "lease: nobody holds it";
  const observers = status.observers
    .map((o) => `${escape(o.region)} ${badge(o.liveness)}${o.impaired ? " impaired" : ""}`)
    .join(" ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="10">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Tandem status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;text-align:left;vertical-align:middle}
tr.region{border-top:1px solid #ccc}.badge{color:#fff;border-radius:3px;padding:0 .4rem;font-weight:600;white-space:nowrap}
.note{color:#555;font-size:12px}section.giveups{border-left:4px solid #c0392b;padding-left:.6rem}section.giveups li,td.reason{overflow-wrap:anywhere}td.reason{min-width:12rem;max-width:22rem}.steps{font-size:13px}section.group{margin-bottom:2rem}
svg{max-width:100%;height:auto}figure.latency{display:inline-block;margin:.3rem 1rem .3rem 0;max-width:100%}
.key{white-space:nowrap}.key i{display:inline-block;width:.7rem;height:.7rem;margin-right:.2rem}
table.uptime td{text-align:right;white-space:nowrap}ol.incidents{padding-left:1.2rem}
@media (max-width:640px){body{margin:.5rem;overflow-wrap:anywhere}
table:not(.uptime),table:not(.uptime) tbody,table:not(.uptime) tr,table:not(.uptime) td,table:not(.uptime) th{display:block}
table:not(.uptime) thead{display:none}td.reason{min-width:0}table.uptime th,table.uptime td{padding:.1rem .25rem}table:not(.uptime) tr{border-top:1px solid #ccc}}
</style></head><body>
<h1>Tandem</h1>
<p>${lease} &middot; observers: ${observers} &middot; answered by ${escape(status.answeredBy)} at ${escape(status.generatedAt)} (version ${escape(status.version)}); refreshes every 10 s.</p>
<p class="note">Timelines: one mark per minute over the last hour, oldest on the left; green "up" every probe passed, red "d" at least one failed, grey no probe. A cold standby (passive-cold, cluster stopped by design) fails its probes until a failover starts it.</p>
${givingUp(status)}
${page.kind === "group" ? '<p><a href="?">All groups</a></p>' : ""}
${page.kind === "summary" ? groupsSummary(status.groups, page.page) : groupSections(status, history)}
${alertChannels(status)}
</body></html>
`;
}
