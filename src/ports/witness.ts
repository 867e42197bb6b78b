import type { WitnessSignal } from "../core/verdict.js";

/**
 * An independent view of each region's health that does not depend on Tandem's observers, such
 * as Traffic Manager's own endpoint monitor. Used only to break a tie between the observers
 * outside a region and the observer inside it.
 */
export interface Witness {
  /** Signals per region of a group; a region not in the map is "unknown". Never throws for a bad answer: unknown. */
  signals(
    group: string,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ReadonlyMap<string, WitnessSignal>>;
}
