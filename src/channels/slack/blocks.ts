// An alert as a Slack incoming-webhook message in Block Kit: the same content as the Teams card,
// within Slack's limits. Per block, as Slack documents them: 50 blocks, 3000 characters per
// section text, 150 per header, 10 fields of 2000 per section, 10 context elements, 75 per button
// text, no empty text. For the whole message Slack documents no limit for section blocks, yet
// refuses messages far below 50 × 3000 as `msg_blocks_too_long` (slackapi/bolt-js#2509: at about
// 13,200 characters of block text; #2867: once already at 11,341), and does not take them later:
// the message is held under MESSAGE_TEXT. Longest parts are cut first, and the message says so.
// Every text Slack parses (mrkdwn, and the top-level `text` of the notification) has &, < and >
// escaped, so that `<!channel>` or `<url|label>` in a reason reaches nobody.
import type { Alert } from "../../core/alerts.js";
import type { AlertLinks } from "../../ports/alerts.js";
import type { Content, Limits } from "../content.js";
import { LEVELS, content, cut } from "../content.js";

export const SLACK_LIMITS = {
  blocks: 50,
  text: 3000,
  header: 150,
  fields: 10,
  field: 2000,
  contextElements: 10,
  buttonText: 75,
  /** All the text of a message's blocks: below where Slack was seen to refuse (see above). */
  messageText: 11_000,
} as const;

type Block = Record<string, unknown>;

/** Slack's control characters as the entities it asks for (only these three). */
export const escape = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Escaped text cut to `max` characters without splitting an entity. */
export function cutEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  const cutAt = Math.max(0, max - 1);
  const amp = text.lastIndexOf("&", cutAt);
  const broken = amp >= 0 && amp > cutAt - 5 && text.indexOf(";", amp) >= cutAt;
  return `${text.slice(0, broken ? amp : cutAt)}…`;
}

const mrkdwn = (text: string, max: number = SLACK_LIMITS.text) => ({
  type: "mrkdwn",
  text: cutEscaped(text, max),
});
const blank = (text: string) => text.trim() === "";
/** A section of one text, or nothing: Slack refuses an empty one. */
const section = (text: string): Block[] =>
  blank(text) ? [] : [{ type: "section", text: mrkdwn(text) }];

/** Lines joined into sections of at most 3000 characters each. */
function sections(title: string, lines: readonly string[]): Block[] {
  const out: Block[] = [];
  let current = `*${title}*`;
  for (const line of lines.filter((l) => !blank(l))) {
    const next = `${current}\n${line}`;
    if (next.length > SLACK_LIMITS.text) {
      out.push(...section(current));
      current = cutEscaped(line, SLACK_LIMITS.text);
    } else current = next;
  }
  out.push(...section(current));
  return out;
}

function blocks(c: Content): Block[] {
  const fields = c.facts
    .filter(([, value]) => !blank(value))
    .slice(0, SLACK_LIMITS.fields)
    .map(([name, value]) => mrkdwn(`*${escape(name)}*\n${escape(value)}`, SLACK_LIMITS.field));
  const out: Block[] = [
    {
      type: "header",
      text: {
        type: "plain_text",
        text: cut(`${c.icon} ${c.headline}`, SLACK_LIMITS.header),
        emoji: true,
      },
    },
    ...section(escape(c.summary)),
    ...(fields.length > 0 ? [{ type: "section", fields }] : []),
  ];
  if (c.regions.length > 0)
    out.push(
      ...sections(
        "Regions",
        c.regions.map((r) => `• *${escape(r.name)}* ${escape(r.text)}`),
      ),
    );
  if (c.action && !blank(c.action)) out.push(...section(`*What Tandem does*\n${escape(c.action)}`));
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

/** Every text of the blocks, as Slack counts a message's length: all of them, added up. */
export function blockText(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + blockText(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  return Object.entries(value).reduce(
    (n, [key, v]) => n + (key === "text" && typeof v === "string" ? v.length : blockText(v)),
    0,
  );
}

/**
 * The shared levels with one between each two: Slack's message-wide limit is reached with a few
 * steps of long notes, where the shared levels jump from about 11,000 characters to 3,000.
 */
const SLACK_LEVELS: readonly Limits[] = LEVELS.flatMap((level, i) => {
  const next = LEVELS[i + 1];
  if (!next) return [level];
  const mid = (a: number, b: number) => Math.round((a + b) / 2);
  return [
    level,
    {
      text: mid(level.text, next.text),
      steps: mid(level.steps, next.steps),
      regions: mid(level.regions, next.regions),
    },
  ];
});

const fits = (message: { blocks: Block[] }) =>
  message.blocks.length <= SLACK_LIMITS.blocks &&
  blockText(message.blocks) <= SLACK_LIMITS.messageText;

/** The Slack message for an alert: `text` for notifications, `blocks` for the message itself. */
export function slackMessage(alert: Alert, links: AlertLinks): { text: string; blocks: Block[] } {
  const render = (limits: Limits) => {
    const c = content(alert, links, limits);
    return {
      text: cutEscaped(escape(`${c.icon} ${c.headline}`), SLACK_LIMITS.text),
      blocks: blocks(c),
    };
  };
  for (const limits of SLACK_LEVELS) {
    const message = render(limits);
    if (fits(message)) return message;
  }
  // The narrowest level keeps every text short (60 characters): only the count can be over.
  const message = render(SLACK_LEVELS.at(-1)!);
  return { ...message, blocks: message.blocks.slice(0, SLACK_LIMITS.blocks) };
}
