// JSON read strictly, for the configuration file and the API's bodies: JSON.parse takes the last
// of two equal keys without a word, so `{"dryRun": true, "dryRun": false}` means one thing to a
// proxy or a reviewer that reads the first and another to Tandem. A key given twice in one object
// is refused, naming where.
import { parseTree } from "jsonc-parser";
import type { Node } from "jsonc-parser";
import { replaceUnprintable } from "../core/unprintable.js";

/** Where a key repeats, as a path (`groups[0].name`), or undefined when none does. */
export function duplicateKey(text: string): string | undefined {
  const root = parseTree(text, [], { disallowComments: true, allowTrailingComma: false });
  return root ? firstDuplicate(root, "") : undefined;
}

function firstDuplicate(node: Node, path: string): string | undefined {
  if (node.type === "object") {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (key?.type !== "string") continue;
      const name = String(key.value);
      const at = path === "" ? name : `${path}.${name}`;
      if (seen.has(name)) return at;
      seen.add(name);
      const inner = value ? firstDuplicate(value, at) : undefined;
      if (inner) return inner;
    }
  }
  if (node.type === "array")
    for (const [i, item] of (node.children ?? []).entries()) {
      const inner = firstDuplicate(item, `${path}[${i}]`);
      if (inner) return inner;
    }
  return undefined;
}

/**
 * A name as an error may echo it: its first `max` characters, with control and invisible
 * characters escaped (`\u{202e}`), and how long it was when it was longer.
 */
export function shortName(name: string, max = 40): string {
  const characters = [...name];
  const shown = replaceUnprintable(
    characters.slice(0, max).join(""),
    (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
  return characters.length > max ? `${shown}... (${characters.length} characters)` : shown;
}

/**
 * How deeply arrays and objects nest in JSON text, counted without recursion (and without
 * parsing), so that a body of ten thousand brackets is refused before anything recursive reads it.
 */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}
