// What every rendered alert says, whatever the receiver's format: the headline with its icon, the
// facts, each region with its verdict and evidence, what Tandem did or will do, the incident's
// steps so far with times, and the links. The Teams and Slack renderers lay this out; limits say
// how much of each to keep.
import type { Alert, Severity } from "../core/alerts.js";
import type { AlertLinks } from "../ports/alerts.js";

export const ICONS: Record<Severity, string> = {
  critical: "🔴",
  error: "🟠",
  warning: "🟡",
  info: "🔵",
};

export interface Limits {
  /** Longest text of one field (summary, action, a region's reason, a step's note). */
  readonly text: number;
  /** Most steps shown: the first, and the latest. */
  readonly steps: number;
  /** Most regions shown. */
  readonly regions: number;
}

export const FULL: Limits = { text: 4000, steps: 400, regions: 50 };

export interface Content {
  readonly icon: string;
  readonly severity: Severity;
  readonly headline: string;
  readonly summary: string;
  readonly facts: readonly (readonly [string, string])[];
  readonly regions: readonly { readonly name: string; readonly text: string }[];
  readonly action?: string;
  readonly steps: readonly { readonly time: string; readonly text: string }[];
  /** Steps not shown (kept short for storage, or for the receiver's limit). */
  readonly stepsOmitted: number;
  readonly links: readonly { readonly title: string; readonly url: string }[];
  /** What was cut to fit, for the reader; undefined when nothing was. */
  readonly trimmed?: string;
}

export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

export const clock = (ms: number) => `${new Date(ms).toISOString().slice(11, 19)} UTC`;
const dateTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC";

export function links(alert: Alert, base: AlertLinks): { title: string; url: string }[] {
  if (!base.baseUrl) return [];
  const root = base.baseUrl.replace(/\/+$/, "");
  return [
    { title: "Status page", url: `${root}/api/status` },
    ...(alert.incident
      ? [{ title: "Incident", url: `${root}/api/incidents/${encodeURIComponent(alert.incident)}` }]
      : []),
  ];
}

export function content(alert: Alert, base: AlertLinks, limits: Limits = FULL): Content {
  let shortened = false;
  const short = (text: string, max: number) => {
    if (text.length > max) shortened = true;
    return cut(text, max);
  };
  const icon = alert.resolves
    ? "✅"
    : alert.reminder
      ? "⏰"
      : alert.type === "alert.test"
        ? "🧪"
        : ICONS[alert.severity];
  const fact = (name: string, value: string | undefined): [string, string][] =>
    value === undefined ? [] : [[name, short(value, limits.text)]];
  const facts: [string, string][] = [
    ...fact(
      "Severity",
      alert.resolves ? `resolved (was ${alert.resolves.severity})` : alert.severity,
    ),
    ...fact("Event", alert.type),
    ...fact("Group", alert.group),
    ...fact("When", dateTime(alert.at)),
    ...fact(
      "Seen by",
      `${alert.observer}${alert.epoch === undefined ? "" : ` (lease epoch ${alert.epoch})`}`,
    ),
    ...fact("Incident", alert.incident),
    ...fact(
      "Resolves",
      alert.resolves &&
        `${alert.resolves.title}${alert.resolves.at === undefined ? "" : ` (${dateTime(alert.resolves.at)})`}`,
    ),
    ...fact("Reminder", alert.reminder && `#${alert.reminder.count} of ${alert.reminder.of}`),
  ];
  const allRegions = alert.regions ?? [];
  const regions = allRegions.slice(0, limits.regions).map((r) => {
    const views = r.observers?.map((o) => `${o.observer}: ${o.view}`).join(", ");
    const witness = r.witness && r.witness !== "unknown" ? `; witness ${r.witness}` : "";
    return {
      name: r.name,
      text: short(`${r.verdict}: ${r.reason}${views ? ` (${views}${witness})` : ""}`, limits.text),
    };
  });
  if (allRegions.length > regions.length) shortened = true;
  const allSteps = alert.steps ?? [];
  const shown =
    allSteps.length > limits.steps
      ? limits.steps <= 1
        ? allSteps.slice(-1)
        : [allSteps[0]!, ...allSteps.slice(-(limits.steps - 1))]
      : allSteps;
  const stepsOmitted = allSteps.length - shown.length + (alert.stepsOmitted ?? 0);
  const steps = shown.map((s) => ({
    time: clock(s.at),
    text: short(`${s.step}: ${s.note}`, limits.text),
  }));
  const summary = short(alert.summary, limits.text);
  const action = alert.action === undefined ? undefined : short(alert.action, limits.text);
  const omitted = stepsOmitted > 0 ? `${stepsOmitted} step(s) not shown` : "";
  return {
    icon,
    severity: alert.severity,
    headline: cut(alert.title, 300),
    summary,
    facts,
    regions,
    ...(action === undefined ? {} : { action }),
    steps,
    stepsOmitted,
    links: links(alert, base),
    ...(shortened || omitted
      ? {
          trimmed: `${shortened ? "Shortened to fit this channel's size limit" : ""}${shortened && omitted ? "; " : ""}${omitted}. The incident and the status page have everything.`,
        }
      : {}),
  };
}

/** Tries the limits in turn, widest first, and keeps the first rendering that fits. */
export function fit<T>(
  levels: readonly Limits[],
  render: (limits: Limits) => T,
  fits: (rendered: T) => boolean,
): T | undefined {
  for (const limits of levels) {
    const rendered = render(limits);
    if (fits(rendered)) return rendered;
  }
  return undefined;
}

/** From no cuts to headline only: the levels every size-limited renderer tries. */
export const LEVELS: readonly Limits[] = [
  FULL,
  { text: 1500, steps: 100, regions: 20 },
  { text: 800, steps: 50, regions: 12 },
  { text: 400, steps: 25, regions: 8 },
  { text: 200, steps: 12, regions: 6 },
  { text: 120, steps: 6, regions: 4 },
  { text: 80, steps: 3, regions: 3 },
  { text: 60, steps: 1, regions: 2 },
];
