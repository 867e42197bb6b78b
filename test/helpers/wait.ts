/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` saying
 * what it was waiting for and what it saw last (the last value `seen` returned, or the last
 * error). Use it for real time only; sequences of states are read from recorded history
 * (`transitions` below), never sampled by polling.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  {
    timeoutMs = 60_000,
    intervalMs = 100,
    seen,
  }: { timeoutMs?: number; intervalMs?: number; seen?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = undefined;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const saw = seen
        ? await Promise.resolve()
            .then(seen)
            .then(
              (value) => `; last seen: ${JSON.stringify(value)}`,
              () => "",
            )
        : "";
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}${saw}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * A real-time limit derived from the configured interval: `ticks` intervals, scaled for slow and
 * busy machines (a tick that should take 1 s may take several), never under 30 s.
 */
export const ticks = (n: number, intervalSeconds: number) =>
  Math.max(30_000, n * intervalSeconds * 1000 * 4);

/**
 * The kept-verdict transitions of one region, in the order the lease holder recorded them, from
 * the lines the local host prints (`shop/westeurope  healthy -> suspect  (reason)`), starting at
 * line `from`. The printer's first line for a region (`(start) -> healthy`) is not a transition.
 */
export function transitions(
  lines: readonly string[],
  key: string,
  from = 0,
): { from: string; to: string; reason: string }[] {
  const pattern = new RegExp(
    `\\s${key.replace(/[/.]/g, "\\$&")}\\s+(\\S+) -> (\\S+)\\s+\\((.*)\\)$`,
  );
  return lines.slice(from).flatMap((line) => {
    const m = pattern.exec(line);
    return m && m[1] !== "(start)" ? [{ from: m[1]!, to: m[2]!, reason: m[3]! }] : [];
  });
}

/** `[a, a, b, a]` as `[a, b, a]`: a recorded history without its repeats. */
export const withoutRepeats = <T>(list: readonly T[]): T[] =>
  list.filter((x, i) => i === 0 || x !== list[i - 1]);
