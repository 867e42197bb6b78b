// What a use case runs with: the validated configuration, this observer's identity and the ports.
// Built by src/compose.ts; tests build it with fakes.
import type { TandemConfig } from "../config/schema.js";
import type { Clock } from "../ports/clock.js";
import type { Log } from "../ports/log.js";
import type { Prober } from "../ports/prober.js";
import type { StateStore } from "../ports/state-store.js";

export interface Runtime {
  readonly config: TandemConfig;
  /** The region of the observer this process runs as. */
  readonly observer: string;
  readonly store: StateStore;
  readonly prober: Prober;
  readonly clock: Clock;
  readonly log: Log;
  readonly version: string;
}
