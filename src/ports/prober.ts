import type { ProbeOutcome } from "../core/observation.js";

export interface ProbeRequest {
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
