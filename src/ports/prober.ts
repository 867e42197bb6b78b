// How one target is checked. Each probe kind (src/probes/<kind>/) builds its requests from the
// configuration (secrets and CA files already resolved) and carries them out; the Prober runs a
// request through the kind it names.
import type { ProbeOutcome } from "../core/observation.js";

/** What every probe request carries; each kind adds its own fields. */
export interface ProbeRequest {
  /** The probe kind that carries it out (its `kind` in src/probes/registry.ts). */
  readonly kind: string;
  /** The target's URL as the configuration gives it. */
  readonly url: string;
  readonly timeoutMs: number;
}

/** Checks one target. Never throws for a failing target: the failure is the outcome. */
export interface Prober {
  probe(
    request: ProbeRequest,
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<ProbeOutcome>;
}
