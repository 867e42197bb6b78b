// An alert as a Teams message for a Workflows webhook ("When a Teams webhook request is
// received"): one Adaptive Card (version 1.4, which every Teams client renders; Workflows take up
// to 1.5), coloured and headed by severity, with the group, each region's verdict and evidence,
// what Tandem did or will do, the incident's steps with times, and links. The whole message stays
// under Teams' 28 KB: the longest parts are cut first, and the card says so. No Action.Submit:
// a Workflows card cannot call back.
import type { Alert, Severity } from "../../core/alerts.js";
import type { AlertLinks } from "../../ports/alerts.js";
import type { Content, Limits } from "../content.js";
import { LEVELS, content, cut } from "../content.js";

export const CARD_VERSION = "1.4";
/** Teams takes 28 KB per message; the card stays a little under it. */
export const TEAMS_MAX_BYTES = 27 * 1024;

const STYLE: Record<Severity, { container: string; color: string }> = {
  critical: { container: "attention", color: "Attention" },
  error: { container: "attention", color: "Attention" },
  warning: { container: "warning", color: "Warning" },
  info: { container: "accent", color: "Accent" },
};

type Element = Record<string, unknown>;

const text = (value: string, extra: Element = {}): Element => ({
  type: "TextBlock",
  text: value,
  wrap: true,
  ...extra,
});
const heading = (value: string): Element =>
  text(value, { weight: "Bolder", spacing: "Medium", separator: true });
const facts = (list: readonly (readonly [string, string])[]): Element => ({
  type: "FactSet",
  facts: list.map(([title, value]) => ({ title, value })),
});

function card(c: Content, resolved: boolean): Element {
  const style = resolved ? { container: "good", color: "Good" } : STYLE[c.severity];
  const body: Element[] = [
    {
      type: "Container",
      style: style.container,
      bleed: true,
      items: [
        text(`${c.icon} ${c.headline}`, { weight: "Bolder", size: "Medium", color: style.color }),
        text(c.summary, { spacing: "Small" }),
      ],
    },
    facts(c.facts),
  ];
  if (c.regions.length > 0)
    body.push(heading("Regions"), facts(c.regions.map((r) => [r.name, r.text])));
  if (c.action) body.push(heading(resolved ? "Now" : "What Tandem does"), text(c.action));
  if (c.steps.length > 0)
    body.push(heading("Steps so far"), facts(c.steps.map((s) => [s.time, s.text])));
  if (c.trimmed) body.push(text(c.trimmed, { isSubtle: true, size: "Small" }));
  return {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: CARD_VERSION,
    msteams: { width: "Full" },
    body,
    ...(c.links.length > 0
      ? { actions: c.links.map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url })) }
      : {}),
  };
}

const message = (adaptiveCard: Element) => ({
  type: "message",
  attachments: [
    {
      contentType: "application/vnd.microsoft.card.adaptive",
      contentUrl: null,
      content: adaptiveCard,
    },
  ],
});

export const byteSize = (value: unknown) => Buffer.byteLength(JSON.stringify(value), "utf8");

/** The Teams message for an alert, within TEAMS_MAX_BYTES. */
export function teamsMessage(alert: Alert, links: AlertLinks): Record<string, unknown> {
  const resolved = alert.resolves !== undefined;
  const render = (limits: Limits) => message(card(content(alert, links, limits), resolved));
  for (const limits of LEVELS) {
    const rendered = render(limits);
    if (byteSize(rendered) <= TEAMS_MAX_BYTES) return rendered;
  }
  // Nothing but the headline and the links: always small.
  const c = content(alert, links, LEVELS.at(-1)!);
  return message(
    card(
      {
        ...c,
        summary: cut(c.summary, 200),
        facts: c.facts.slice(0, 3),
        regions: [],
        steps: [],
        trimmed: "Most of this alert did not fit in one Teams message: follow the links.",
      },
      resolved,
    ),
  );
}
