// JSON read strictly, for the configuration file and the API's bodies: JSON.parse takes the last
// of two equal keys without a word, so `{"dryRun": true, "dryRun": false}` means one thing to a
// proxy or a reviewer that reads the first and another to Tandem. A key given twice in one object
// is refused, naming where.
import { parseTree } from "jsonc-parser";
import type { Node } from "jsonc-parser";

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

/** A name as an error may echo it: printable, and at most `max` characters. */
export function shortName(name: string, max = 40): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return printable.length > max
    ? `${printable.slice(0, max)}... (${printable.length} characters)`
    : printable;
}
