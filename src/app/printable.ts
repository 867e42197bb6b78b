// Text that callers send, or that the audit log holds, as it may be stored or printed: control
// characters replaced (no forged log lines, no terminal escapes), and bounded in length.

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function printable(text: string, max = Number.POSITIVE_INFINITY): string {
  return text.replace(CONTROL, "?").slice(0, max);
}

export function isPrintable(text: string): boolean {
  return printable(text) === text;
}
