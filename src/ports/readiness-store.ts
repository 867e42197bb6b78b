// Readiness in the state store: the lease holder's latest report per group (so every observer's
// status reads it), and the last drill's prediction per group (written by whichever observer ran
// the drill, read by the holder's next readiness run). Caches: the last writer wins.
import type { ReadinessReport } from "../core/readiness.js";
import type { StoreCallOptions } from "./state-store.js";

/** What a drill predicted, kept for the readiness check `recovery-time`. */
export interface DrillRecord {
  /** When it ran (the drilling process's clock). */
  readonly at: number;
  /** The predicted time from detection to traffic on the standby (the failover plan's). */
  readonly expectedSeconds: number;
  /** How the failover plan ended: `completed`, or the step it would stop at (`failed`...). */
  readonly outcome: string;
  readonly to: string;
  readonly by: string;
}

export interface ReadinessRows {
  readonly reports: Readonly<Record<string, ReadinessReport>>;
  readonly drills: Readonly<Record<string, DrillRecord>>;
}

export interface ReadinessStore {
  /** Every group's report and last drill, in one read. */
  readReadiness(options?: StoreCallOptions): Promise<ReadinessRows>;
  writeReadiness(report: ReadinessReport, options?: StoreCallOptions): Promise<void>;
  recordDrill(group: string, drill: DrillRecord, options?: StoreCallOptions): Promise<void>;
}
