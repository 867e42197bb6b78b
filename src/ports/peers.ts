// Asking another observer to probe a region now: an observer that sees a region start failing
// has its peers look at once, not at their next tick, so the confirming observations land in
// seconds (ADR 18). In Azure it is the peer Function App's HTTP trigger, called with this app's
// managed identity; the sandbox calls its own local host; the simulator calls the peer's
// runtime in virtual time.

export interface PeerProbeRequest {
  /** The observer asking. */
  readonly from: string;
  /** The region whose targets (in every group) to probe. */
  readonly region: string;
}

export interface PeerProbeAnswer {
  readonly observer: string;
  readonly region: string;
  /** Targets probed, and how many of those failed. */
  readonly probed: number;
  readonly failing: number;
  /** Whether the observations were written: only written ones count for the verdict. */
  readonly written: boolean;
  /** Why nothing was probed or written, when so. */
  readonly note?: string;
}

export interface Peers {
  /**
   * Asks `peer` to probe the region now; resolves with its answer once it has probed and
   * written, rejects with a sentence when it cannot be asked or does not answer.
   */
  ask(
    peer: string,
    request: PeerProbeRequest,
    options: { readonly abortSignal: AbortSignal },
  ): Promise<PeerProbeAnswer>;
}
