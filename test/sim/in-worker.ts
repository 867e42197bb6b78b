// The simulator's sweep in a worker thread. Under `node --test` the test runner tracks async
// context across every promise of the test's process, and the simulator is nearly all promises
// (virtual time): the same 102 runs took 16.5 s in the test's process and 7.7 s in a worker of
// it (2026-12-07, `node --test` of each way, quiet 2-core machine), where none of that tracking
// is installed. The summary comes back by structured clone.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type { ManyOptions, Summary } from "./run.js";
import { simulateMany } from "./run.js";

/** `simulateMany` in a worker of this process; its errors are thrown here. */
export function simulateManyInWorker(options: ManyOptions): Promise<Summary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: options });
    worker.once("message", (summary: Summary) => resolve(summary));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`the simulator's worker exited with code ${code}`));
    });
  });
}

if (!isMainThread && parentPort)
  parentPort.postMessage(await simulateMany(workerData as ManyOptions));
