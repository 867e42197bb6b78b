// `tandem audit refused`: the API calls refused before they did anything (401, 403, 400), counted
// per caller and minute (ADR 0017), newest minute first, one line each. Everything a caller sent
// (a claimed name, an address, a reason) is printed through `printable`.
import type { RefusedAnswer } from "../app/api/types.js";
import { printable } from "../app/printable.js";

/** The lines for a page of counts, and where the next (older) page is. */
export function refusedLines(answer: RefusedAnswer): string[] {
  const lines = answer.entries.map((r) => {
    const minute = new Date(r.minute).toISOString().slice(0, 16).replace("T", " ");
    const who = r.claimed === undefined ? r.actor : `${r.actor} (claimed ${r.claimed})`;
    const what = `${r.name}${r.group === undefined ? "" : ` [${r.group}]`}`;
    return printable(
      `${minute}  ${String(r.count).padStart(6)}  ${who.padEnd(22)} ${(r.from || "-").padEnd(16)} ${what}: ${r.reason}`,
    );
  });
  if (answer.next !== undefined)
    lines.push(`(older: tandem audit refused --before ${answer.next})`);
  return lines;
}
