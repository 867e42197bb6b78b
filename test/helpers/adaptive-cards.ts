// Checks an Adaptive Card with Microsoft's Adaptive Cards SDK (the `adaptivecards` package, 3.0.6:
// its parser and its property validation), plus what Teams Workflows require of a webhook card:
// the message envelope, a version of at most 1.5, and no Action.Submit anywhere.
import { createRequire } from "node:module";

// The package's ES build imports without extensions (it does not load in Node); its UMD build does.
const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js") as any;

function walk(node: unknown, visit: (n: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const item of node) walk(item, visit);
  else if (typeof node === "object" && node !== null) {
    visit(node as Record<string, unknown>);
    for (const value of Object.values(node)) walk(value, visit);
  }
}

/** Every problem with a Teams webhook message and its card; empty when it is valid. */
export function cardProblems(message: any): string[] {
  const problems: string[] = [];
  if (message?.type !== "message") problems.push('the message type is not "message"');
  const attachments = message?.attachments;
  if (!Array.isArray(attachments) || attachments.length !== 1)
    return [...problems, "the message has not exactly one attachment"];
  if (attachments[0].contentType !== "application/vnd.microsoft.card.adaptive")
    problems.push("the attachment is not an Adaptive Card");
  const card = attachments[0].content;
  if (card?.type !== "AdaptiveCard") problems.push("the content is not an AdaptiveCard");
  const [major, minor] = String(card?.version ?? "")
    .split(".")
    .map(Number);
  if (!(major === 1 && minor !== undefined && minor <= 5))
    problems.push(`card version ${card?.version} is not 1.0 to 1.5`);
  walk(card, (n) => {
    if (n["type"] === "Action.Submit" || n["type"] === "Action.Execute")
      problems.push(`${String(n["type"])} cannot call back from a Workflows card`);
  });
  const parsed = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  parsed.parse(card, context);
  for (let i = 0; i < context.eventCount; i++)
    problems.push(`parser: ${context.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents)
    problems.push(`validation: ${e.message}`);
  return problems;
}
