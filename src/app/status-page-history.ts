// The status page's history of one group (ADR 0025), from GET /api/status/history: uptime over
// 24 hours, 7 and 30 days per region (its kept verdict) and per observer (its probes), the entry
// point's own rows; a latency chart per target, the mean of each probe phase per hour stacked;
// and the latest incidents with their time to recover and steps on a line. Inline SVG only, and
// small: a chart is one path per phase, whatever the hours.
import type { GroupHistory, IncidentHistory, TargetHistory, Uptimes } from "./history.js";
import { WINDOWS } from "./history.js";
import { escape } from "./html.js";

/** An uptime as people read it: a percentage cut (never rounded up) to two decimals. */
const percent = (share: number | null) =>
  share === null ? "no data" : `${(Math.floor(share * 10_000) / 100).toFixed(2)} %`;

const PHASE_COLOURS = [
  ["dnsMs", "DNS", "#8e7cc3"],
  ["connectMs", "connect", "#2f6fb0"],
  ["tlsMs", "TLS", "#b7791f"],
  ["firstByteMs", "first byte", "#1b7f3b"],
] as const;

const cells = (uptime: Uptimes) =>
  WINDOWS.map(
    (w) =>
      `<td data-window="${w}"${uptime[w] === null ? "" : ` data-uptime="${uptime[w]}"`}>${percent(uptime[w])}</td>`,
  ).join("");

function uptimeRows(t: TargetHistory): string {
  const head = t.uptime
    ? `<tr class="target" data-target="${escape(t.name)}"><th>${escape(t.name)} <span class="note">verdict</span></th>${cells(t.uptime)}</tr>`
    : `<tr class="target" data-target="${escape(t.name)}"><th colspan="4">${escape(t.name)}</th></tr>`;
  const observers = t.observers
    .map(
      (o) =>
        `<tr class="seen" data-target="${escape(t.name)}" data-observer="${escape(o.observer)}"><td>seen by ${escape(o.observer)}</td>${cells(o.uptime)}</tr>`,
    )
    .join("");
  return head + observers;
}

const W = 240;
const H = 60;

/** The last 24 hours' mean latency by phase, stacked, one bar an hour. */
function latencyChart(t: TargetHistory): string {
  const hours = t.latency;
  const top = Math.max(1, ...hours.map((h) => h.dnsMs + h.connectMs + h.tlsMs + h.firstByteMs));
  const bar = W / hours.length;
  const scale = (ms: number) => (ms / top) * H;
  const base = hours.map(() => 0);
  const paths = PHASE_COLOURS.map(([key, , colour]) => {
    const d = hours
      .map((h, i) => {
        const height = scale(h[key]);
        const y = H - base[i]! - height;
        base[i]! += height;
        return height <= 0
          ? ""
          : `M${(i * bar).toFixed(1)} ${y.toFixed(1)}h${(bar - 1).toFixed(1)}v${height.toFixed(1)}h-${(bar - 1).toFixed(1)}z`;
      })
      .join("");
    return d ? `<path fill="${colour}" d="${d}"/>` : "";
  }).join("");
  const seen = hours.filter((h) => h.probes > 0);
  const latest = seen.at(-1);
  const label = latest
    ? `${t.name}: mean latency by phase per hour over the last 24 hours, highest ${Math.round(top)} ms; latest hour: ${PHASE_COLOURS.map(([k, name]) => `${name} ${latest[k]} ms`).join(", ")}`
    : `${t.name}: no passing probe with phase timings in the last 24 hours`;
  const q = t.quantiles7d;
  const legend = PHASE_COLOURS.map(([, name, colour], p) => {
    const phase = (["dns", "connect", "tls", "firstByte"] as const)[p]!;
    const bound = (ms: number | null) => (ms === null ? "-" : `≤${ms}`);
    return `<span class="key"><i style="background:${colour}"></i>${name} p50 ${bound(q[phase].p50Ms)} p95 ${bound(q[phase].p95Ms)} ms</span>`;
  }).join(" ");
  return `<figure class="latency" data-target="${escape(t.name)}"><svg role="img" aria-label="${escape(label)}" viewBox="0 0 ${W} ${H + 10}" width="${W * 1.5}" height="${(H + 10) * 1.5}"><line x1="0" y1="${H}" x2="${W}" y2="${H}" stroke="#999"/>${paths}<text x="0" y="${H + 9}" font-size="8">-24 h</text><text x="${W}" y="${H + 9}" font-size="8" text-anchor="end">now, top ${Math.round(top)} ms</text></svg><figcaption>${escape(t.name)} <span class="note">${legend} (7 days)</span></figcaption></figure>`;
}

const seconds = (s: number) => (s < 120 ? `${s} s` : `${Math.round(s / 6) / 10} min`);

function incidentLine(i: IncidentHistory): string {
  const span = Math.max(1, ...i.steps.map((s) => s.afterSeconds));
  const dots = i.steps
    .map(
      (s) =>
        `<circle cx="${((s.afterSeconds / span) * (W - 8) + 4).toFixed(1)}" cy="8" r="3.5" fill="${s.step === "completed" ? "#1b7f3b" : s.step === "failed" || s.step === "aborted" ? "#c0392b" : "#2f6fb0"}"><title>${escape(s.step)} +${s.afterSeconds} s</title></circle>`,
    )
    .join("");
  const outcome =
    i.recoverSeconds !== null
      ? `recovered in <b class="ttr" data-seconds="${i.recoverSeconds}">${seconds(i.recoverSeconds)}</b>`
      : i.closedAt === null
        ? `open, at ${escape(i.step)}`
        : `ended ${escape(i.step)}`;
  const steps = i.steps.map((s) => `${escape(s.step)} +${s.afterSeconds} s`).join(" · ");
  return `<li class="incident" data-incident="${escape(i.id)}">${escape(i.openedAt.replace("T", " ").slice(0, 19))} ${escape(i.kind)} ${i.from ? `${escape(i.from)} → ` : "to "}${escape(i.to)} (${escape(i.trigger)}): ${outcome}<br><svg class="steps-line" role="img" aria-label="${escape(steps)}" viewBox="0 0 ${W} 16" width="${W * 1.5}" height="24"><line x1="4" y1="8" x2="${W - 4}" y2="8" stroke="#999"/>${dots}</svg><br><span class="note">${steps}</span></li>`;
}

export function groupHistory(g: GroupHistory | undefined): string {
  if (!g) return "";
  const targets = [...g.regions, ...(g.entryPoint ? [g.entryPoint] : [])];
  const incidents = g.incidents.length
    ? `<ol class="incidents">${g.incidents.map(incidentLine).join("")}</ol>`
    : "<p>No incident in 30 days.</p>";
  return `<div class="history"><h3>Uptime</h3><table class="uptime"><thead><tr><th></th><th>24 h</th><th>7 d</th><th>30 d</th></tr></thead><tbody>${targets.map(uptimeRows).join("")}</tbody></table><h3>Latency by phase, last 24 hours</h3>${targets.map(latencyChart).join("")}<h3>Incidents, last 30 days</h3>${incidents}</div>`;
}
