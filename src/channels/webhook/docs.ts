// The event reference of docs/webhooks.md, generated from the alert types and the webhook body
// renderer (npm run gen; a test fails when it is out of date): every type, its severity, when it
// is sent, and an example body made by the same code that makes the real ones.
import { ALERT_TYPES } from "../../core/alerts.js";
import { sampleAlerts } from "../samples.js";
import { webhookBody } from "./body.js";

export const EVENTS_BEGIN = "<!-- generated from src/core/alerts.ts by npm run gen: begin -->";
export const EVENTS_END = "<!-- generated: end -->";

export function renderWebhookEvents(): string {
  const samples = sampleAlerts();
  const links = { baseUrl: "https://tandem-weu.azurewebsites.net" };
  const table = [
    "| type | tells of event | severity | sent when | resolves |",
    "| ---- | -------------- | -------- | --------- | -------- |",
    ...ALERT_TYPES.map(
      (t) =>
        `| [\`${t.type}\`](#${t.type.replace(/\./g, "")}) | ${t.event ? `\`${t.event}\`` : ""} | ${t.severity} | ${t.when} | ${t.resolves?.map((r) => `\`${r}\``).join(", ") ?? ""} |`,
    ),
  ];
  const examples = ALERT_TYPES.map(
    (t) =>
      `### ${t.type}\n\n${t.when[0]!.toUpperCase()}${t.when.slice(1)}.\n\n\`\`\`json\n${JSON.stringify(webhookBody(samples[t.type], links), null, 2)}\n\`\`\``,
  );
  return [table.join("\n"), "", "## Example bodies", "", examples.join("\n\n")].join("\n");
}

/** docs/webhooks.md with its generated part replaced. */
export function renderWebhookDoc(current: string): string {
  const begin = current.indexOf(EVENTS_BEGIN);
  const end = current.indexOf(EVENTS_END);
  if (begin < 0 || end < begin)
    throw new Error(`docs/webhooks.md lacks the markers ${EVENTS_BEGIN} ... ${EVENTS_END}`);
  return `${current.slice(0, begin)}${EVENTS_BEGIN}\n\n${renderWebhookEvents()}\n\n${current.slice(end)}`;
}
