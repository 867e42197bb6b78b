import type { Clock } from "../ports/clock.js";

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

/**
 * The sleep of a clock whose time passes at once (the planner's, and the tests' manual clocks):
 * after one turn of the event loop, `pass(ms)` moves the clock to the sleep's end. What settles
 * without time passing (a memory lever's answer) wins a race against it, as against a real
 * timer. Called off before its turn, it ends at once, leaves no turn pending and moves no time:
 * otherwise every deadline raced against quick work (settleBy, the fence's acting time, the
 * witness's answer) would push the clock on by the whole wait, and a lease's term with it.
 */
export function sleepOneTurn(
  ms: number,
  signal: AbortSignal | undefined,
  pass: (ms: number) => void,
): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const turn = setImmediate(() => {
      signal?.removeEventListener("abort", off);
      pass(Math.max(0, ms));
      resolve();
    });
    function off() {
      clearImmediate(turn);
      resolve();
    }
    signal?.addEventListener("abort", off, { once: true });
  });
}

type Settled<T> = { readonly done: true; readonly value: T } | { readonly done: false };

const LATE: Settled<never> = { done: false };

/**
 * Waits for `work` until `deadline` (epoch ms) on the runtime's clock, never on a timer of its
 * own: in virtual time (the simulator) a real timer would let virtual work run past the deadline,
 * or hold a run for real seconds. The lever reads and effects, the peers' answers, the hedged
 * probes, the fence's acting time and the witness's answer wait through here.
 *
 * The rule at the deadline: work that has settled by the time the deadline is reached counts,
 * even work that settles at the deadline itself. When the clock's wait ends, the clock is given
 * one more turn (`sleep(0)`), so that whatever is due at the same instant (in virtual time, a
 * sleep that ends at the deadline too) settles first; only work still running after that is
 * late. Late work's outcome, whenever it comes, is dropped, a rejection included (never
 * unhandled); work that fails in time throws its error here. A deadline already past still
 * takes work that has ended.
 *
 * `signal` ends the wait early, by the same rule. The wait's sleep is called off before this
 * returns: no timer outlives it.
 */
export function settleBy<T>(
  { clock }: { readonly clock: Clock },
  work: Promise<T>,
  deadline: number,
  signal?: AbortSignal,
): Promise<Settled<T>> {
  const wait = signal ? following(signal) : { controller: new AbortController(), release() {} };
  return settleOn(clock, work, deadline, wait.controller, wait.release);
}

/**
 * `settleBy` waiting on `controller`, a controller of the caller's that nothing but `work`
 * listens on: aborting it ends the wait early. When `work` ends in time, the controller is
 * aborted to call off the wait's sleep (harmless to `work`, which has ended); when the deadline
 * comes first, it is left as it is, for `work` still running. It spares a controller and a
 * listener per wait: the soak's hedged probes made one such pair per target and tick, the most
 * costly item of a simulated timeline after the garbage collector (bench/RESULTS.md).
 */
export function settleWith<T>(
  { clock }: { readonly clock: Clock },
  work: Promise<T>,
  deadline: number,
  controller: AbortController,
): Promise<Settled<T>> {
  return settleOn(clock, work, deadline, controller);
}

async function settleOn<T>(
  clock: Clock,
  work: Promise<T>,
  deadline: number,
  controller: AbortController,
  /** Given for a controller of settleBy's own: it is aborted whatever happened, then released. */
  release?: () => void,
): Promise<Settled<T>> {
  let settled: Settled<T> = LATE;
  let failed: { readonly error: unknown } | undefined;
  const watched = work.then(
    (value) => void (settled = { done: true, value }),
    (error: unknown) => void (failed = { error }),
  );
  const stop = controller.signal;
  try {
    await Promise.race([watched, clock.sleep(Math.max(0, deadline - clock.now()), stop)]);
    if (!settled.done && !failed) await clock.sleep(0, stop);
  } finally {
    if (!stop.aborted && (release || settled.done || failed)) controller.abort(NO_LONGER_NEEDED);
    release?.();
  }
  if (failed) throw failed.error;
  return settled;
}
