/** Maps over items with at most `limit` calls in flight, keeping the order of the results. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * The reason for calling off a wait or a probe whose answer is no longer needed. `abort()` with
 * no reason builds a new DOMException, stack and all, each time: with a few such waits per target
 * and tick, that was a tenth of the simulator's time. It is an AbortError, as the default is, for
 * whoever tells an abort from a failure by its name.
 */
export const NO_LONGER_NEEDED = new DOMException("no longer needed", "AbortError");

/**
 * A controller aborted when `signal` is (with its reason) until released: what
 * `AbortSignal.any([signal, controller.signal])` gives, without the weak references and
 * registries that made it dearer than a simulated probe.
 */
export function following(signal: AbortSignal): {
  readonly controller: AbortController;
  readonly release: () => void;
} {
  const controller = new AbortController();
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { controller, release: () => {} };
  }
  const forward = () => controller.abort(signal.reason);
  signal.addEventListener("abort", forward, { once: true });
  return { controller, release: () => signal.removeEventListener("abort", forward) };
}
