// What the observers agreed, as runbook tests hand it to a tick: the evidence per region (no
// observer named, no witness) and the kept verdicts the lease holder holds from it.
import type { RegionEvidence, RegionState, Verdict } from "../../src/core/index.js";

/** The evidence for the verdicts given by region, in that order. */
export const regionEvidence = (verdicts: Record<string, Verdict>): RegionEvidence[] =>
  Object.entries(verdicts).map(([region, verdict]) => ({
    region,
    verdict,
    reason: verdict,
    outside: [],
    blocking: [],
    witness: "unknown",
  }));

/** The lease holder's kept verdicts, as the evidence says. */
export const keptOf = (evidence: readonly RegionEvidence[]): Record<string, RegionState> =>
  Object.fromEntries(
    evidence.map((e) => [e.region, { verdict: e.verdict, since: 0, epoch: 1, reason: e.reason }]),
  );

/** westeurope suspect, confirmed failing by northeurope and swedencentral; `over` says what differs. */
export const westeuropeSuspect = (over: Partial<RegionEvidence> = {}): RegionEvidence => ({
  region: "westeurope",
  verdict: "suspect",
  reason: "r",
  outside: ["northeurope", "swedencentral"].map((observer) => ({ observer, view: "confirmed" })),
  blocking: [],
  witness: "unknown",
  ...over,
});
