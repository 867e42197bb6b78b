// Characters that must not reach a log line, a terminal or an answer as they are. C0 and C1
// controls forge lines and drive terminals; the invisible ones make text read differently from
// what it is: bidirectional controls reorder it ("Trojan Source", CVE-2021-42574), zero-width
// characters and the byte order mark hide inside it, and the line and paragraph separators
// break a line where a reader sees none.

// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** U+061C, U+200B-U+200F, U+2028-U+202E, U+2066-U+2069, U+FEFF. */
export const INVISIBLE = /[\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

const EITHER = new RegExp(`${CONTROL.source}|${INVISIBLE.source}`, "gu");

/** Each control or invisible character replaced by `replace(character)`. */
export function replaceUnprintable(text: string, replace: (character: string) => string): string {
  return text.replace(EITHER, replace);
}

/** The first invisible character in `text` (U+XXXX) and where it is (1-based), if any. */
export function firstInvisible(text: string): { code: string; at: number } | undefined {
  const found = new RegExp(INVISIBLE.source, "u").exec(text);
  if (!found) return undefined;
  const hex = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
  return { code: `U+${hex}`, at: [...text.slice(0, found.index)].length + 1 };
}
