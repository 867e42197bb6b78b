// The Traffic Manager witness: the profile's own endpoint monitor, read over ARM. It probes from
// Azure's edge, independently of Tandem's observers, so it can break a tie between the observers
// outside a region and the one inside it.
import type { WitnessSignal } from "../../core/verdict.js";
import { errorText } from "../../core/errors.js";
import type { Log } from "../../ports/log.js";
import type { Witness } from "../../ports/witness.js";
import type { TrafficManagerRouter } from "./router.js";
import { witnessSignal } from "./router.js";

export class TrafficManagerWitness implements Witness {
  readonly #router: TrafficManagerRouter;
  readonly #log: Log | undefined;
  readonly #reported = new Map<string, string>();

  constructor(router: TrafficManagerRouter, log?: Log) {
    this.#router = router;
    this.#log = log;
  }

  async signals(
    group: string,
    options: { readonly abortSignal?: AbortSignal } = {},
  ): Promise<ReadonlyMap<string, WitnessSignal>> {
    if (!this.#router.covers(group)) return new Map();
    try {
      const statuses = await this.#router.monitorStatus(group, options);
      this.#reported.delete(group);
      return new Map([...statuses].map(([region, status]) => [region, witnessSignal(status)]));
    } catch (error) {
      // No answer is no opinion, and not an answer: it is thrown, so that nothing keeps it as the
      // witness's latest word. A person hears why once, not every tick (a 403, say).
      const why = errorText(error);
      if (this.#reported.get(group) !== why) {
        this.#reported.set(group, why);
        this.#log?.warn(`${group}: the Traffic Manager witness has no opinion: ${why}`);
      }
      throw error;
    }
  }
}
