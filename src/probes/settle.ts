// How every probe kind ends: the first of its own result, its deadline or a cancel settles the
// probe, and whatever comes after is ignored.

/**
 * Starts the probe's timer and abort listener and returns `claim`: the first call stops both and
 * returns true (the caller then releases its socket and settles the promise); later calls return
 * false. A signal that is already aborted is the caller's to check, once its request exists.
 */
export function settleOnce(
  waitMs: number,
  abortSignal: AbortSignal | undefined,
  onTimeout: () => void,
  onAbort: () => void,
): () => boolean {
  let settled = false;
  const timer = setTimeout(onTimeout, waitMs);
  abortSignal?.addEventListener("abort", onAbort, { once: true });
  return () => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    abortSignal?.removeEventListener("abort", onAbort);
    return true;
  };
}
