// The Traffic Manager witness: the profile's own endpoint monitor, read over ARM. It probes from
// Azure's edge, independently of Tandem's observers, so it can break a tie between the observers
// outside a region and the one inside it.
import type { WitnessSignal } from "../../core/verdict.js";
import type { Witness } from "../../ports/witness.js";
import type { TrafficManagerRouter } from "../traffic/traffic-manager.js";
import { witnessSignal } from "../traffic/traffic-manager.js";

export class TrafficManagerWitness implements Witness {
  readonly #router: TrafficManagerRouter;

  constructor(router: TrafficManagerRouter) {
    this.#router = router;
  }

  async signals(
    group: string,
    options: { readonly abortSignal?: AbortSignal } = {},
  ): Promise<ReadonlyMap<string, WitnessSignal>> {
    if (!this.#router.covers(group)) return new Map();
    try {
      const statuses = await this.#router.monitorStatus(group, options);
      return new Map([...statuses].map(([region, status]) => [region, witnessSignal(status)]));
    } catch {
      return new Map(); // no answer is no opinion
    }
  }
}
