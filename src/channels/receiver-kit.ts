// What the kinds' loopback receivers share: reading a field deep in a parsed body, and a title
// without the icon a renderer puts first.

/** A path into parsed JSON, or undefined. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path)
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** A string at a path into parsed JSON, or "". */
export const textAt = (value: unknown, ...path: (string | number)[]): string => {
  const v = at(value, ...path);
  return typeof v === "string" ? v : "";
};

export const withoutIcon = (text: string) => text.replace(/^[^\x20-\x7e]+\s*/u, "");
