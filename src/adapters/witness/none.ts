import type { WitnessSignal } from "../../core/verdict.js";
import type { Witness } from "../../ports/witness.js";

/** No witness: every region is "unknown" to it, so a tie between observers stays a split view. */
export const noWitness: Witness = {
  signals: async () => new Map<string, WitnessSignal>(),
};
