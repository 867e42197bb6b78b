// One Witness over several: each group asks the witness of its own lever (Traffic Manager's
// monitor for one group; none for a Front Door group).
import type { WitnessSignal } from "../../core/verdict.js";
import type { Witness } from "../../ports/witness.js";

export class WitnessByGroup implements Witness {
  readonly #byGroup: ReadonlyMap<string, Witness>;

  constructor(byGroup: ReadonlyMap<string, Witness>) {
    this.#byGroup = byGroup;
  }

  async signals(
    group: string,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ReadonlyMap<string, WitnessSignal>> {
    return (await this.#byGroup.get(group)?.signals(group, options)) ?? new Map();
  }
}
