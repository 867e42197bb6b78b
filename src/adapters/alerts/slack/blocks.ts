// An alert as a Slack incoming-webhook message in Block Kit: the same content as the Teams card,
// within Slack's limits (50 blocks, 3000 characters per text, 150 per header, 10 fields per
// section, 2000 per field). Longest parts are cut first, and the message says so.
import type { Alert } from "../../../core/alerts.js";
import type { AlertLinks } from "../../../ports/alerts.js";
import type { Content, Limits } from "../content.js";
import { LEVELS, content, cut } from "../content.js";

export const SLACK_LIMITS = {
  blocks: 50,
  text: 3000,
  header: 150,
  fields: 10,
  field: 2000,
  buttonText: 75,
} as const;

type Block = Record<string, unknown>;

/** Slack's mrkdwn needs &, < and > escaped. */
export const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const mrkdwn = (text: string) => ({ type: "mrkdwn", text: cut(text, SLACK_LIMITS.text) });
const section = (text: string): Block => ({ type: "section", text: mrkdwn(text) });

/** Lines joined into sections of at most 3000 characters each. */
function sections(title: string, lines: readonly string[]): Block[] {
  const out: Block[] = [];
  let current = `*${title}*`;
  for (const line of lines) {
    const next = `${current}\n${line}`;
    if (next.length > SLACK_LIMITS.text) {
      out.push(section(current));
      current = cut(line, SLACK_LIMITS.text);
    } else current = next;
  }
  out.push(section(current));
  return out;
}

function blocks(c: Content): Block[] {
  const out: Block[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: cut(`${c.icon} ${c.headline}`, SLACK_LIMITS.header),
        emoji: true,
      },
    },
    section(escape(c.summary)),
    {
      type: "section",
      fields: c.facts
        .slice(0, SLACK_LIMITS.fields)
        .map(([name, value]) =>
          mrkdwn(cut(`*${escape(name)}*\n${escape(value)}`, SLACK_LIMITS.field)),
        ),
    },
  ];
  if (c.regions.length > 0)
    out.push(
      ...sections(
        "Regions",
        c.regions.map((r) => `• *${escape(r.name)}* ${escape(r.text)}`),
      ),
    );
  if (c.action) out.push(section(`*What Tandem does*\n${escape(c.action)}`));
  if (c.steps.length > 0)
    out.push(
      ...sections(
        "Steps so far",
        c.steps.map((s) => `\`${s.time}\` ${escape(s.text)}`),
      ),
    );
  if (c.trimmed) out.push({ type: "context", elements: [mrkdwn(escape(c.trimmed))] });
  if (c.links.length > 0)
    out.push({
      type: "actions",
      elements: c.links.map((l) => ({
        type: "button",
        text: { type: "plain_text", text: cut(l.title, SLACK_LIMITS.buttonText) },
        url: l.url,
      })),
    });
  return out;
}

const fits = (message: { blocks: Block[] }) => message.blocks.length <= SLACK_LIMITS.blocks;

/** The Slack message for an alert: `text` for notifications, `blocks` for the message itself. */
export function slackMessage(alert: Alert, links: AlertLinks): { text: string; blocks: Block[] } {
  const render = (limits: Limits) => {
    const c = content(alert, links, limits);
    return { text: cut(`${c.icon} ${c.headline}`, SLACK_LIMITS.text), blocks: blocks(c) };
  };
  for (const limits of LEVELS) {
    const message = render(limits);
    if (fits(message)) return message;
  }
  const message = render(LEVELS.at(-1)!);
  return { ...message, blocks: message.blocks.slice(0, SLACK_LIMITS.blocks) };
}
