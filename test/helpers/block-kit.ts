// Checks a Slack incoming-webhook message against a JSON Schema of the Block Kit parts Tandem uses,
// written from Slack's documented limits (docs.slack.dev, Block Kit reference: blocks, composition
// objects, elements), validated with Ajv, plus the message-wide text Slack refuses beyond
// (`msg_blocks_too_long`, slackapi/bolt-js#2509; the issue set 12,000 characters as the line).
// Written independently of src/channels/slack/blocks.ts: it shares no constant with it.
import ajv2020 from "ajv/dist/2020.js";

const Ajv2020 = ajv2020.default;

/** The most block text (all `text` strings of the blocks) a message may carry. */
export const SLACK_MESSAGE_TEXT = 12_000;

const text = (type: "plain_text" | "mrkdwn" | "either", max: number) => ({
  type: "object",
  required: ["type", "text"],
  properties: {
    type: type === "either" ? { enum: ["plain_text", "mrkdwn"] } : { const: type },
    // A text object's text: at least 1 character, at most 3000 (less where a block says so).
    text: { type: "string", minLength: 1, maxLength: max, pattern: "\\S" },
    emoji: { type: "boolean" },
    verbatim: { type: "boolean" },
  },
  additionalProperties: false,
  // `emoji` is for plain_text only.
  if: { properties: { type: { const: "mrkdwn" } } },
  then: { not: { required: ["emoji"] } },
});

const blockId = { type: "string", minLength: 1, maxLength: 255 };

const SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["blocks"],
  properties: {
    // The notification text: required beside blocks for notifications; 40,000 at most.
    text: { type: "string", minLength: 1, maxLength: 40_000 },
    blocks: {
      type: "array",
      minItems: 1,
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: "object",
            required: ["type", "text"],
            properties: {
              type: { const: "header" },
              text: text("plain_text", 150),
              block_id: blockId,
            },
            additionalProperties: false,
          },
          {
            type: "object",
            required: ["type"],
            properties: {
              type: { const: "section" },
              text: text("either", 3000),
              fields: { type: "array", minItems: 1, maxItems: 10, items: text("either", 2000) },
              block_id: blockId,
            },
            // Text, fields, or both; never neither.
            anyOf: [{ required: ["text"] }, { required: ["fields"] }],
            additionalProperties: false,
          },
          {
            type: "object",
            required: ["type", "elements"],
            properties: {
              type: { const: "context" },
              elements: { type: "array", minItems: 1, maxItems: 10, items: text("either", 3000) },
              block_id: blockId,
            },
            additionalProperties: false,
          },
          {
            type: "object",
            required: ["type", "elements"],
            properties: {
              type: { const: "actions" },
              elements: {
                type: "array",
                minItems: 1,
                maxItems: 25,
                items: {
                  type: "object",
                  required: ["type", "text"],
                  properties: {
                    type: { const: "button" },
                    text: text("plain_text", 75),
                    url: { type: "string", minLength: 1, maxLength: 3000 },
                    action_id: { type: "string", maxLength: 255 },
                  },
                  additionalProperties: false,
                },
              },
              block_id: blockId,
            },
            additionalProperties: false,
          },
          {
            type: "object",
            required: ["type"],
            properties: { type: { const: "divider" }, block_id: blockId },
            additionalProperties: false,
          },
        ],
      },
    },
  },
  additionalProperties: false,
};

const validate = new Ajv2020({ allErrors: true, strict: false }).compile(SCHEMA);

function textLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + textLength(v), 0);
  if (typeof value !== "object" || value === null) return 0;
  let n = 0;
  for (const [key, v] of Object.entries(value))
    n += key === "text" && typeof v === "string" ? v.length : textLength(v);
  return n;
}

/** Characters of block text in a message: every `text` string in its blocks. */
export const blockTextOf = (message: { blocks?: unknown }) => textLength(message.blocks);

/** Every problem with a Slack message; empty when it passes. */
export function blockKitProblems(message: unknown): string[] {
  const problems: string[] = [];
  if (!validate(message))
    for (const e of validate.errors ?? []) problems.push(`${e.instancePath || "/"} ${e.message}`);
  const total = blockTextOf(message as { blocks?: unknown });
  if (total >= SLACK_MESSAGE_TEXT)
    problems.push(`${total} characters of block text (Slack refuses about 13,000)`);
  return problems;
}

/** Slack's control characters (&, <, >) appear only as the entities it asks for. */
export function unescapedControl(text: string): string | undefined {
  if (/[<>]/.test(text)) return text.match(/[<>]/)![0];
  const bare = text.match(/&(?!amp;|lt;|gt;)/);
  return bare ? bare[0] : undefined;
}
