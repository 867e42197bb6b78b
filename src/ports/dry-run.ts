// Levers that change nothing: they read the real levers once and play every change on a copy.
// Used for operators' dry runs and drills; made by the composition root.
import type { Clock } from "./clock.js";
import type { ClusterControl } from "./cluster-control.js";
import type { DataControl } from "./data-control.js";
import type { TrafficRouter } from "./traffic-router.js";

export interface PlannedChange {
  readonly lever: "traffic" | "cluster" | "data";
  readonly group: string;
  /** What the real lever would have been asked to do, e.g. "promote northeurope". */
  readonly change: string;
  /** When, on the dry run's clock. */
  readonly at?: number;
}

export interface DryRunLevers {
  readonly router?: TrafficRouter;
  readonly clusters?: ClusterControl;
  readonly data?: DataControl;
  /** Every change asked of them so far, in order. */
  planned(): readonly PlannedChange[];
}

/** How long the slow parts are expected to take, for plans and drills. */
export interface LeverEstimates {
  readonly clusterStartMs: number;
  /** Per group: how long a traffic change takes to reach the data plane (Front Door: minutes). */
  readonly propagationMs: (group: string) => number;
  /** How long a planned failover of a data store takes (its kind's `failoverMs`). */
  readonly dataFailoverMs?: number;
}

export type DryRunFactory = (clock: Clock, estimates: LeverEstimates) => DryRunLevers;
