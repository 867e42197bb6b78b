// Cutting long JSON into Table String properties: at most 64 KiB each (UTF-16, so 32,768
// characters; Azure Table storage's data model), used by observation pages, roll-ups and
// incidents (ADR 23).

/** Characters in one String property: 60,000 bytes in UTF-16, under the 64 KiB limit. */
export const CHUNK_CHARS = 30_000;

/** Cuts text into pieces of at most `size` characters, never between the halves of a surrogate pair. */
export function cut(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + size);
    const code = text.charCodeAt(end - 1);
    if (end < text.length && code >= 0xd800 && code <= 0xdbff) end--;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}
