import type { WitnessSignal } from "../core/verdict.js";

/**
 * An independent view of each region's health that does not depend on Tandem's observers, such
 * as Traffic Manager's own endpoint monitor. Used only to break a tie between the observers
 * outside a region and the observer inside it.
 */
export interface Witness {
  /**
   * Signals per region of a group; a region not in the map is "unknown", and so is a region
   * the witness answered about without an opinion. A call that got no answer (ARM down, a 403)
   * throws: it is not an answer, and the caller keeps its last real one rather than this.
   */
  signals(
    group: string,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ReadonlyMap<string, WitnessSignal>>;
}
