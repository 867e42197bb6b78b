// Text that callers send, or that the audit log holds, as it may be stored or printed: control
// and invisible characters replaced (no forged log lines, no terminal escapes, no text that
// reads as something else), and bounded in length.
import { replaceUnprintable } from "../core/unprintable.js";

export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  return replaceUnprintable(text, () => "?").slice(0, max);
}

export function isPrintable(text: string): boolean {
  return printable(text) === text;
}
